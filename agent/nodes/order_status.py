"""order_status: "where is my order SO-…" answered with Zoho's exact status, only for this customer's orders."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context, thread_id
from agent.conversation import conversation, latest_customer_text
from agent.services.orders import order_status as look_up_order
from agent.state import SalesState

log = logging.getLogger(__name__)

# Zoho's statuses of an order the team has confirmed (a sales order Noor made stays "draft" until then).
WON_STATUSES = frozenset({"confirmed", "open", "fulfilled", "shipped", "partially_shipped", "invoiced", "closed"})


async def order_status(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    commerce = runtime.context.commerce
    customer = state.get("customer", {})
    if commerce is None or not customer.get("phone"):
        return {"facts": {"kind": "order_status_unknown"}}
    status = await look_up_order(commerce.inventory, latest_customer_text(conversation(state)), customer)
    if not status.found:
        log.info("order status: %s for %s", status.reason, status.query)
        return {"facts": {"kind": "order_status_unknown", "reason": status.reason}}
    if status.status in WON_STATUSES:
        try:  # the team confirmed the order in Zoho: the deal is won
            await commerce.crm.advance(thread_id(), "order_confirmed", customer, amount=status.total)
        except Exception:
            log.exception("CRM stage order_confirmed failed for %s", thread_id())
    return {"facts": {"kind": "order_status", **status.as_fact()}}
