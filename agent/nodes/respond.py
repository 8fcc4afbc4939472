"""respond: the model writes the words for the situation code chose, from this turn's facts only (a tool-calling
model may look up the live price and stock of a product code; those results join the facts)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.conversation import bounded_update, conversation
from agent.models.base import ReplyBrief, ToolCallingModel
from agent.state import SalesState
from agent.understanding import Intent
from tools.live_stock import live_stock_tool

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


async def respond(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    situation, facts = situation_for(state)
    brief = ReplyBrief(
        language=state["language"], situation=situation, customer_name=state.get("customer_name"), facts=facts
    )
    model = runtime.context.sales_model()
    catalog = runtime.context.catalog
    if catalog is not None and isinstance(model, ToolCallingModel):
        tools = [live_stock_tool(catalog, runtime.context.inventory)]
        reply = await model.write_with_tools(brief, conversation(state), tools)
    else:
        reply = await model.write(brief, conversation(state))
    message = AIMessage(content=reply.text, id=f"out-{state['turn_id']}")
    messages, summary = bounded_update(state, message, runtime.context.history_messages)
    return {
        **({"summary": summary} if summary is not None else {}),
        # what the tools the model called returned is part of this turn's facts (guard accepts its numbers)
        **({"facts": {**(state.get("facts") or {}), "tool_results": reply.tool_facts}} if reply.tool_facts else {}),
        "messages": messages,
        "reply_meta": {
            "model": reply.model,
            "prompt_version": reply.prompt_version,
            "prompt_tokens": reply.usage.prompt_tokens,
            "completion_tokens": reply.usage.completion_tokens,
            "cost": reply.usage.cost,
        },
    }
