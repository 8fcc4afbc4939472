"""ingest: this turn's customer messages become conversation history; the reply language is set."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage

from agent.language import detect_language
from agent.state import InboundItem, SalesState


def as_text(item: InboundItem) -> str:
    if item["text"]:
        return item["text"]
    return f"[{item['kind']}]"


async def ingest(state: SalesState) -> dict[str, Any]:
    inbound = state.get("inbound", [])
    text = "\n".join(item["text"] for item in inbound if item["text"])
    language = detect_language(text, previous=state.get("language"))
    messages = [HumanMessage(content=as_text(item), id=f"in-{item['message_id']}") for item in inbound]
    return {"messages": messages, "language": language, "reply_parts": []}
