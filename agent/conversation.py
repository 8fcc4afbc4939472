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
from agent.understanding import Intent

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
