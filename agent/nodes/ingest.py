"""ingest: the reply language of this turn, from what the customer wrote (and what they wrote before)."""

from __future__ import annotations

from typing import Any

from agent.language import detect_language
from agent.state import SalesState


async def ingest(state: SalesState) -> dict[str, Any]:
    text = "\n".join(item["text"] for item in state.get("inbound", []) if item["text"])
    return {
        "language": detect_language(text, previous=state.get("language")),
        "reply_parts": [],
        "facts": {},
        "retrieved": {},
    }
