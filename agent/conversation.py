"""The conversation as the model sees it, how it is kept bounded, and the brief a reply is written from.

This turn's customer messages join the stored history only when the reply is written, together with the
reply: the history channel is then written once per turn. Older messages leave the state (and so the
checkpoint and the prompt) and are folded into a short rolling summary; what the customer asked for lives in
typed state (`request`, `offered`, `cart`), not in the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage, RemoveMessage

from agent.models.base import ReplyBrief
from agent.state import InboundItem, SalesState
from agent.understanding import Intent, Question, Understanding

SUMMARY_CHARS = 600


def as_text(item: InboundItem) -> str:
    return item["text"] or f"[{item['kind']}]"


def turn_messages(state: SalesState) -> list[HumanMessage]:
    return [HumanMessage(content=as_text(i), id=f"in-{i['message_id']}") for i in state.get("inbound", [])]


def conversation(state: SalesState) -> list[AnyMessage]:
    """The stored history plus this turn's customer messages."""
    stored = state.get("messages", [])
    known = {m.id for m in stored}
    return [*stored, *(m for m in turn_messages(state) if m.id not in known)]


def fold_into_summary(summary: str, removed: list[AnyMessage]) -> str:
    lines = [f"{'customer' if isinstance(m, HumanMessage) else 'noor'}: {str(m.content)[:100]}" for m in removed]
    return "\n".join([summary, *lines]).strip()[-SUMMARY_CHARS:]


def bounded_update(state: SalesState, reply: AnyMessage, keep: int) -> tuple[list[BaseMessage], str | None]:
    """The messages update that adds this turn (customer messages and reply) and drops what falls out of the
    window; and the new summary when something was dropped."""
    stored = state.get("messages", [])
    new = [m for m in turn_messages(state) if m.id not in {s.id for s in stored}]
    overflow = max(len(stored) + len(new) + 1 - keep, 0)
    stale = stored[:overflow]
    removals: list[BaseMessage] = [RemoveMessage(id=m.id) for m in stale if m.id]
    summary = fold_into_summary(state.get("summary", ""), stale) if stale else None
    return [*removals, *new, reply], summary


def latest_customer_text(messages: Sequence[AnyMessage]) -> str:
    """What the customer wrote since the bot last answered (a burst counts as one message)."""
    texts: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, HumanMessage):
            break
        texts.append(str(message.content))
    return "\n".join(reversed(texts))


# What to say when no tool ran this turn.
_BY_INTENT: dict[Intent, str] = {
    "greeting": "greeting",
    "small_talk": "small_talk",
    "thanks": "thanks",
    "complaint": "complaint",
    "human_request": "handover",
    "order_status": "order_status_unknown",
}


def situation_for(state: SalesState) -> tuple[str, dict[str, Any]]:
    facts: dict[str, Any] = dict(state.get("facts") or {})
    if facts.get("kind"):
        kind = str(facts["kind"])
        return ("technical_issue" if kind == "catalog_unavailable" else kind), facts
    inbound = state.get("inbound", [])
    if inbound and all(not item["text"] for item in inbound):
        return "media", {"media_kind": inbound[-1]["kind"]}
    return _BY_INTENT.get(state.get("intent", "small_talk"), "fallback"), facts


def reply_brief(state: SalesState) -> ReplyBrief:
    """What the reply of this turn may say: the situation code chose and this turn's facts."""
    situation, facts = situation_for(state)
    return ReplyBrief(
        language=state["language"], situation=situation, customer_name=state.get("customer_name"), facts=facts
    )


def understood(state: SalesState) -> Understanding:
    """This turn's understanding (from the intent node); an empty one before it ran."""
    data = state.get("understanding")
    return Understanding.model_validate(data) if data else Understanding(intents=["small_talk"])


def questions_asked(facts: dict[str, Any]) -> list[Question]:
    """What a reply from these facts asks the customer for (the dialogue state of the next turn)."""
    kind = facts.get("kind")
    if kind == "quote_details":
        return [q for q in facts.get("missing", []) if q in ("name", "company", "email", "delivery_area")]
    if kind == "quote_confirm":
        return ["confirmation"]
    if kind == "send_the_file":
        return ["file"]
    if len(facts.get("options") or []) >= 2:
        return ["choice"]
    return []


def deal_summary(state: SalesState) -> str:
    """The conversation as the sales team reads it on the CRM deal: what was asked for, shown and chosen."""
    request = state.get("request", {})
    wanted = [
        f"{request['quantity']} pcs" if request.get("quantity") else "",
        ", ".join([*request.get("categories", []), *request.get("skus", [])]),
        f"budget {request['budget_total']:,.2f} AED in all" if request.get("budget_total") else "",
        f"budget {request['budget_per_unit']:,.2f} AED per piece" if request.get("budget_per_unit") else "",
    ]
    lines = [f"Asked for: {' · '.join(part for part in wanted if part) or 'a product enquiry'}"]
    if offered := state.get("offered"):
        lines.append("Shown: " + "; ".join(f"{o['name']} ({o['sku']}) {o['price']:,.2f} AED" for o in offered))
    if cart := state.get("cart"):
        lines.append("Chosen: " + "; ".join(f"{line['quantity']} x {line['name']} ({line['sku']})" for line in cart))
    lines.append(f"Language: {state.get('language', 'en')}; on WhatsApp with Noor")
    return "\n".join(lines)
