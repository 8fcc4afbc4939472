"""escalate: whether a person must take the thread this turn, decided in code (agent/policies/escalation.py), once per
episode. When so, the escalation is opened (routed, alerted, noted in the CRM), the reply becomes the holding
message for its reason, and after it the graph waits at `human`."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context, thread_id
from agent.conversation import conversation, latest_customer_text, understood
from agent.policies.escalation import EscalationDecision, EscalationSignals, next_escalation, opened_record
from agent.policies.media import file_still_to_come, needs_a_person, only_file_problems
from agent.state import SalesState

log = logging.getLogger(__name__)

# Facts that mean the bot could not help this turn (an honest "we don't carry that" is help).
UNHELPFUL_KINDS = frozenset({"nothing_found", "faq_unknown", "sku_unknown", "catalog_unavailable"})


# Facts that answer the customer's question with figures a tool returned: given even when a person takes over.
GROUNDED_ANSWERS = frozenset({"sku_info", "sku_unavailable", "quantity_updated", "quantity_short", "faq"})


def signals_for(state: SalesState, context: Context, failed_turns: int) -> EscalationSignals:
    policy = state.get("signals", {})
    media = state.get("media", {})
    return EscalationSignals(
        order_value_aed=policy.get("order_value_aed"),
        order_value_threshold_aed=context.order_value_threshold_aed,
        discount_decision=policy.get("discount_decision"),
        attachments=("document",) if needs_a_person(media, awaiting_file=state.get("awaiting_file", False)) else (),
        images_need_human=False,
        failed_turns=failed_turns,
        failed_turns_threshold=context.failed_turns_threshold,
        provider_failures=state.get("provider_failures", 0),
    )


def escalation_summary(state: SalesState, text: str) -> str:
    request = state.get("request", {})
    wanted = "; ".join(
        f"{key.replace('_', ' ')}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in request.items()
        if key != "query" and value not in (None, [], "")
    )
    quote = state.get("quote", {})
    parts = [f"Customer: {text.strip()[:300]}" if text.strip() else "", f"Looking for: {wanted}" if wanted else ""]
    if quote.get("quote_id"):
        parts.append(f"Quotation {quote['quote_id']} ({quote.get('status', '')})")
    return "\n".join(p for p in parts if p)


async def _note_in_crm(state: SalesState, context: Context, decision: EscalationDecision, summary: str) -> None:
    customer = state.get("customer")
    if context.commerce is None or not customer or not customer.get("phone"):
        return
    try:
        await context.commerce.crm.note_escalation(
            thread_id(), customer, episode=decision.episode, reason=decision.label, summary=summary
        )
    except Exception:  # the CRM note must never cost the customer their answer
        log.exception("escalation note for %s not written to the CRM", thread_id())


async def escalate(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = runtime.context
    text = latest_customer_text(conversation(state))
    unhelpful = str((state.get("facts") or {}).get("kind")) in UNHELPFUL_KINDS
    failed_turns = state.get("failed_turns", 0) + 1 if unhelpful else 0
    decision = next_escalation(understood(state), signals_for(state, context, failed_turns), state.get("escalation"))
    if decision is None:
        return {"failed_turns": failed_turns}
    media = state.get("media", {})
    if decision.reasons == ("drawings",) and file_still_to_come(media):
        # "here is our floor plan" before the file: ask for it; the file, when it comes, goes to a person
        return {"failed_turns": 0, "awaiting_file": True, "facts": {"kind": "send_the_file"}}
    summary = escalation_summary(state, text)
    manager_id = None
    if context.desk is not None:
        ticket = await context.desk.open(
            thread_id(),
            decision,
            summary=summary,
            language=state["language"],
            categories=list(state.get("request", {}).get("categories", [])),
        )
        manager_id = ticket.manager_id
    await _note_in_crm(state, context, decision, summary)
    facts: dict[str, Any] = {"kind": "escalation", "reason": decision.reason}
    answered = state.get("facts") or {}
    if answered.get("kind") in GROUNDED_ANSWERS and not decision.no_sales_pitch:
        facts["answer"] = answered  # answer first, then route: what was asked is not lost in the hand-over
    if decision.reason == "drawings" and only_file_problems(media):
        facts["reason"] = "media_failed"  # the holding message must not claim we saw the file
    requested = state.get("signals", {}).get("requested_discount_percent")
    if decision.reason == "discount_beyond_policy" and requested is not None:
        facts["requested_percent"] = requested
    return {
        "escalation": opened_record(decision, manager_id, state.get("escalation")),
        "facts": facts,
        "failed_turns": 0,
        "awaiting_file": False,
    }
