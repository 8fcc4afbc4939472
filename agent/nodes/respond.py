"""respond: the model writes the words for the situation code chose; long replies are split for WhatsApp."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.model import ReplyBrief
from agent.state import ReplyPart, SalesState

_SITUATIONS = {"greeting": "greeting", "small_talk": "small_talk", "thanks": "thanks"}


def split_for_whatsapp(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then sentence boundaries so no part exceeds `limit`."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for separator in ("\n\n", "\n", ". ", " "):
        if separator in text:
            pieces = text.split(separator)
            break
    else:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    for piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if len(piece) > limit:
            parts.extend(split_for_whatsapp(piece, limit))
            current = ""
        else:
            current = piece
    if current:
        parts.append(current)
    return [part.strip() for part in parts if part.strip()]


def situation_for(state: SalesState) -> tuple[str, dict[str, Any]]:
    inbound = state.get("inbound", [])
    if inbound and all(not item["text"] for item in inbound):
        return "media", {"media_kind": inbound[-1]["kind"]}
    return _SITUATIONS.get(state.get("intent", ""), "fallback"), {}


async def respond(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    situation, facts = situation_for(state)
    brief = ReplyBrief(
        language=state["language"], situation=situation, customer_name=state.get("customer_name"), facts=facts
    )
    reply = await runtime.context.sales_model().write(brief, state["messages"])
    parts: list[ReplyPart] = [
        {"kind": "text", "text": chunk, "content_uri": None}
        for chunk in split_for_whatsapp(reply.text, runtime.context.max_part_chars)
    ]
    return {
        "messages": [AIMessage(content=reply.text, id=f"out-{state['turn_id']}")],
        "reply_parts": parts,
        "reply_meta": {
            "model": reply.model,
            "prompt_version": reply.prompt_version,
            "prompt_tokens": reply.usage.prompt_tokens,
            "completion_tokens": reply.usage.completion_tokens,
            "cost": reply.usage.cost,
        },
    }
