"""The conversation as the model sees it, and how it is kept bounded.

This turn's customer messages join the stored history only when the reply is written, together with the
reply: the history channel is then written once per turn. Older messages leave the state (and so the
checkpoint and the prompt) and are folded into a short rolling summary; what the customer asked for lives in
typed state (`request`, `offered`, `cart`), not in the history.
"""

from __future__ import annotations

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage, RemoveMessage

from agent.state import InboundItem, SalesState

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
