"""human: a person holds the thread. The graph waits here (an interrupt) until the thread is handed back."""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from agent.handover import HumanResponse, handback_update, human_interrupt
from agent.state import SalesState


async def human(state: SalesState) -> dict[str, Any]:
    (response,) = interrupt([human_interrupt(state)])
    answer: HumanResponse = response
    return handback_update(state, answer, message_id=f"handback-{state['turn_id']}")
