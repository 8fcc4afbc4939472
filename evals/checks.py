"""Deterministic checks: an Observation against a Scenario's expectations, as a list of named results.

Pure functions (no I/O), so they are tested directly and a report can say exactly which check failed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from evals.driver import Observation, TurnRecord
from evals.scenario import OutcomeExpect, ReplyExpect, Scenario, TrajectoryExpect

DEFAULT_FORBIDDEN = ("as an ai", "language model", "{", "}")
"""Robotic phrases and unfilled template placeholders, never acceptable in a reply."""


@dataclass
class CheckResult:
    kind: str  # outcome | trajectory | reply | turn | harness
    name: str
    passed: bool
    detail: str = ""


# ---- text helpers -------------------------------------------------------------------------------------

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c\u00a0\u202f ]\d+)*")
_LIST_MARKER = re.compile(r"(?m)^\s*\d{1,2}[.)](?=\s)")
_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u065F\u0670]")


def script_language(text: str) -> str | None:
    """The language a reply is written in, by its letters (independent of the agent's own detector).

    Product names, SKUs and "Treejar" are Latin in every language, so a reply with a real share of Arabic
    or Cyrillic letters is Arabic or Russian even when Latin letters outnumber them.
    """
    arabic, cyrillic, latin = len(_ARABIC.findall(text)), len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    total = arabic + cyrillic + latin
    if total == 0:
        return None
    if arabic >= cyrillic and (arabic >= 8 or arabic / total >= 0.3):
        return "ar"
    if cyrillic > arabic and (cyrillic >= 8 or cyrillic / total >= 0.3):
        return "ru"
    return "en"


def _normalise_number(raw: str) -> Decimal | None:
    text = raw.replace("\u066b", ".").replace("\u066c", ",")
    text = re.sub(r"[\u00a0\u202f ]", ",", text)
    groups = text.split(",")
    if len(groups) > 1 and all(len(g.split(".")[0]) == 3 for g in groups[1:]):
        text = "".join(groups)  # thousands separators
    else:
        text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text.replace(",", "")
    try:
        return Decimal(text).normalize()
    except InvalidOperation:
        return None


def numbers_in(text: str, *, skip_list_markers: bool = False) -> set[Decimal]:
    text = text.translate(_DIGITS)
    if skip_list_markers:
        text = _LIST_MARKER.sub(" ", text)
    found = set()
    for match in _NUMBER.findall(text):
        value = _normalise_number(match)
        if value is not None:
            found.add(value)
    return found


def numbers_of_value(value: Any) -> set[Decimal]:
    """Every number in a tool result (nested dicts and lists, numbers and strings)."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        return {number, number.quantize(Decimal("0.01")).normalize()}
    if isinstance(value, str):
        return numbers_in(value)
    if isinstance(value, dict):
        return set().union(*(numbers_of_value(k) | numbers_of_value(v) for k, v in value.items())) if value else set()
    if isinstance(value, list | tuple | set):
        return set().union(*(numbers_of_value(v) for v in value)) if value else set()
    return numbers_in(json.dumps(value, default=str))


def questions_in(text: str) -> int:
    return text.count("?") + text.count("؟")


def _fold(text: str) -> str:
    return _ARABIC_DIACRITICS.sub("", text).casefold()


def contains(haystack: str, needle: str) -> bool:
    return _fold(needle) in _fold(haystack)


# ---- the checks ---------------------------------------------------------------------------------------


def check_turns(scenario: Scenario, observation: Observation) -> list[CheckResult]:
    results: list[CheckResult] = []
    for record in observation.turns:
        turn = scenario.turns[record.expect_index]
        expect = turn.expect
        label = f"turn {record.index + 1}"
        texts = [r.text for r in record.replies]
        joined = "\n".join(texts)
        if record.timed_out:
            results.append(CheckResult("turn", f"{label} settled", False, "no settled answer within the turn timeout"))
        if expect.replies is not None:
            results.append(
                CheckResult(
                    "turn", f"{label} replies == {expect.replies}", len(texts) == expect.replies, f"{len(texts)}"
                )
            )
        if expect.min_replies is not None:
            ok = len(texts) >= expect.min_replies
            results.append(CheckResult("turn", f"{label} replies >= {expect.min_replies}", ok, f"{len(texts)}"))
        for needle in expect.contains_all:
            results.append(CheckResult("turn", f"{label} contains {needle!r}", contains(joined, needle), joined[:200]))
        if expect.contains_any:
            ok = any(contains(joined, n) for n in expect.contains_any)
            results.append(CheckResult("turn", f"{label} contains any of {expect.contains_any}", ok, joined[:200]))
        for needle in expect.not_contains:
            ok = not contains(joined, needle)
            results.append(CheckResult("turn", f"{label} does not contain {needle!r}", ok, joined[:200]))
        if expect.intent is not None:
            ok = record.intent == expect.intent
            results.append(CheckResult("turn", f"{label} intent {expect.intent}", ok, f"intent={record.intent}"))
    return results


def _expected_language(scenario: Scenario, record: TurnRecord, expect: ReplyExpect) -> str | None:
    turn_language = scenario.turns[record.expect_index].expect.language
    if turn_language is not None:
        return turn_language
    if expect.language == "follow":
        return scenario.language
    return expect.language


def check_replies(scenario: Scenario, observation: Observation) -> list[CheckResult]:
    expect = scenario.expect.replies
    results: list[CheckResult] = []
    allowed_numbers = set().union(*(numbers_in(n) for n in expect.allowed_numbers)) if expect.allowed_numbers else set()
    forbidden = [*DEFAULT_FORBIDDEN, *expect.forbidden]
    customer_numbers: set[Decimal] = set()
    conversation_facts: set[Decimal] = set()
    first_reply_seen = False
    for record in observation.turns:
        label = f"turn {record.index + 1}"
        if record.kind != "echo":
            customer_numbers |= numbers_in(record.text)
        if not record.replies:
            continue
        joined = "\n".join(r.text for r in record.replies)
        if expect.greet_by_name and not first_reply_seen:
            ok = contains(joined, expect.greet_by_name)
            results.append(CheckResult("reply", f"{label} greets by name {expect.greet_by_name!r}", ok, joined[:200]))
        first_reply_seen = True
        language = _expected_language(scenario, record, expect)
        if language is not None:
            written = script_language(joined)
            results.append(
                CheckResult("reply", f"{label} language {language}", written == language, f"reply in {written}")
            )
        if expect.one_reply_per_turn and record.kind != "echo" and record.mode == "bot":
            answers = {r.turn_id for r in record.replies}
            results.append(
                CheckResult("reply", f"{label} one answer", len(answers) == 1, f"{len(answers)} answers (turn ids)")
            )
        if expect.max_questions is not None:
            count = questions_in(joined)
            results.append(
                CheckResult(
                    "reply",
                    f"{label} at most {expect.max_questions} question(s)",
                    count <= expect.max_questions,
                    f"{count}",
                )
            )
        for phrase in forbidden:
            if contains(joined, phrase):
                results.append(CheckResult("reply", f"{label} forbidden {phrase!r}", False, joined[:200]))
        if expect.grounded_numbers:
            turn_facts: set[Decimal] = set()
            for turn_id in {r.turn_id for r in record.replies}:
                for facts in observation.facts_by_turn.get(str(turn_id), []):
                    turn_facts |= numbers_of_value(facts)
            conversation_facts |= turn_facts
            grounded = (conversation_facts if expect.grounding == "conversation" else turn_facts) | customer_numbers
            stated = numbers_in(joined, skip_list_markers=True)
            invented = [format(n, "f") for n in sorted(stated - grounded - allowed_numbers)]
            results.append(
                CheckResult(
                    "reply",
                    f"{label} numbers grounded",
                    not invented,
                    f"not in any tool result or customer message: {', '.join(invented)}" if invented else "",
                )
            )
    return results


def _same_sku(a: str, b: str) -> bool:
    def norm(sku: str) -> str:
        return re.sub(r"[\s_-]+", "-", sku.strip().upper())

    return norm(a) == norm(b)


def check_outcome(expect: OutcomeExpect, observation: Observation) -> list[CheckResult]:
    results: list[CheckResult] = []
    orders = observation.sales_orders or []
    if expect.no_order:
        results.append(CheckResult("outcome", "no sales order", not orders, f"{len(orders)} order(s)"))
    if expect.sales_orders is not None:
        want = expect.sales_orders
        results.append(
            CheckResult("outcome", f"sales orders == {want.count}", len(orders) == want.count, f"{len(orders)}")
        )
        for line in want.lines:
            found = [
                item
                for order in orders
                for item in order.get("line_items", [])
                if _same_sku(str(item.get("sku", "")), line.sku)
                and (line.quantity is None or abs(float(item.get("quantity", 0)) - line.quantity) < 1e-9)
                and (line.rate is None or abs(float(item.get("rate", 0)) - line.rate) <= want.tolerance)
            ]
            results.append(CheckResult("outcome", f"order line {line.sku} x{line.quantity} @ {line.rate}", bool(found)))
        if want.total is not None:
            totals = [float(o.get("total", 0)) for o in orders]
            ok = any(abs(t - want.total) <= want.tolerance for t in totals)
            results.append(CheckResult("outcome", f"order total {want.total}", ok, f"totals {totals}"))
    if expect.deal is not None:
        deals = observation.deals or []
        results.append(
            CheckResult("outcome", f"deals == {expect.deal.count}", len(deals) == expect.deal.count, f"{len(deals)}")
        )
        if expect.deal.stage is not None:
            stages = [d.get("Stage") for d in deals]
            ok = expect.deal.stage in stages
            results.append(CheckResult("outcome", f"deal at stage {expect.deal.stage}", ok, f"stages {stages}"))
    escalations = observation.escalations or []
    source = observation.escalation_source or ""
    if expect.no_escalation:
        results.append(CheckResult("outcome", "no escalation", not escalations, f"{len(escalations)} via {source}"))
    if expect.escalation is not None:
        want_count = expect.escalation.count
        ok = len(escalations) == want_count
        results.append(CheckResult("outcome", f"escalations == {want_count}", ok, f"{len(escalations)} via {source}"))
        if expect.escalation.reason is not None:
            reasons = [str(e.get("reason") or e.get("text") or "") for e in escalations]
            ok = any(expect.escalation.reason in r for r in reasons)
            results.append(CheckResult("outcome", f"escalation reason {expect.escalation.reason}", ok, f"{reasons}"))
    if expect.conversation_mode is not None:
        ok = observation.mode == expect.conversation_mode
        results.append(
            CheckResult("outcome", f"thread mode {expect.conversation_mode}", ok, f"mode={observation.mode}")
        )
    return results


def _api_match(pattern: str, request: str) -> bool:
    """'POST /salesorders' matches 'POST inventory /salesorders'; the product may be given or not."""
    method, _, path = pattern.partition(" ")
    parts = request.split(" ")
    logged = re.sub(r"^/(?:inventory/v1|crm/v7)(?=/)", "", parts[-1])  # the fake logs the full path
    return parts[0] == method.upper() and logged.startswith(path.split(" ")[-1])


def check_trajectory(expect: TrajectoryExpect, observation: Observation) -> list[CheckResult]:
    results: list[CheckResult] = []
    for node in expect.nodes_called:
        results.append(CheckResult("trajectory", f"node {node} ran", node in observation.nodes, f"{observation.nodes}"))
    for node in expect.nodes_never:
        results.append(
            CheckResult("trajectory", f"node {node} never ran", node not in observation.nodes, f"{observation.nodes}")
        )
    for tool in expect.tools_called:
        results.append(
            CheckResult("trajectory", f"tool {tool} called", tool in observation.tools, f"{observation.tools}")
        )
    for tool in expect.tools_never:
        results.append(
            CheckResult(
                "trajectory", f"tool {tool} never called", tool not in observation.tools, f"{observation.tools}"
            )
        )
    for kind in expect.fact_kinds:
        ok = kind in observation.fact_kinds
        results.append(CheckResult("trajectory", f"facts kind {kind} recorded", ok, f"{observation.fact_kinds}"))
    for kind in expect.fact_kinds_never:
        ok = kind not in observation.fact_kinds
        results.append(CheckResult("trajectory", f"facts kind {kind} never recorded", ok, f"{observation.fact_kinds}"))
    for pattern in expect.api_called:
        ok = any(_api_match(pattern, r) for r in observation.api_requests)
        results.append(CheckResult("trajectory", f"API {pattern} called", ok))
    for pattern in expect.api_never:
        hits = [r for r in observation.api_requests if _api_match(pattern, r)]
        results.append(CheckResult("trajectory", f"API {pattern} never called", not hits, f"{hits[:3]}"))
    errors = len(observation.turn_errors)
    results.append(
        CheckResult(
            "trajectory",
            f"turn errors <= {expect.max_turn_errors}",
            errors <= expect.max_turn_errors,
            "; ".join(observation.turn_errors)[:300],
        )
    )
    return results


def evaluate(scenario: Scenario, observation: Observation) -> list[CheckResult]:
    """Every deterministic check of a scenario; a harness error is a failed check of its own."""
    if observation.error is not None:
        return [CheckResult("harness", "trial ran", False, observation.error)]
    results = check_turns(scenario, observation)
    results += check_replies(scenario, observation)
    results += check_outcome(scenario.expect.outcome, observation)
    results += check_trajectory(scenario.expect.trajectory, observation)
    bot_messages = sum(len(t.replies) for t in observation.turns)
    results.append(
        CheckResult(
            "harness",
            "every reply delivered to WhatsApp",
            observation.delivered == bot_messages,
            f"{observation.delivered} delivered of {bot_messages}",
        )
    )
    return results
