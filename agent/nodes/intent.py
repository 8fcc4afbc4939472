"""intent: what the customer wants this turn (structured output), merged into the running request."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.conversation import conversation, latest_customer_text
from agent.models.offline.details import confirms, declines, read_details, wants_discount
from agent.models.offline.intents import OUT_OF_CATALOG
from agent.models.offline.slots import read_slots
from agent.policies.request import merge_request, resolve_pick
from agent.state import Request, SalesState
from agent.understanding import Intent

NEEDS_RETRIEVAL: frozenset[Intent] = frozenset(
    {"product_search", "product_question", "price_stock", "quotation", "faq", "out_of_scope"}
)


def media_facts(state: SalesState, has_product_cues: bool) -> dict[str, Any] | None:
    """What to say about this turn's files when they are all the customer sent (or a photo we cannot read)."""
    media = state.get("media", {})
    typed = any(item["text"] for item in state.get("inbound", []) if item["kind"] != "audio")
    if media.get("ask_to_type") and not typed:
        return {"kind": "ask_to_type"}
    photos = media.get("photos", [])
    if photos and not any(photos) and not has_product_cues:
        return {"kind": "photo_question"}  # no vision model: one question instead of a guess
    return None


def about_quotation(state: SalesState, kind: Intent, text: str, request: Request) -> bool:
    """Whether this turn moves a quotation: asked for, answered (details, yes, no) or bargained over."""
    if kind == "quotation":
        return True
    if kind in ("complaint", "human_request", "order_status"):
        return False
    status = state.get("quote", {}).get("status")
    if status in ("collecting", "awaiting_confirmation"):
        asked = state.get("quote", {}).get("asked", [])
        details = read_details(text, state.get("customer", {}), asked)
        if confirms(text) or declines(text) or "email" in details or (details and kind not in NEEDS_RETRIEVAL):
            return True
    if status in ("created", "confirmed") and confirms(text):
        return True  # a second "yes": answered by the quotation, never a second order
    return wants_discount(text) and bool(request.get("skus") or status)


async def intent(
    state: SalesState, runtime: Runtime[Context]
) -> Command[Literal["retrieve", "quote", "order_status", "escalate"]]:
    model = runtime.context.sales_model()
    understanding = await model.understand(conversation(state), state["language"])
    slots = understanding.slots
    about_media = media_facts(state, bool(slots.categories or slots.skus))
    if about_media is not None:
        return Command(goto="escalate", update={"intent": understanding.intent, "facts": about_media})
    described = [photo for photo in state.get("media", {}).get("photos", []) if photo]
    if described and not (slots.categories or slots.skus):
        # a photo the vision model described: search for what it shows
        seen = read_slots(" ".join(described[0].values()))
        slots = slots.model_copy(update={k: getattr(seen, k) for k in ("categories", "colors", "materials")})
        understanding = understanding.model_copy(update={"intents": ["product_search"], "slots": slots})
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
    if about_quotation(state, kind, latest_customer_text(conversation(state)), request):
        return Command(goto="quote", update=update | {"intent": "quotation"})
    if kind == "order_status":
        return Command(goto="order_status", update=update)
    if kind == "greeting" and state.get("customer", {}).get("returning"):
        update["facts"] = {"kind": "greeting_returning"}
    return Command(goto="retrieve" if kind in NEEDS_RETRIEVAL else "escalate", update=update)
