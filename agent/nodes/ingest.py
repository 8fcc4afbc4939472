"""ingest: this turn's customer messages join the history; the reply language is set; history stays bounded.

Older messages leave the state (and so the checkpoint and the prompt) and are folded into a short rolling
summary; what the customer asked for lives in typed state (`request`, `offered`, `cart`), not in the history.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage, RemoveMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.language import detect_language
from agent.state import InboundItem, SalesState

SUMMARY_CHARS = 600


def as_text(item: InboundItem) -> str:
    if item["text"]:
        return item["text"]
    return f"[{item['kind']}]"


def fold_into_summary(summary: str, removed: list[AnyMessage]) -> str:
    lines = [f"{'customer' if isinstance(m, HumanMessage) else 'noor'}: {str(m.content)[:100]}" for m in removed]
    folded = "\n".join([summary, *lines]).strip()
    return folded[-SUMMARY_CHARS:]


async def ingest(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    inbound = state.get("inbound", [])
    text = "\n".join(item["text"] for item in inbound if item["text"])
    language = detect_language(text, previous=state.get("language"))
    history = state.get("messages", [])
    new = [HumanMessage(content=as_text(item), id=f"in-{item['message_id']}") for item in inbound]
    keep = max(runtime.context.history_messages - len(new), 0)
    stale = history[: max(len(history) - keep, 0)]
    update: dict[str, Any] = {
        "messages": [*(RemoveMessage(id=m.id) for m in stale if m.id), *new],
        "language": language,
        "reply_parts": [],
        "facts": {},
        "retrieved": {},
    }
    if stale:
        update["summary"] = fold_into_summary(state.get("summary", ""), stale)
    return update
