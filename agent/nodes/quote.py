"""quote: turn interest into a quotation. Code decides everything: lines and prices (catalog or the customer's
price book), the discount the policy allows, VAT and totals, which details are still missing, when the
customer has confirmed. Then the sales order is made in Zoho once, its PDF sent, and the CRM moved on.

    no quotation → open one (CRM: interest) → ask for missing details → summary → explicit yes →
    sales order (reference = quote id) → PDF as a document → CRM: quotation sent + note
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from agent.context import Context, chat_id, thread_id
from agent.conversation import conversation, deal_summary, latest_customer_text, understood
from agent.policies.pricing import DiscountDecision, ItemUnavailable, QuoteLine, price_lines, quote_totals
from agent.policies.quote_details import missing_details
from agent.services.customers import CustomerRecord
from agent.services.quotes import OPEN_STATUSES, StoredQuote, decision_from_json
from agent.state import Customer, PolicySignals, ReplyPart, SalesState
from agent.understanding import Understanding

if TYPE_CHECKING:
    from agent.services.commerce import Commerce
    from tools.catalog.search import CatalogSearch

log = logging.getLogger(__name__)


class CatalogNotReady(RuntimeError):
    pass


async def _lines(state: SalesState, catalog: CatalogSearch, commerce: Commerce, customer: Customer) -> list[QuoteLine]:
    """The products the customer chose, priced for them. Empty when nothing is chosen yet."""
    request = state.get("request", {})
    quantity = max(int(request.get("quantity") or 1), 1)
    per_item = request.get("quantities", {})  # "3 x OD-… and 6 x TC-…": each line its own quantity
    chosen = [(await catalog.get(sku), per_item.get(sku.upper(), quantity)) for sku in request.get("skus", [])]
    products = [(product, count) for product, count in chosen if product is not None]
    if not products:
        if request.get("skus") and not await catalog.count():
            # a worker that just started has not loaded the catalog yet: the turn is retried in a moment
            raise CatalogNotReady("the catalog index is empty")
        return []
    pricebook = None
    if customer.get("pricebook_id"):
        pricebook = await commerce.inventory.get_pricebook(customer["pricebook_id"])
    return price_lines(products, pricebook)


def _discount(
    understanding: Understanding, stored: StoredQuote, lines: list[QuoteLine], commerce: Commerce, customer: Customer
) -> DiscountDecision | None:
    """This turn's discount decision (a new request), else the one the quotation already carries."""
    slots = understanding.slots
    if not understanding.slots.asks_discount:
        return decision_from_json(stored.discount) if stored.discount else None
    subtotal = quote_totals(lines).subtotal
    pricebook_customer = bool(customer.get("pricebook_id"))
    # "a small discount" without a figure: offer what the policy allows at this subtotal, nothing more
    asked = Decimal(str(slots.discount_percent)) if slots.discount_percent is not None else None
    if asked is None:
        asked = commerce.policy.allowed_percent(subtotal, pricebook_customer=pricebook_customer)
    return commerce.policy.decide(subtotal, asked, pricebook_customer=pricebook_customer)


def _discount_facts(decision: DiscountDecision | None, asked_now: bool) -> dict[str, Any]:
    if decision is None or decision.kind == "none":
        return {"discount_decision": "none"} if asked_now else {}
    return {
        "discount_decision": decision.kind,
        "discount_reason": decision.reason,
        "granted_percent": str(decision.granted_percent),
    }


async def _crm(commerce: Commerce, action: str, call: Any) -> None:
    try:
        await call
    except Exception:  # the CRM follows the conversation; it must never cost the customer the answer
        log.exception("CRM %s failed for %s", action, thread_id())


async def _send(
    commerce: Commerce, stored: StoredQuote, record: CustomerRecord
) -> tuple[dict[str, Any], list[ReplyPart]]:
    """The confirmed quotation: the sales order (once), its PDF, the CRM moved to "quotation sent"."""
    placed = await commerce.quotes.place_order(stored.quote_id, record)
    published = await commerce.quotes.publish_pdf(
        stored.quote_id, commerce.seller, commerce.documents, customer=record, prefer_zoho=commerce.prefer_zoho_pdf
    )
    assert stored.totals is not None
    thread = thread_id()
    await _crm(commerce, "stage", commerce.crm.advance(thread, "quotation_sent", record, amount=stored.totals.taxable))
    await _crm(
        commerce,
        "note",
        commerce.crm.note_quotation(
            thread, record, stored.quote_id, stored.totals, sales_order_number=placed.salesorder_number
        ),
    )
    facts = {
        "kind": "quote_sent",
        "quote_id": stored.quote_id,
        "sales_order_number": placed.salesorder_number,
        "total": str(stored.totals.total),
        "currency": stored.totals.currency,
    }
    return facts, [{"kind": "document", "text": None, "content_uri": published.url}]


