"""The deterministic reviewer: decides the checklist rules code can decide, and marks the rest "not judged".

Decided here (each docstring of a `_rule` function says how):
greet_by_name, customer_language, one_question (including the customer's name asked at most once),
no_invented_facts (every figure in a bot message grounded in its turn's facts or the customer's words),
escalates_properly (escalated when due, and only once), moves_to_next_step (a quotation offered when the
customer was ready), whatsapp_style. The other rules need a reader: "not judged".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from itertools import pairwise

from agent.models.offline.understand import understand_text
from agent.policies.escalation import EscalationSignals, decide_escalation
from agent.quality import signals
from agent.quality.checklist import Checklist, Rule, load_checklist
from agent.quality.review import Review, RuleScore, complete, judged, not_applicable, not_judged, summarise
from agent.quality.transcript import Message, Transcript, with_languages


def _scale(violations: int, points: int) -> int:
    """No violation keeps the rule, one keeps it partly, two or more break it."""
    return points if violations == 0 else (points // 2 if violations == 1 else 0)


def _ids(messages: list[Message]) -> tuple[int, ...]:
    return tuple(m.id for m in messages)


def _greet_by_name(t: Transcript, rule: Rule) -> RuleScore:
    """The first bot message opens with a greeting, using the customer's name when it is known by then (profile
    name, or a name the customer gave); no later bot message greets again. No greeting: 0. Not by the known
    name, or greeting again: one point each lost. A known name in another script than the greeting (a Latin
    profile name, an Arabic greeting) cannot be compared: then the rule is not judged unless a greeting is
    missing or repeated."""
    bots = [m for m in t.bot_messages() if m.text.strip()]
    if not bots:
        return not_applicable(rule.id, rule.points, "the bot did not write")
    first = bots[0]
    if not signals.opens_with_greeting(first.text):
        return judged(rule.id, 0, rule.points, "the first reply does not greet", (first.id,))
    name = t.customer_name
    for m in t.messages:
        if m.id >= first.id:
            break
        if m.by_customer and not name:
            name = signals.given_name(m.text)
    again = [m for m in bots[1:] if signals.opens_with_greeting(m.text)]
    lost, notes, evidence = 0, [], [first.id]
    if again:
        lost += 1
        notes.append(f"greets again in {len(again)} later message(s)")
        evidence += _ids(again)
    if name and not signals.mentions_name(first.text, name):
        if not signals.same_script(first.text, name):
            if not again:
                return not_judged(
                    rule.id, rule.points, "the known name is in another script than the greeting", (first.id,)
                )
        else:
            lost += 1
            notes.append(f"does not use the known name {name.split()[0]!r}")
    note = "; ".join(notes) or ("greets by name, once" if name else "greets once (name not known)")
    return judged(rule.id, rule.points - lost, rule.points, note, tuple(evidence))


def _customer_language(t: Transcript, rule: Rule) -> RuleScore:
    """Every bot message is in the language of the customer's latest message before it (Arabizi counts as
    Arabic, as the bot answers it; Latin text with Arabizi words in it may be answered in Arabic or English).
    One message in another language: 1; two or more: 0."""
    expected: set[str] = set()
    wrong: list[Message] = []
    checked = 0
    for m in t.messages:
        if m.by_customer and m.language:
            # Arabizi the detector reads as English may be answered in Arabic or English
            expected = {m.language, "ar"} if m.language == "en" and signals.maybe_arabizi(m.text) else {m.language}
        elif m.by_bot and m.language and expected and m.text.strip():
            checked += 1
            if m.language not in expected:
                wrong.append(m)
    if not checked:
        return not_applicable(rule.id, rule.points, "no bot message to compare with the customer's language")
    if not wrong:
        return judged(rule.id, rule.points, rule.points, f"all {checked} replies in the customer's language")
    detail = ", ".join(f"#{m.id} in {m.language}" for m in wrong)
    return judged(
        rule.id, _scale(len(wrong), rule.points), rule.points, f"replies in another language: {detail}", _ids(wrong)
    )


def _one_question(t: Transcript, rule: Rule) -> RuleScore:
    """At most one question per bot message, and the customer's name asked at most once (never after the
    customer gave it). Each message with two or more questions and each needless ask of the name is a
    violation: one costs a point, two break the rule."""
    bots = [m for m in t.bot_messages() if m.text.strip()]
    if not bots:
        return not_applicable(rule.id, rule.points, "the bot did not write")
    several = [m for m in bots if signals.question_count(m.text) > 1]
    name_known = False
    asked = 0
    needless: list[Message] = []
    last_bot_asked_name = False
    for m in t.messages:
        if m.by_customer:
            if signals.gives_name(m.text) or (last_bot_asked_name and signals.short_answer(m.text)):
                name_known = True
            last_bot_asked_name = False
        elif m.by_bot and m.text.strip():
            last_bot_asked_name = signals.asks_for_name(m.text)
            if last_bot_asked_name:
                if asked or name_known:
                    needless.append(m)
                asked += 1
    notes = []
    if several:
        notes.append("several questions in " + ", ".join(f"#{m.id}" for m in several))
    if needless:
        notes.append("asks the name again in " + ", ".join(f"#{m.id}" for m in needless))
    violations = len(several) + len(needless)
    note = "; ".join(notes) or "one question at a time, the name asked at most once"
    return judged(rule.id, _scale(violations, rule.points), rule.points, note, _ids(several + needless))


def _no_invented_facts(t: Transcript, rule: Rule) -> RuleScore:
    """Every number and product code in a bot message is in the facts of its turn (the tool results it was
    given) or in the customer's words so far; small counts, 24 and 100 are not claims. One invented figure
    breaks the rule. A bot message whose turn recorded no facts can only be checked against the customer's
    words: a figure found in neither makes the rule not judged (unless another message is proven wrong)."""
    said_numbers: set[str] = set()
    said_codes: set[str] = set()
    invented: list[tuple[Message, list[str]]] = []
    unverifiable: list[Message] = []
    stated = 0
    for m in t.messages:
        if m.by_customer:
            said_numbers |= signals.numbers(m.text)
            said_codes |= signals.codes(m.text.upper())
            continue
        if not m.by_bot or not m.text.strip():
            continue
        figures = signals.numbers(m.text) - signals.HARMLESS
        product_codes = signals.codes(m.text)
        if not figures and not product_codes:
            continue
        stated += 1
        unknown = sorted(figures - said_numbers) + sorted(product_codes - said_codes)
        if not unknown:
            continue
        if m.facts is None:
            unverifiable.append(m)
            continue
        fact_numbers, fact_codes = signals.fact_values(m.facts)
        wrong = [f for f in unknown if f not in fact_numbers and f not in fact_codes]
        if wrong:
            invented.append((m, wrong))
    if invented:
        detail = "; ".join(f"#{m.id}: {', '.join(_shown(w) for w in wrong)}" for m, wrong in invented)
        return judged(
            rule.id, 0, rule.points, f"figures not in the shop's data: {detail}", tuple(m.id for m, _ in invented)
        )
    if unverifiable:
        return not_judged(rule.id, rule.points, "figures in messages whose turn recorded no facts", _ids(unverifiable))
    if not stated:
        return judged(rule.id, rule.points, rule.points, "states no figures")
    return judged(rule.id, rule.points, rule.points, f"every figure in {stated} message(s) is grounded")


def _shown(figure: str) -> str:
    return figure[:-3] if figure.endswith(".00") else figure


def _due(m: Message) -> tuple[str, ...]:
    """Why this customer message needs a person, from its words and attachments (agent/policies/escalation.py)."""
    attachments = (m.kind,) if m.kind in ("document", "image") else ()
    decision = decide_escalation(
        understand_text(m.text), EscalationSignals(attachments=attachments, images_need_human=False)
    )
    return decision.reasons if decision else ()


def _escalates_properly(t: Transcript, rule: Rule) -> RuleScore:
    """When a customer message needs a person (asked for one, a complaint, delivery abroad, a date commitment,
    payment terms, a floor plan; decided by agent/policies/escalation.py), the bot opens an escalation after it and
    tells the customer in a message after the hand-over. Due and never escalated: 0. Escalated only after
    answering the message without handing over, no word to the customer after the hand-over, or escalated twice
    for the same reason with no new occasion: 1. Neither due nor escalated:
    not applicable. An escalation the bot opened for a reason of its own (order value, a discount beyond
    policy) counts as due."""
    ours = [e for e in t.escalations if e.by_bot]
    due = [(m, _due(m)) for m in t.customer_messages()]
    due = [(m, reasons) for m, reasons in due if reasons]
    if not due and not ours:
        return not_applicable(rule.id, rule.points, "no occasion to hand over")
    for m, reasons in due:
        if not any(e.after_message_id >= m.id for e in ours):
            taken = any(e.after_message_id >= m.id for e in t.escalations if not e.by_bot)
            score = rule.points // 2 if taken else 0
            why = f"#{m.id} needed a person ({', '.join(reasons)})"
            note = f"{why}; a manager took over, the bot did not hand over" if taken else f"{why}; never handed over"
            return judged(rule.id, score, rule.points, note, (m.id,))
    problems, evidence = [], []
    for m, _ in due:
        handover = min((e for e in ours if e.after_message_id >= m.id), key=lambda e: e.after_message_id)
        if any(b.by_bot and m.id < b.id <= handover.after_message_id for b in t.messages):
            problems.append(f"#{m.id} answered without handing over first")
            evidence.append(m.id)
            break
    for earlier, later in pairwise(ours):
        fresh = [m for m, _ in due if earlier.after_message_id < m.id <= later.after_message_id]
        if later.reason == earlier.reason and not fresh:
            problems.append(f"escalated twice for {later.reason}")
            evidence.append(later.after_message_id)
    for e in ours:
        if not any(m.by_bot and m.id > e.after_message_id for m in t.messages):
            problems.append(f"no message to the customer after the hand-over ({e.reason})")
            evidence.append(e.after_message_id)
    if problems:
        return judged(rule.id, rule.points // 2, rule.points, "; ".join(problems), tuple(evidence))
    handed = ", ".join(e.reason for e in ours)
    return judged(rule.id, rule.points, rule.points, f"handed over once per occasion ({handed})")


def _moves_to_next_step(t: Transcript, rule: Rule) -> RuleScore:
    """When the customer shows they are ready (asks for a quotation or an invoice, says they will take it, asks
    how to order; not "no quotation yet"), the bot's next message offers the quotation or its next step (asks
    the details it needs, a summary to confirm) or hands over to a manager. Next message: 2; a later one: 1;
    never: 0. A customer who never showed readiness: not judged (moving forward in general needs a reader)."""
    ready = next((m for m in t.customer_messages() if signals.ready_to_buy(m.text)), None)
    if ready is None:
        return not_judged(rule.id, rule.points, "the customer never asked for a quotation or to order")
    later_bots = [m for m in t.bot_messages() if m.id > ready.id and m.text.strip()]
    handed_over = [e for e in t.escalations if e.after_message_id >= ready.id]
    offering = [m for m in later_bots if signals.offers_next_step(m.text)]
    if not offering:
        if handed_over:
            return judged(rule.id, rule.points, rule.points, "handed to a manager after the customer was ready")
        return judged(rule.id, 0, rule.points, f"ready in #{ready.id}; no quotation or next step offered", (ready.id,))
    first = offering[0]
    replies = [m for m in later_bots if m.id < first.id]
    # the reply to the ready message may come in several parts (one turn): they count as the next message
    if replies and any(not _same_turn(r, first, t) for r in replies):
        return judged(
            rule.id, rule.points // 2, rule.points, f"quotation offered late (#{first.id})", (ready.id, first.id)
        )
    return judged(
        rule.id, rule.points, rule.points, f"quotation or next step offered in #{first.id}", (ready.id, first.id)
    )


def _same_turn(a: Message, b: Message, t: Transcript) -> bool:
    """No customer message between the two bot messages."""
    low, high = sorted((a.id, b.id))
    return not any(m.by_customer and low < m.id < high for m in t.messages)


def _whatsapp_style(t: Transcript, rule: Rule) -> RuleScore:
    """No markdown tables, headings or **double stars**, no message over 1,000 characters or over 600 without a
    line break. One message with such a problem: 1; two or more: 0."""
    bots = [m for m in t.bot_messages() if m.text.strip()]
    if not bots:
        return not_applicable(rule.id, rule.points, "the bot did not write")
    bad = [(m, signals.style_problems(m.text)) for m in bots]
    bad = [(m, problems) for m, problems in bad if problems]
    if not bad:
        return judged(rule.id, rule.points, rule.points, "short, plain WhatsApp messages")
    detail = "; ".join(f"#{m.id}: {', '.join(problems)}" for m, problems in bad)
    return judged(rule.id, _scale(len(bad), rule.points), rule.points, detail, tuple(m.id for m, _ in bad))


RULES: dict[str, Callable[[Transcript, Rule], RuleScore]] = {
    "greet_by_name": _greet_by_name,
    "customer_language": _customer_language,
    "one_question": _one_question,
    "no_invented_facts": _no_invented_facts,
    "escalates_properly": _escalates_properly,
    "moves_to_next_step": _moves_to_next_step,
    "whatsapp_style": _whatsapp_style,
}
"""The rules this reviewer decides, and how."""

NEEDS_A_READER = "needs a reader: the LLM judge decides it"


def _code_version() -> str:
    files = resources.files("agent.quality")
    text = "".join((files / name).read_text(encoding="utf-8") for name in ("offline.py", "signals.py"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


class OfflineReviewer:
    """Deterministic, instant, free: the same transcript always gets the same review."""

    name = "offline"

    def __init__(self, checklist: Checklist | None = None) -> None:
        self.checklist = checklist or load_checklist()
        self.version = f"offline@{_code_version()}+{self.checklist.label}"

    def review_now(self, transcript: Transcript, now: datetime | None = None) -> Review:
        t = with_languages(transcript)
        scores = {rule.id: RULES[rule.id](t, rule) for rule in self.checklist.rules if rule.id in RULES}
        rules = complete(scores, self.checklist, NEEDS_A_READER)
        return Review(
            conversation_id=t.conversation_id,
            episode=t.episode,
            first_message_id=t.first_message_id,
            last_message_id=t.last_message_id,
            reviewer=self.name,
            reviewer_version=self.version,
            checklist=self.checklist.label,
            rules=rules,
            summary=summarise(rules),
            reviewed_at=now or datetime.now(UTC),
        )

    async def review(self, transcript: Transcript) -> Review:
        return self.review_now(transcript)
