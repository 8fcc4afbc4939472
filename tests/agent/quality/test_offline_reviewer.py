"""The offline reviewer scores what code can see: a good conversation high, a bad one low on the rules it broke."""

from __future__ import annotations

from agent.quality.checklist import load_checklist
from agent.quality.offline import RULES, OfflineReviewer
from agent.quality.review import Review
from agent.quality.transcript import Transcript
from tests.agent.quality.build import BAD_EN, CHAIRS, GOOD_EN, transcript

reviewer = OfflineReviewer()


def review(t: Transcript) -> Review:
    return reviewer.review_now(t)


def test_a_good_conversation_scores_full_marks_on_every_rule_code_decides() -> None:
    result = review(GOOD_EN)
    decided = {r.rule for r in result.rules if r.judged}
    assert decided == set(RULES) - {"escalates_properly"}  # nothing to hand over: not applicable
    assert result.total == result.available == 12
    assert result.share == 1.0
    assert result.maximum == load_checklist().total == 30
    assert "no points lost" in result.summary


def test_the_rules_that_need_a_reader_are_not_judged_and_leave_the_denominator() -> None:
    result = review(GOOD_EN)
    for rule in ("understands_need", "relevant_options", "respects_no", "professional_tone", "correct_totals"):
        assert result.score(rule).status == "not_judged"
        assert result.score(rule).score is None
    assert len(result.rules) == 15
    assert result.available == sum(r.max for r in result.rules if r.judged)


def test_a_bad_conversation_loses_the_points_of_the_rules_it_broke() -> None:
    result = review(BAD_EN)
    facts = result.score("no_invented_facts")
    assert facts.score == 0
    assert facts.evidence == (2,)
    assert "299" in facts.note
    assert "500" in facts.note
    assert "549" not in facts.note  # a real price from the turn's facts
    questions = result.score("one_question")
    assert questions.score == 0  # two double questions and the name asked again
    assert set(questions.evidence) == {2, 6}
    assert result.score("greet_by_name").score == 1  # greets again in #4
    assert 4 in result.score("greet_by_name").evidence
    escalation = result.score("escalates_properly")
    assert escalation.score == 0
    assert escalation.evidence == (7,)
    assert "human_request" in escalation.note
    assert result.score("moves_to_next_step").score == 2  # asking the name for the quotation is its next step
    assert result.share is not None
    assert result.share <= 0.5  # half the decidable points lost, where the good one lost none
    assert result.lost()[0].score == 0


def test_a_quotation_never_offered_after_the_customer_asked_for_one_breaks_the_next_step_rule() -> None:
    t = transcript(
        ("customer", "Hi, 10 Zephyr chairs please, send me a quote"),
        ("bot", "Hello! The Zephyr Mesh Chair costs 399 AED and is in stock.", CHAIRS),
        ("customer", "ok?"),
        ("bot", "It is a very comfortable chair with mesh back.", CHAIRS),
    )
    result = review(t)
    assert result.score("moves_to_next_step").score == 0
    assert result.score("moves_to_next_step").evidence == (1,)


def test_a_customer_who_declines_a_quotation_is_not_read_as_ready() -> None:
    t = transcript(
        ("customer", "Hi, just looking for now, no quotation yet. What chairs do you have?"),
        ("bot", "Hello! We have mesh and leather chairs. Which kind do you like?", {}),
    )
    assert review(t).score("moves_to_next_step").status == "not_judged"


def test_replying_in_english_to_an_arabic_customer_and_not_following_a_switch_loses_the_language_rule() -> None:
    t = transcript(
        ("customer", "السلام عليكم، أبي ١٠ كراسي مكتب"),
        ("bot", "وعليكم السلام! عندنا كرسي زفير الشبكي بسعر 399 درهم. كم تحتاج بالضبط؟", CHAIRS),
        ("customer", "Actually can we continue in English?"),
        ("bot", "أكيد! الكرسي متوفر في المخزون.", CHAIRS),
        ("customer", "Please, English"),
        ("bot", "تمام، أرسل لك التفاصيل.", {}),
    )
    result = review(t)
    language = result.score("customer_language")
    assert language.score == 0
    assert language.evidence == (4, 6)
    assert result.score("no_invented_facts").score == 2  # ١٠ read as 10, 399 from the facts


def test_arabizi_is_answered_in_arabic_and_russian_in_russian() -> None:
    arabizi = transcript(
        ("customer", "salam, abi korsi maktab b 500"),
        ("bot", "هلا والله! عندنا كرسي زفير بسعر 399 درهم، متوفر. يناسبك؟", CHAIRS),
    )
    russian = transcript(
        ("customer", "Здравствуйте, нужны 10 офисных кресел"),
        ("bot", "Здравствуйте, Елена! Кресло Zephyr Mesh Chair стоит 399 AED, в наличии. Подходит?", CHAIRS),
        name="Елена",
    )
    for t in (arabizi, russian):
        result = review(t)
        assert result.score("customer_language").score == 2
        assert result.score("greet_by_name").score == 2
        assert result.score("no_invented_facts").score == 2