async def quote(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    commerce = runtime.context.commerce
    catalog = runtime.context.catalog
    if commerce is None or catalog is None:
        return {"facts": {"kind": "quote_unavailable"}}
    understanding = understood(state)
    confirmation = understanding.slots.confirmation
    current = state.get("quote", {})
    customer: Customer = {**state.get("customer", {})}
    record = CustomerRecord.from_state(customer)
    if not record.phone:
        record = CustomerRecord(phone=chat_id())
        customer["phone"] = record.phone
    update: dict[str, Any] = {"customer": customer}

    if current.get("status") in ("created", "confirmed") and confirmation == "yes":
        return update | {"facts": {"kind": "quote_already_sent", **current}}  # a second "yes": nothing new
    stored = await commerce.quotes.get(current["quote_id"]) if current.get("quote_id") else None
    declines = confirmation == "no" or (understanding.slots.no_quotation_yet and confirmation != "yes")
    if stored is not None and stored.status in OPEN_STATUSES and declines:
        declined = await commerce.quotes.decline(stored.quote_id)
        said = latest_customer_text(conversation(state)).strip()[:200]
        lost = commerce.crm.advance(thread_id(), "lost", record, reason=f"customer declined: {said}")
        await _crm(commerce, "lost", lost)
        return update | {"quote": declined.to_state(), "facts": {"kind": "quote_declined"}}

    try:
        lines = await _lines(state, catalog, commerce, customer)
    except ItemUnavailable as exc:
        return update | {"facts": {"kind": "quote_item_unavailable", "sku": str(exc)}}
    if stored is None or (stored.status not in OPEN_STATUSES and lines and state.get("intent") == "quotation"):
        if not lines:
            return update | {"facts": {"kind": "quote_needs_items"}}
        stored = await commerce.quotes.open(thread_id(), record.phone)
        title = ", ".join(f"{line.quantity} x {line.name}" for line in lines)[:120]
        advanced = commerce.crm.advance(thread_id(), "interest", record, title=title, summary=deal_summary(state))
        await _crm(commerce, "interest", advanced)
    if not lines and stored.totals is not None:
        lines = list(stored.totals.lines)
    if not lines:
        return update | {"facts": {"kind": "quote_needs_items"}}

    decision = _discount(understanding, stored, lines, commerce, customer)
    granted = decision.granted_percent if decision is not None and decision.kind == "granted" else Decimal(0)
    totals = quote_totals(lines, granted, vat_rate=commerce.vat_rate)
    signals: PolicySignals = {"order_value_aed": float(totals.total)}
    if decision is not None and decision.needs_approval:
        signals |= {
            "discount_decision": "beyond_policy",
            "requested_discount_percent": float(decision.requested_percent),
        }
    wanted = record.merged(customer)
    changed = (
        stored.totals is None
        or stored.totals.to_json() != totals.to_json()
        or stored.customer is None
        or stored.customer.to_json() != wanted.to_json()
    )
    if changed and stored.status in OPEN_STATUSES:
        stored = await commerce.quotes.update(stored.quote_id, totals=totals, customer=wanted, discount=decision)
    update |= {"signals": signals, "cart": [line.to_cart_line() for line in lines]}

    if confirmation == "yes" and not changed and stored.status in ("awaiting_confirmation", "confirmed", "created"):
        # OrderNotPlaced (Zoho kept failing) fails the turn: it is retried, and the order looked up before any new one
        facts, documents = await _send(commerce, stored, wanted)
        placed = await commerce.quotes.get(stored.quote_id)
        return update | {
            "quote": (placed or stored).to_state(document_url=documents[0]["content_uri"]),
            "facts": facts,
            "documents": documents,
        }

    missing = missing_details(wanted)
    discount = _discount_facts(decision, understanding.slots.asks_discount)
    summary = commerce.quotes.summary(stored, wanted).as_facts() | discount
    if missing:
        return update | {
            "quote": stored.to_state(asked=list(missing)),
            "facts": {"kind": "quote_details", **summary},
        }
    if stored.status == "collecting":
        stored = await commerce.quotes.await_confirmation(stored.quote_id)
    return update | {"quote": stored.to_state(asked=[]), "facts": {"kind": "quote_confirm", **summary}}
