"""intent: this turn understood once by the configured model (a typed `Understanding`, read first as the answer to
what the bot last asked), merged into the running request, and routed."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from agent.context import Context
from agent.conversation import conversation
from agent.models.base import understand_metered
from agent.policies.media import reply_about_files
from agent.policies.pricing import discount_outlook
from agent.policies.request import merge_request, resolve_pick
from agent.state import Customer, Request, SalesState
from agent.understanding import Intent, Understanding

NEEDS_RETRIEVAL: frozenset[Intent] = frozenset(
    {"product_search", "product_question", "price_stock", "quotation", "faq", "out_of_scope"}
)
# A person is wanted: the request for products stays as it was (a "manager" is not an executive chair).
PERSON_INTENTS: frozenset[Intent] = frozenset({"human_request", "complaint"})
DETAIL_ANSWERS = frozenset({"name", "company", "email", "delivery_area", "confirmation"})


def gives_details(understanding: Understanding) -> bool:
    slots = understanding.slots
    return bool(slots.customer_name or slots.company or slots.email or slots.delivery_address)


def about_quotation(state: SalesState, understanding: Understanding, request: Request) -> bool:
    """Whether this turn moves a quotation: asked for, answered (details, yes, no) or bargained over."""
    slots = understanding.slots
    kind = understanding.intent
    status = state.get("quote", {}).get("status")
    open_quote = status in ("collecting", "awaiting_confirmation")
    if kind in PERSON_INTENTS or kind == "order_status":
        return False
    if slots.no_quotation_yet and not open_quote:
        return False  # "no quotation yet, just comparing": answered, nothing pushed
    if kind == "quotation" or understanding.has("quotation"):
        return True
    if open_quote:
        if slots.confirmation is not None or slots.no_quotation_yet or understanding.answers in DETAIL_ANSWERS:
            return True
        if slots.email or (gives_details(understanding) and kind not in NEEDS_RETRIEVAL):
            return True
    if status in ("created", "confirmed") and slots.confirmation == "yes":
        return True  # a second "yes": answered by the quotation, never a second order
    return (slots.discount_asked or slots.discount_percent is not None) and bool(request.get("skus") or status)


def stated_customer(state: SalesState, understanding: Understanding) -> dict[str, Any]:
    """What the customer said about themselves this turn wins over the profile name and what was known."""
    slots = understanding.slots
    stated = {
        "name": slots.customer_name,
        "company": slots.company,
        "email": slots.email,
        "delivery_area": slots.delivery_address,
    }
    given = {key: value.strip() for key, value in stated.items() if value and value.strip()}
    if not given:
        return {}
    customer: Customer = {**state.get("customer", {}), **given}  # type: ignore[typeddict-item]
    update: dict[str, Any] = {"customer": customer}
    if "name" in given:
        update["customer_name"] = given["name"].split()[0]
    return update


def _discount_terms(
    state: SalesState, context: Context, request: Request, understanding: Understanding
) -> dict[str, object]:
    return discount_outlook(
        state.get("offered", []),
        request.get("quantity"),
        context.discount_policy(),
        asked_percent=understanding.slots.discount_percent,
        pricebook_customer=bool(state.get("customer", {}).get("pricebook_id")),
    )


async def intent(
    state: SalesState, runtime: Runtime[Context]
) -> Command[Literal["retrieve", "quote", "order_status", "escalate"]]:
    model = runtime.context.sales_model()
    understanding, usage = await understand_metered(
        model, conversation(state), state["language"], state.get("asked", [])
    )
    slots = understanding.slots
    typed = any(item["text"] for item in state.get("inbound", []) if item["kind"] != "audio")
    about_media = reply_about_files(
        state.get("media", {}), typed=typed, has_product_cues=bool(slots.categories or slots.skus)
    )
    if about_media is not None:
        return Command(
            goto="escalate",
            update={
                "intent": understanding.intent,
                "understanding": understanding.model_dump(mode="json"),
                "understanding_usage": usage.model_dump(),
                "facts": about_media,
            },
        )
    described = [photo for photo in state.get("media", {}).get("photos", []) if photo]
    if described and not (slots.categories or slots.skus):
        # a photo the vision model described: search for what it shows, as the model reads the description
        description = HumanMessage(content=" ".join(described[0].values()))
        seen_understanding, seen_usage = await understand_metered(model, [description], state["language"], [])
        seen = seen_understanding.slots
        usage += seen_usage
        slots = slots.model_copy(update={k: getattr(seen, k) for k in ("categories", "colors", "materials")})
        understanding = understanding.model_copy(update={"intents": ["product_search"], "slots": slots})
    kind = understanding.intent
    previous = state.get("request", {})
    if slots.not_sold and not (slots.categories or slots.skus):
        previous = {}  # "do you sell laptops?": a new topic, answered honestly
    # a person is wanted: codes and quantities count, catalog words do not ("manager" is no executive chair)
    wanted = (
        slots.model_copy(update={"categories": [], "colors": [], "materials": []}) if kind in PERSON_INTENTS else slots
    )
    request = merge_request(previous, wanted)
    offered = state.get("offered", [])
    picked = resolve_pick(offered, slots)
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
    update: dict[str, Any] = {
        "intent": kind,
        "understanding": understanding.model_dump(mode="json"),
        "understanding_usage": usage.model_dump(),
        "request": request,
        "faq_topic": understanding.faq_topic,
    } | stated_customer(state, understanding)
    if kind in PERSON_INTENTS and understanding.has("price_stock") and request.get("skus"):
        # "what's the price of MC-… and can I talk to someone": answered first, then a colleague takes over
        return Command(goto="retrieve", update=update)
    if kind == "faq" and slots.skus:
        update["intent"] = "price_stock"  # a product code with a question about delivery or warranty: both answered
        return Command(goto="retrieve", update=update)
    if about_quotation(state, understanding, request):
        return Command(goto="quote", update=update | {"intent": "quotation"})
    if slots.asks_discount and offered and not request.get("skus"):
        # "any discount if we take all 12?" with options on the table: what the policy allows on each, by code
        return Command(
            goto="escalate", update=update | {"facts": _discount_terms(state, runtime.context, request, understanding)}
        )
    if kind == "order_status":
        return Command(goto="order_status", update=update)
    if slots.opt_out and kind not in PERSON_INTENTS and not (slots.skus or slots.categories):
        # "stop", "لا شكرا": acknowledged in words; the service records the opt-out and sends nothing unprompted
        return Command(goto="escalate", update=update | {"facts": {"kind": "opted_out"}})
    if kind == "greeting" and state.get("customer", {}).get("returning"):
        update["facts"] = {"kind": "greeting_returning"}
    return Command(goto="retrieve" if kind in NEEDS_RETRIEVAL else "escalate", update=update)
