"""order_status: "where is my order SO-…" answered with Zoho's exact status, only for this customer's orders."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.crm import order_status as look_up_order
from agent.history import conversation
from agent.offline import latest_customer_text
from agent.state import SalesState

log = logging.getLogger(__name__)


async def order_status(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    commerce = runtime.context.commerce
    customer = state.get("customer", {})
    if commerce is None or not customer.get("phone"):
        return {"facts": {"kind": "order_status_unknown"}}
    status = await look_up_order(commerce.inventory, latest_customer_text(conversation(state)), customer)
    if not status.found:
        log.info("order status: %s for %s", status.reason, status.query)
        return {"facts": {"kind": "order_status_unknown", "reason": status.reason}}
    return {"facts": {"kind": "order_status", **status.as_fact()}}
