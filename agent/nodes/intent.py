"""intent: what the customer wants this turn (structured output), merged into the running request."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.history import conversation
from agent.intents import OUT_OF_CATALOG
from agent.model import Intent
from agent.offline import latest_customer_text
from agent.request import merge_request, resolve_pick
from agent.state import SalesState

NEEDS_RETRIEVAL: frozenset[Intent] = frozenset(
    {"product_search", "product_question", "price_stock", "quotation", "faq", "out_of_scope"}
)


async def intent(state: SalesState, runtime: Runtime[Context]) -> Command[Literal["retrieve", "respond"]]:
    model = runtime.context.sales_model()
    understanding = await model.understand(conversation(state), state["language"])
    slots = understanding.slots
    previous = state.get("request", {})
    if OUT_OF_CATALOG.search(latest_customer_text(conversation(state))) and not (slots.categories or slots.skus):
        previous = {}  # "do you sell laptops?": a new topic, answered honestly
    request = merge_request(previous, slots)
    offered = state.get("offered", [])
    picked = resolve_pick(offered, slots)
    kind = understanding.intent
    if picked is not None:
        request["skus"] = [picked["sku"]]
    elif kind == "product_search" and not slots.skus:
        request.pop("skus", None)  # a new search: no product is chosen any more
    if kind in ("small_talk", "out_of_scope", "thanks"):
        # "the second one", "make it 12": about what is on the table.
        if picked or (slots.quantity and request.get("skus")):
            kind = "product_question"
        elif slots.quantity and request.get("categories"):
            kind = "product_search"
    update: dict[str, Any] = {"intent": kind, "request": request, "faq_topic": understanding.faq_topic}
    return Command(goto="retrieve" if kind in NEEDS_RETRIEVAL else "respond", update=update)
