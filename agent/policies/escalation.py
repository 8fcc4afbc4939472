"""When a person must take the thread: decided in code, from what the model understood and the turn's facts.

`decide_escalation(understanding, signals)` is pure: the same understanding and signals give the same decision.
What the customer asked for comes in the typed `Understanding` (a person, a complaint, payment terms, a
delivery date or a destination abroad, a plan, frustration), whichever model read the message; facts come in
`EscalationSignals`: the policy's decision on a discount or payment terms, the order value, attachments,
failure counters.

Once per episode: `next_escalation(understanding, signals, record)` returns nothing while an escalation of the
thread is active, and otherwise a decision for the next episode. Reasons that come from the state rather
than from new words (order value, a discount the policy refused) are not raised again once a person
handled them (`record["handled"]`), so a handed-back thread does not bounce straight back.

Not escalated: ordinary bulk enquiries ("200 chairs for our new office"), an honest "we don't have
that", a product and a quantity without logistics, "what is your return policy?".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from agent.understanding import Understanding

ReasonCode = Literal[
    "complaint",
    "human_request",
    "outside_uae",
    "delivery_commitment",
    "payment_terms",
    "discount_beyond_policy",
    "order_value",
    "drawings",
    "repeated_failure",
    "provider_outage",
]

# Highest priority first: the primary reason of a decision is the first one found in this order.
REASON_ORDER: tuple[ReasonCode, ...] = (
    "complaint",
    "human_request",
    "outside_uae",
    "delivery_commitment",
    "payment_terms",
    "discount_beyond_policy",
    "order_value",
    "drawings",
    "repeated_failure",
    "provider_outage",
)

REASON_LABELS: dict[str, str] = {
    "complaint": "Complaint, refund or damaged goods",
    "human_request": "Customer asked for a person",
    "outside_uae": "Delivery outside the UAE",
    "delivery_commitment": "Delivery date commitment",
    "payment_terms": "Payment terms beyond policy",
    "discount_beyond_policy": "Discount beyond policy",
    "order_value": "Large order",
    "drawings": "Drawings, floor plans or photos",
    "repeated_failure": "The bot could not help",
    "provider_outage": "Provider outage",
    "manager_takeover": "Taken over by a manager",
    "manager_echo": "A manager wrote from the business phone",
}

# Reasons raised by state rather than by new words: once a person handled them, not raised again.
STICKY_REASONS: frozenset[str] = frozenset({"order_value", "discount_beyond_policy"})

PolicyDecision = Literal["within_policy", "beyond_policy"]


@dataclass(frozen=True)
class EscalationSignals:
    """What the turn knows besides the words. Defaults mean "nothing special"."""

    order_value_aed: float | None = None
    """The cart or quote total in AED (the caller decides with or without VAT; be consistent)."""
    order_value_threshold_aed: float = 10_000.0
    discount_decision: PolicyDecision | None = None
    """The discount policy's verdict on what the customer asked for this turn, if they asked."""
    payment_terms_decision: PolicyDecision | None = None
    """The policy's verdict on requested payment terms; `within_policy` silences the words below."""
    attachments: Sequence[str] = ()
    """Kinds of the media the customer sent this turn (Wazzup types: image, document, video, audio...)."""
    images_need_human: bool = True
    """Whether a photo alone needs a person (True while the bot cannot look at images)."""
    failed_turns: int = 0
    """Consecutive turns in which the bot could not help (not counting honest no-match answers)."""
    failed_turns_threshold: int = 2
    provider_failures: int = 0
    """Consecutive turns that hit an outage of a provider (model, Zoho)."""
    provider_failures_threshold: int = 2


@dataclass(frozen=True)
class EscalationDecision:
    reason: ReasonCode
    reasons: tuple[ReasonCode, ...]
    evidence: dict[str, str] = field(default_factory=dict)
    """Per reason, the phrase or fact that raised it (for the alert and the logs)."""
    episode: int = 1
    no_sales_pitch: bool = False
    """The reply must not sell (complaints)."""

    @property
    def label(self) -> str:
        return REASON_LABELS[self.reason]


class EscalationRecord(TypedDict, total=False):
    """The thread's escalation record; a superset of agent.state.Escalation."""

    active: bool
    reason: str
    episode: int
    manager_id: str
    handled: list[str]


