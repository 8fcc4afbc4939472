"""ingest: the reply language of this turn, from what the customer wrote (and what they wrote before); who the
customer is (Zoho CRM and Inventory, looked up once per conversation)."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context, chat_id, thread_id
from agent.language import detect_language
from agent.state import Customer, SalesState

log = logging.getLogger(__name__)


async def identify(state: SalesState, context: Context) -> Customer | None:
    if context.commerce is None or state.get("customer"):
        return None
    try:
        record = await context.commerce.customers.identify(thread_id(), chat_id())
    except Exception:  # Zoho down or an odd chat id: the customer still gets an answer, just not by name
        log.exception("could not identify the customer of %s", thread_id())
        return None
    return record.to_state()


async def ingest(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    text = "\n".join(item["text"] for item in state.get("inbound", []) if item["text"])
    update: dict[str, Any] = {
        "language": detect_language(text, previous=state.get("language")),
        "reply_parts": [],
        "facts": {},
        "retrieved": {},
        "signals": {},
        "documents": [],
        "understanding_usage": {},
    }
    customer = await identify(state, runtime.context) or state.get("customer", {})
    if customer:
        update["customer"] = customer
    if customer.get("returning") and customer.get("name"):
        update["customer_name"] = customer["name"].split()[0]  # greet a known customer as Zoho knows them
    return update
