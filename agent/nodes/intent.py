"""intent: what the customer wants this turn, as structured output, and where the graph goes next."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.state import SalesState


async def intent(state: SalesState, runtime: Runtime[Context]) -> Command[Literal["respond"]]:
    model = runtime.context.sales_model()
    understanding = await model.understand(state["messages"], state["language"])
    return Command(goto="respond", update={"intent": understanding.intent})
