"""respond: the model writes the words for the situation code chose, from this turn's facts only (a tool-calling
model may look up the live price and stock of a product code; those results join the facts)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.conversation import bounded_update, conversation, questions_asked, reply_brief
from agent.models.base import ToolCallingModel, Usage
from agent.state import SalesState
from tools.live_stock import live_stock_tool


async def respond(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    brief = reply_brief(state)
    model = runtime.context.sales_model()
    catalog = runtime.context.catalog
    if catalog is not None and isinstance(model, ToolCallingModel):
        tools = [live_stock_tool(catalog, runtime.context.inventory)]
        reply = await model.write_with_tools(brief, conversation(state), tools)
    else:
        reply = await model.write(brief, conversation(state))
    message = AIMessage(content=reply.text, id=f"out-{state['turn_id']}")
    messages, summary = bounded_update(state, message, runtime.context.history_messages)
    # the turn's tokens: understanding the message as well as writing the reply
    usage = Usage.model_validate(state.get("understanding_usage") or {}) + reply.usage
    return {
        **({"summary": summary} if summary is not None else {}),
        # what the tools the model called returned is part of this turn's facts (guard accepts its numbers)
        **({"facts": {**(state.get("facts") or {}), "tool_results": reply.tool_facts}} if reply.tool_facts else {}),
        "messages": messages,
        "asked": questions_asked(brief.facts),
        "reply_meta": {
            "model": reply.model,
            "prompt_version": reply.prompt_version,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cost": usage.cost,
        },
    }