def _stated(understanding: Understanding) -> dict[ReasonCode, str]:
    """The reasons the customer's own message gives, with what they said as evidence."""
    slots = understanding.slots
    stated: dict[ReasonCode, str] = {}
    if slots.complaint:
        stated["complaint"] = "the customer complains"
    if slots.person_requested:
        stated["human_request"] = "the customer asks for a person"
    if slots.delivery_outside_uae:
        stated["outside_uae"] = f"delivery to {slots.delivery_outside_uae}"
    if slots.delivery_date_asked:
        stated["delivery_commitment"] = "the customer asks for a delivery date"
    if slots.payment_terms:
        stated["payment_terms"] = f"payment terms asked: {slots.payment_terms}"
    if slots.plan_mentioned:
        stated["drawings"] = "the customer mentions a plan or drawing"
    if slots.frustrated:
        stated["repeated_failure"] = "the customer says the bot is not helping"
    return stated


def decide_escalation(
    understanding: Understanding | None, signals: EscalationSignals | None = None
) -> EscalationDecision | None:
    """Whether this turn needs a person, and why. Pure: no state, no I/O."""
    signals = signals or EscalationSignals()
    found = _stated(understanding) if understanding is not None else {}
    if signals.payment_terms_decision == "within_policy":
        found.pop("payment_terms", None)
    if signals.payment_terms_decision == "beyond_policy":
        found.setdefault("payment_terms", "policy: payment terms beyond policy")
    if signals.discount_decision == "beyond_policy":
        found["discount_beyond_policy"] = "policy: discount beyond policy"
    value = signals.order_value_aed
    if value is not None and value >= signals.order_value_threshold_aed:
        found["order_value"] = f"order value {value:,.2f} AED ≥ {signals.order_value_threshold_aed:,.0f} AED"
    kinds = {kind.lower() for kind in signals.attachments}
    if "document" in kinds:
        found.setdefault("drawings", "document attached")
    elif "image" in kinds and signals.images_need_human:
        found.setdefault("drawings", "photo attached")
    if signals.failed_turns >= signals.failed_turns_threshold:
        found.setdefault("repeated_failure", f"{signals.failed_turns} turns without help")
    if signals.provider_failures >= signals.provider_failures_threshold:
        found["provider_outage"] = f"{signals.provider_failures} turns hit a provider outage"
    if not found:
        return None
    reasons = tuple(reason for reason in REASON_ORDER if reason in found)
    return EscalationDecision(
        reason=reasons[0],
        reasons=reasons,
        evidence={reason: found[reason] for reason in reasons},
        no_sales_pitch="complaint" in reasons,
    )


def next_escalation(
    understanding: Understanding | None,
    signals: EscalationSignals | None = None,
    record: Mapping[str, object] | None = None,
) -> EscalationDecision | None:
    """`decide_escalation` with once-per-episode semantics, given the thread's escalation record.

    - While an escalation is active (a person holds the thread, or it waits for one): None.
    - Reasons in `record["handled"]` that come from state (STICKY_REASONS) are not raised again.
    - Otherwise the decision carries the next episode number (record's episode + 1, or 1).
    """
    record = record or {}
    if record.get("active"):
        return None
    decision = decide_escalation(understanding, signals)
    if decision is None:
        return None
    handled_raw = record.get("handled") or []
    handled = {str(item) for item in handled_raw} if isinstance(handled_raw, list | tuple) else set()
    reasons = tuple(r for r in decision.reasons if not (r in STICKY_REASONS and r in handled))
    if not reasons:
        return None
    episode_raw = record.get("episode")
    episode = (episode_raw if isinstance(episode_raw, int) else 0) + 1
    return EscalationDecision(
        reason=reasons[0],
        reasons=reasons,
        evidence={r: decision.evidence[r] for r in reasons},
        episode=episode,
        no_sales_pitch=decision.no_sales_pitch,
    )


def opened_record(
    decision: EscalationDecision, manager_id: str | None, previous: Mapping[str, object] | None = None
) -> EscalationRecord:
    """The record to keep in the state once the escalation is opened."""
    record: EscalationRecord = {"active": True, "reason": decision.reason, "episode": decision.episode}
    if manager_id:
        record["manager_id"] = manager_id
    handled = (previous or {}).get("handled")
    record["handled"] = [str(h) for h in handled] if isinstance(handled, list) else []
    return record


def closed_record(record: Mapping[str, object], reasons: Sequence[str] = ()) -> EscalationRecord:
    """The record after a hand-back (or auto-release): inactive, with the episode's reasons handled."""
    handled_raw = record.get("handled")
    handled = [str(h) for h in handled_raw] if isinstance(handled_raw, list) else []
    reason = record.get("reason")
    for item in [*(reasons or ()), *([reason] if isinstance(reason, str) else [])]:
        if item not in handled:
            handled.append(item)
    closed: EscalationRecord = {"active": False, "handled": handled}
    if isinstance(reason, str):
        closed["reason"] = reason
    episode = record.get("episode")
    if isinstance(episode, int):
        closed["episode"] = episode
    manager_id = record.get("manager_id")
    if isinstance(manager_id, str):
        closed["manager_id"] = manager_id
    return closed