def test_a_name_known_in_another_script_than_the_greeting_is_not_guessed_at() -> None:
    t = transcript(("customer", "مرحبا"), ("bot", "أهلاً وسهلاً! كيف أقدر أساعدك؟", {}), name="Ahmed")
    assert review(t).score("greet_by_name").status == "not_judged"


def test_figures_of_a_turn_that_recorded_no_facts_cannot_be_checked() -> None:
    t = transcript(
        ("customer", "How much is the Zephyr chair?"),
        ("bot", "Hello! The Zephyr Mesh Chair is 399 AED.", None),
    )
    facts = review(t).score("no_invented_facts")
    assert facts.status == "not_judged"
    assert facts.evidence == (2,)


def test_figures_the_customer_gave_are_grounded_without_facts() -> None:
    t = transcript(
        ("customer", "I need 40 chairs under 15000 AED in total"),
        ("bot", "Hello! 40 chairs within 15,000 AED: noted. Mesh or leather?", None),
    )
    assert review(t).score("no_invented_facts").score == 2


def test_escalated_when_asked_once_with_a_word_to_the_customer_keeps_the_rule_and_twice_does_not() -> None:
    once = transcript(
        ("customer", "The chairs arrived broken, I want a refund"),
        ("escalation", "complaint"),
        ("bot", "I'm very sorry about this. I've passed your case to our manager, who will contact you shortly.", {}),
    )
    assert review(once).score("escalates_properly").score == 2
    twice = transcript(
        ("customer", "The chairs arrived broken, I want a refund"),
        ("escalation", "complaint"),
        ("bot", "I'm very sorry. A manager will contact you shortly.", {}),
        ("customer", "ok thanks"),
        ("escalation", "complaint"),
        ("bot", "I'm very sorry. A manager will contact you shortly.", {}),
    )
    result = review(twice).score("escalates_properly")
    assert result.score == 1
    assert "twice" in result.note


def test_no_occasion_to_hand_over_is_not_applicable() -> None:
    result = review(GOOD_EN).score("escalates_properly")
    assert result.status == "not_applicable"
    assert result.score is None


def test_markdown_tables_and_walls_of_text_break_the_whatsapp_style() -> None:
    table = "| Chair | Price |\n|---|---|\n| Zephyr | 399 |"
    wall = "This chair is great. " * 60
    t = transcript(("customer", "Hi, chairs?"), ("bot", table, CHAIRS), ("customer", "more?"), ("bot", wall, {}))
    style = review(t).score("whatsapp_style")
    assert style.score == 0
    assert style.evidence == (2, 4)


def test_the_same_transcript_always_gets_the_same_review() -> None:
    first, second = review(BAD_EN), review(BAD_EN)
    assert first.rules == second.rules
    assert first.reviewer_version == second.reviewer_version
    assert first.reviewer == "offline"


def test_a_hand_over_only_after_the_customer_asked_twice_is_late() -> None:
    t = transcript(
        ("customer", "Can I talk to a manager please?"),
        ("bot", "Hello! I can help you with anything. What do you need?", {}),
        ("customer", "I said I want a human"),
        ("escalation", "human_request"),
        ("bot", "Of course, a manager will write to you here shortly.", {}),
    )
    result = review(t).score("escalates_properly")
    assert result.score == 1
    assert result.evidence == (1,)


def test_the_name_the_customer_gives_is_the_one_the_greeting_should_use() -> None:
    by_name = transcript(("customer", "Hi, my name is Sara"), ("bot", "Hello Sara! How can I help?", {}))
    without = transcript(("customer", "Hi, my name is Sara"), ("bot", "Hello! How can I help?", {}))
    assert review(by_name).score("greet_by_name").score == 2
    assert review(without).score("greet_by_name").score == 1
    assert (
        "Sara" in review(without).score("greet_by_name").note or "sara" in review(without).score("greet_by_name").note
    )


def test_a_bot_message_of_codes_and_prices_keeps_the_arabic_conversations_language() -> None:
    t = transcript(
        ("customer", "كم سعر MC-AIRO-MB-BLK؟"),
        ("bot", "MC-AIRO-MB-BLK: 433.50 AED", {"product": {"sku": "MC-AIRO-MB-BLK", "price": 433.5}}),
    )
    assert review(t).score("customer_language").score == 2
