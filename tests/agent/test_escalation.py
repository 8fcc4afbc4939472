"""Escalation triggers: each reason in English, Arabic (MSA, Gulf), Russian and Arabizi, and what must not escalate."""

from __future__ import annotations

import pytest

from agent.policies.escalation import (
    EscalationSignals,
    closed_record,
    decide_escalation,
    next_escalation,
    normalise,
    opened_record,
)


@pytest.mark.parametrize(
    "text",
    [
        "Can I speak to a human please?",
        "I want to talk to a real person",
        "please connect me with your sales manager",
        "Transfer me to an agent",
        "human please",
        "Can someone call me?",
        "Could your team call me tomorrow",
        "I'd prefer a live agent",
        "اريد التحدث مع موظف",
        "ابي اكلم موظف لو سمحت",
        "ممكن اتكلم مع المدير؟",
        "ابغى اكلم شخص حقيقي",
        "حولني على خدمة العملاء",
        "اتصلوا فيني",
        "بدي احكي مع حدا من المبيعات",
        "أريد التحدّث مع مسؤول",
        "Можно поговорить с менеджером?",
        "Соедините меня с оператором",
        "позовите живого человека",
        "Перезвоните мне, пожалуйста",
        "хочу связаться с сотрудником",
        "abi akalem mowazaf",
        "mumkin atkalam ma3 manager?",
        "kalmoni 3al raqam",
        "abgha a7ad yetesel feni",
    ],
)
def test_asking_for_a_person_escalates(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert "human_request" in decision.reasons


@pytest.mark.parametrize(
    "text",
    [
        "The chair arrived broken",
        "I want a refund",
        "two desks were damaged in delivery, not happy at all",
        "You sent the wrong colour",
        "my order still not delivered after 3 weeks!",
        "I want to return them",
        "الكرسي وصل مكسور",
        "ابي استرجاع فلوسي",
        "عندي شكوى على الطلب",
        "الطاولة فيها عيب وخدوش",
        "الطلب للحين ما وصل",
        "Стол пришел сломанный",
        "хочу вернуть деньги",
        "у меня претензия по заказу",
        "кресло с браком и царапинами",
        "el korsi wasal maksoor",
        "abi arja3 flosi",
    ],
)
def test_complaints_refunds_and_damage_escalate_without_a_sales_pitch(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert decision.reason == "complaint"
    assert decision.no_sales_pitch


@pytest.mark.parametrize(
    "text",
    [
        "Can we pay on 60 days credit?",
        "we need net 30 payment terms",
        "can we pay after delivery?",
        "is it possible to pay in installments",
        "نبي دفع آجل",
        "ممكن ندفع بعد التسليم؟",
        "ممكن بالتقسيط",
        "возможна отсрочка платежа?",
        "оплата после поставки возможна?",
        "mumkin ta9seet?",
    ],
)
def test_payment_terms_in_words_escalate(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert decision.reason == "payment_terms"


def test_payment_terms_the_policy_allows_do_not_escalate() -> None:
    signals = EscalationSignals(payment_terms_decision="within_policy")
    assert decide_escalation("can we pay after delivery?", signals) is None


def test_the_policy_decides_on_discounts() -> None:
    text = "Can you give me 25% off?"
    assert decide_escalation(text) is None
    assert decide_escalation(text, EscalationSignals(discount_decision="within_policy")) is None
    decision = decide_escalation(text, EscalationSignals(discount_decision="beyond_policy"))
    assert decision is not None
    assert decision.reason == "discount_beyond_policy"
    decision = decide_escalation("", EscalationSignals(payment_terms_decision="beyond_policy"))
    assert decision is not None
    assert decision.reason == "payment_terms"


@pytest.mark.parametrize(
    ("value", "threshold", "escalates"),
    [(9_999.99, 10_000, False), (10_000, 10_000, True), (48_000, 10_000, True), (48_000, 50_000, False)],
)
def test_order_value_above_the_threshold_escalates(value: float, threshold: float, escalates: bool) -> None:
    signals = EscalationSignals(order_value_aed=value, order_value_threshold_aed=threshold)
    decision = decide_escalation("ok, let's go ahead", signals)
    assert (decision is not None and decision.reason == "order_value") is escalates


@pytest.mark.parametrize(
    "text",
    [
        "Can you deliver by Thursday?",
        "we need them before the 15th of March",
        "I need it by tomorrow",
        "can you guarantee delivery next week",
        "what's the exact delivery date?",
        "urgent delivery please",
        "نحتاجها قبل الخميس",
        "ممكن توصيل بكرة؟",
        "ابيها باجر ضروري",
        "Доставите до пятницы?",
        "нужно к понедельнику",
        "гарантируете доставку?",
        "twasloon bokra?",
    ],
)
def test_delivery_date_commitments_escalate(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert decision.reason == "delivery_commitment"


@pytest.mark.parametrize(
    "text",
    [
        "Do you deliver to Riyadh?",
        "can you ship 40 chairs to Oman",
        "we need delivery outside the UAE",
        "هل توصلون الى السعودية؟",
        "ممكن شحن للكويت",
        "Доставка в Москву возможна?",
        "отправите в Казахстан?",
        "twasloon la saudi?",
    ],
)
def test_delivery_outside_the_uae_escalates(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert decision.reason == "outside_uae"


@pytest.mark.parametrize(
    "text",
    [
        "Here is our floor plan, can you propose a layout?",
        "I'll send the AutoCAD drawing",
        "we need a full fit-out, can someone do a site visit?",
        "هذا مخطط المكتب",
        "نحتاج زيارة الموقع",
        "Вот планировка офиса",
        "нужен замер помещения",
    ],
)
def test_drawings_and_floor_plans_escalate(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert "drawings" in decision.reasons


def test_attachments_escalate_documents_always_and_photos_when_the_bot_cannot_see() -> None:
    document = decide_escalation(None, EscalationSignals(attachments=["document"]))
    assert document is not None
    assert document.reason == "drawings"
    photo = decide_escalation("", EscalationSignals(attachments=["image"]))
    assert photo is not None
    assert photo.reason == "drawings"
    assert decide_escalation("", EscalationSignals(attachments=["image"], images_need_human=False)) is None
    assert decide_escalation("hi", EscalationSignals(attachments=["audio"])) is None


@pytest.mark.parametrize(
    "text",
    ["you don't understand me", "this is useless", "ما فهمتني", "вы не понимаете", "mo fahim 3alay"],
)
def test_frustration_counts_as_failure_to_help(text: str) -> None:
    decision = decide_escalation(text)
    assert decision is not None, text
    assert decision.reason == "repeated_failure"


def test_repeated_failure_and_persistent_outage_come_from_counters() -> None:
    assert decide_escalation("ok", EscalationSignals(failed_turns=1)) is None
    decision = decide_escalation("ok", EscalationSignals(failed_turns=2))
    assert decision is not None
    assert decision.reason == "repeated_failure"
    assert decide_escalation("ok", EscalationSignals(provider_failures=1)) is None
    decision = decide_escalation("ok", EscalationSignals(provider_failures=3, provider_failures_threshold=3))
    assert decision is not None
    assert decision.reason == "provider_outage"


@pytest.mark.parametrize(
    "text",
    [
        "Hello",
        "I need 200 office chairs for our new office",
        "Do you have 50 mesh chairs in black?",
        "We want 12 workstations and 12 pedestals",
        "What's your return policy?",
        "what is your refund policy",
        "How long does delivery usually take?",
        "Do you deliver to Sharjah?",
        "We are a company from Saudi Arabia with an office in Dubai, need 30 chairs",
        "Do you have a chair for a manager's office?",
        "Executive desk for our general manager",
        "what's the price of the manager chair",
        "ok, no problem, show me something else",
        "is there a discount for 100 pieces?",
        "مرحبا، ابي 20 كرسي مكتب",
        "عندكم مكتب مدير؟",
        "كم سعر الكرسي؟",
        "نحتاج 50 كرسي اسود",
        "Здравствуйте, нужно 40 кресел",
        "Нужно 6 кресел, до 500 дирхам за штуку",
        "Есть ли стол для руководителя?",
        "sho 3ndkom korsi mudeer?",
        "salam, abi 10 karasi",
        "I asked about chairs, you don't have the green one? fine",
    ],
)
def test_ordinary_enquiries_do_not_escalate(text: str) -> None:
    assert decide_escalation(text) is None, text


def test_honest_no_match_and_product_with_quantity_do_not_escalate() -> None:
    signals = EscalationSignals(order_value_aed=4_500, failed_turns=0)
    assert decide_escalation("Do you have pink bean bags? I need 10", signals) is None
    assert decide_escalation("5 x EP-MC-001", signals) is None


def test_the_primary_reason_follows_priority_and_evidence_is_kept() -> None:
    decision = decide_escalation(
        "The desk arrived broken, I want to speak to a manager",
        EscalationSignals(order_value_aed=20_000),
    )
    assert decision is not None
    assert decision.reasons == ("complaint", "human_request", "order_value")
    assert decision.reason == "complaint"
    assert decision.evidence["complaint"] == "broken"
    assert decision.label == "Complaint, refund or damaged goods"


def test_normalisation_folds_arabic_variants_and_case() -> None:
    assert normalise("أريد  التحدّث") == "اريد التحدث"
    assert normalise("ЁЛКА Hello") == "елка hello"


def test_once_per_episode() -> None:
    text = "I want to talk to a human"
    first = next_escalation(text, None, None)
    assert first is not None
    assert first.episode == 1
    record = opened_record(first, "mgr_01")
    assert record == {"active": True, "reason": "human_request", "episode": 1, "manager_id": "mgr_01", "handled": []}
    # while the episode is open nothing escalates again
    assert next_escalation(text, None, record) is None
    assert next_escalation("it's broken!", None, record) is None
    # after the hand-back a new request opens episode 2
    closed = closed_record(record)
    assert closed["active"] is False
    second = next_escalation("again: connect me to a manager", None, closed)
    assert second is not None
    assert second.episode == 2


def test_state_reasons_a_person_handled_are_not_raised_again() -> None:
    big = EscalationSignals(order_value_aed=25_000)
    first = next_escalation("ok", big, None)
    assert first is not None
    assert first.reason == "order_value"
    closed = closed_record(opened_record(first, "mgr_01"), first.reasons)
    assert closed["handled"] == ["order_value"]
    assert next_escalation("ok, send the quote", big, closed) is None
    # new words still escalate, in a new episode
    again = next_escalation("the delivery was damaged", big, closed)
    assert again is not None
    assert again.reasons == ("complaint",)
    assert again.episode == 2
