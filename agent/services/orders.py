"""Answer "where is my order": a sales order's exact Zoho status, only when the order is linked to this customer;
otherwise "nothing linked"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from agent.policies.order_reference import parse_order_reference
from agent.services.customers import CustomerRecord
from agent.state import Customer
from tools.zoho import SalesOrder, ZohoInventoryClient, phone_to_e164

OrderStatusReason = Literal["found", "not_found", "not_linked", "no_reference"]


@dataclass(frozen=True)
class OrderStatus:
    """`found` only when the order exists and belongs to this customer; otherwise say "nothing linked" and
    offer a person. `status` is Zoho's exact value (draft, confirmed, fulfilled, void, ...)."""

    reason: OrderStatusReason
    query: str | None = None
    salesorder_id: str | None = None
    salesorder_number: str | None = None
    reference_number: str | None = None
    status: str | None = None
    order_status: str | None = None
    date: str | None = None
    shipment_date: str | None = None
    total: Decimal | None = None
    currency: str | None = None

    @property
    def found(self) -> bool:
        return self.reason == "found"

    def as_fact(self) -> dict[str, object]:
        return {
            "found": self.found,
            "reason": self.reason,
            "salesorder_number": self.salesorder_number,
            "reference_number": self.reference_number,
            "status": self.status,
            "date": self.date,
            "shipment_date": self.shipment_date,
            "total": None if self.total is None else str(self.total),
            "currency": self.currency,
        }


async def _belongs(inventory: ZohoInventoryClient, order: SalesOrder, customer: CustomerRecord) -> bool:
    if customer.inventory_contact_id and order.customer_id == customer.inventory_contact_id:
        return True
    if not order.customer_id:
        return False
    contact = await inventory.get_contact(order.customer_id)
    phone = phone_to_e164(customer.phone)
    return contact is not None and phone is not None and phone in contact.phones


async def order_status(
    inventory: ZohoInventoryClient, query: str | None, customer: CustomerRecord | Customer
) -> OrderStatus:
    """The status of the order the customer asks about ("SO-00417", "so 417", our quote id), or of their
    latest order when the message names none. Never reveals an order linked to someone else."""
    record = CustomerRecord.of(customer)
    parsed = parse_order_reference(query or "")
    candidates: Sequence[SalesOrder]
    if parsed is None:
        if not record.inventory_contact_id:
            return OrderStatus("no_reference", query)
        page = await inventory.list_sales_orders(filters={"customer_id": record.inventory_contact_id})
        listed = sorted(page.salesorders, key=lambda o: (o.created_time, o.salesorder_id), reverse=True)
        if not listed:
            return OrderStatus("not_found", query)
        latest = await inventory.get_sales_order(listed[0].salesorder_id)
        candidates = [latest or listed[0]]
    elif parsed[0] == "reference":
        candidates = await inventory.find_sales_orders(parsed[1])
    else:
        found = await inventory.find_sales_order_by_number(parsed[1])
        candidates = [found] if found else []
    if not candidates:
        return OrderStatus("not_found", query)
    order = candidates[0]
    if not await _belongs(inventory, order, record):
        return OrderStatus("not_linked", query)
    return OrderStatus(
        "found",
        query,
        salesorder_id=order.salesorder_id,
        salesorder_number=order.salesorder_number,
        reference_number=order.reference_number or None,
        status=order.status,
        order_status=order.order_status or None,
        date=order.date or None,
        shipment_date=order.shipment_date or None,
        total=order.total,
        currency=order.currency_code or "AED",
    )
