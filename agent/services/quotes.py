"""Quotations as a service (no graph wiring): missing details, the summary to confirm, the order in Zoho, the PDF.

* `missing_details(customer)`: which of name, company (or "individual"), e-mail and a delivery area more
  precise than an emirate are still unknown.
* `QuoteService.open(thread_id, phone)` → the conversation's open quotation (or a new one, id
  "WA-<digits>-Q<n>", which becomes the sales order's `reference_number`); `update(...)` stores lines and
  totals; `summary(...)` is what the customer confirms; `place_order(quote_id, customer)` creates the
  Inventory contact if missing and the sales order through `create_sales_order_once`: a retry, a duplicate
  "yes" or a Zoho 5xx mid-creation never makes a second order.
* `publish_pdf(...)`: Zoho's PDF or our own (tools/quote_pdf.py), stored and linked by a signed URL.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from psycopg_pool import AsyncConnectionPool

from agent.policies.pricing import VAT_RATE, DiscountDecision, QuoteLine, QuoteTotals, to_decimal
from agent.policies.quote_details import DETAILS, INDIVIDUAL, Detail, emirate_of, missing_details
from agent.services.customers import CustomerRecord
from agent.services.locks import keyed_lock
from agent.state import Customer, Quote
from tools.quote_pdf import PdfLine, QuoteDocument, QuotePdf, SellerDetails, quote_pdf
from tools.zoho import (
    InventoryContact,
    NewContact,
    NewSalesOrder,
    NewSalesOrderLine,
    ZohoInventoryClient,
    ZohoRequestError,
    ZohoUnknownOutcome,
    phone_to_e164,
)
from tools.zoho.models import NewAddress, NewContactPerson
from tools.zoho.phone import chat_id

log = logging.getLogger(__name__)

QuoteStatus = Literal["collecting", "awaiting_confirmation", "confirmed", "created", "declined"]
OPEN_STATUSES = ("collecting", "awaiting_confirmation")

# ---- stored quotations ----------------------------------------------------------------------------------


class QuoteError(Exception):
    pass


class QuoteNotFound(QuoteError):
    pass


class QuoteNotReady(QuoteError):
    """Placing an order needs lines, every detail and the customer's confirmation."""

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []


class QuoteLocked(QuoteError):
    """An ordered (or declined) quotation does not change; open a new one."""


class OrderNotPlaced(QuoteError):
    """Zoho did not confirm the order (after the safe retries): try again later or hand over; a retry of
    `place_order` is safe (it looks the order up by reference first)."""


@dataclass(frozen=True)
class StoredQuote:
    quote_id: str
    thread_id: str
    seq: int
    status: QuoteStatus
    customer: CustomerRecord | None
    totals: QuoteTotals | None
    discount: dict[str, Any] | None
    inventory_contact_id: str | None
    salesorder_id: str | None
    salesorder_number: str | None
    zoho_total: Decimal | None
    pdf_path: str | None
    pdf_source: str | None
    last_error: str | None

    def to_state(self, asked: list[str] | None = None, document_url: str | None = None) -> Quote:
        """The graph's `Quote`."""
        quote = Quote(quote_id=self.quote_id, status=self.status)
        if asked is not None:
            quote["asked"] = asked
        if self.salesorder_id:
            quote["sales_order_id"] = self.salesorder_id
        if self.salesorder_number:
            quote["sales_order_number"] = self.salesorder_number
        if document_url:
            quote["document_url"] = document_url
        return quote


@dataclass(frozen=True)
class QuoteSummary:
    """What the customer confirms: items, quantities, unit prices, VAT, total, and who/where."""

    quote_id: str
    lines: tuple[QuoteLine, ...]
    totals: QuoteTotals
    customer: CustomerRecord
    valid_until: date
    missing: tuple[Detail, ...]

    @property
    def ready(self) -> bool:
        return not self.missing

    def as_facts(self) -> dict[str, object]:
        """Plain values for the graph's `facts` (amounts as strings, exactly as quoted)."""
        return {
            "quote_id": self.quote_id,
            "currency": self.totals.currency,
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "name_ar": line.name_ar,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "price_source": line.price_source,
                    "line_total": str(line.line_total),
                }
                for line in self.lines
            ],
            "subtotal": str(self.totals.subtotal),
            "discount_percent": str(self.totals.discount_percent),
            "discount_amount": str(self.totals.discount_amount),
            "vat_percent": str(self.totals.vat_percent),
            "vat": str(self.totals.vat),
            "total": str(self.totals.total),
            "valid_until": self.valid_until.isoformat(),
            "customer": {
                "name": self.customer.name,
                "company": self.customer.company,
                "email": self.customer.email,
                "delivery_area": self.customer.delivery_area,
            },
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class PlacedOrder:
    quote_id: str
    salesorder_id: str
    salesorder_number: str
    status: str
    created: bool
    """False: the order already existed (a retry or a duplicate confirmation)."""
    inventory_contact_id: str
    total: Decimal
    zoho_total: Decimal | None


class DocumentPublisher(Protocol):
    """Where PDFs go and how customers get them (server/components/documents.py `DocumentLinks`)."""

    async def save(self, document_id: str, content: bytes) -> str:
        """Store the document; returns where it is (its storage key)."""
        ...

    def url(self, document_id: str) -> str: ...


@dataclass(frozen=True)
class PublishedPdf:
    url: str
    path: str
    source: Literal["zoho", "noor"]
    filename: str


def quote_id_for(phone: str, thread_id: str, seq: int) -> str:
    e164 = phone_to_e164(phone)
    digits = chat_id(e164) if e164 else re.sub(r"\D", "", thread_id)[-15:]
    return f"WA-{digits or '0'}-Q{seq}"


def _row_to_quote(row: dict[str, Any]) -> StoredQuote:
    totals = QuoteTotals.from_json(row["totals"]) if row["totals"] else None
    customer = CustomerRecord.from_json(row["customer"]) if row["customer"] else None
    return StoredQuote(
        quote_id=row["quote_id"],
        thread_id=row["thread_id"],
        seq=row["seq"],
        status=row["status"],
        customer=customer,
        totals=totals,
        discount=row["discount"],
        inventory_contact_id=row["inventory_contact_id"],
        salesorder_id=row["salesorder_id"],
        salesorder_number=row["salesorder_number"],
        zoho_total=row["zoho_total"],
        pdf_path=row["pdf_path"],
        pdf_source=row["pdf_source"],
        last_error=row["last_error"],
    )


class QuoteService:
    """Quotations in Postgres (`quotes`, migration 0007) and their sales orders in Zoho Inventory.

    Args:
        pool: Postgres.
        inventory: the Inventory client.
        validity_days: how long a quotation is valid (Treejar: 14).
        vat_rate: for totals recomputed from stored lines.
        today: the date source (tests).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        inventory: ZohoInventoryClient,
        *,
        validity_days: int = 14,
        vat_rate: Decimal = VAT_RATE,
        today: Any = date.today,
    ) -> None:
        self.pool = pool
        self.inventory = inventory
        self.validity_days = validity_days
        self.vat_rate = vat_rate
        self.today = today

    # ---- rows --------------------------------------------------------------------------------------------

    async def get(self, quote_id: str) -> StoredQuote | None:
        async with self.pool.connection() as conn:
            row = await (await conn.execute("SELECT * FROM quotes WHERE quote_id = %s", (quote_id,))).fetchone()
        return _row_to_quote(row) if row else None

    async def _require(self, quote_id: str) -> StoredQuote:
        quote = await self.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        return quote

    async def latest(self, thread_id: str) -> StoredQuote | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute("SELECT * FROM quotes WHERE thread_id = %s ORDER BY seq DESC LIMIT 1", (thread_id,))
            ).fetchone()
        return _row_to_quote(row) if row else None

    async def open(self, thread_id: str, phone: str) -> StoredQuote:
        """The conversation's open quotation (collecting or awaiting confirmation), else a new one.
        Safe to call on every turn and on replays: it never opens a second one while one is open."""
        async with keyed_lock(self.pool, f"quotes:{thread_id}") as conn:
            row = await (
                await conn.execute("SELECT * FROM quotes WHERE thread_id = %s ORDER BY seq DESC LIMIT 1", (thread_id,))
            ).fetchone()
            if row is not None and row["status"] in OPEN_STATUSES:
                return _row_to_quote(row)
            seq = 1 if row is None else row["seq"] + 1
            quote_id = quote_id_for(phone, thread_id, seq)
            created = await (
                await conn.execute(
                    "INSERT INTO quotes (quote_id, thread_id, seq) VALUES (%s, %s, %s) RETURNING *",
                    (quote_id, thread_id, seq),
                )
            ).fetchone()
        assert created is not None
        return _row_to_quote(created)

    async def update(
        self,
        quote_id: str,
        *,
        totals: QuoteTotals | None = None,
        customer: CustomerRecord | Customer | None = None,
        discount: DiscountDecision | None = None,
        status: Literal["collecting", "awaiting_confirmation"] | None = None,
    ) -> StoredQuote:
        """Store lines/totals, the customer's details, the discount decision or move between the open
        statuses. A changed quotation goes back to "collecting" unless `status` says otherwise."""
        quote = await self._require(quote_id)
        if quote.status not in OPEN_STATUSES:
            raise QuoteLocked(f"quotation {quote_id} is {quote.status}")
        record = None
        if customer is not None:
            record = customer if isinstance(customer, CustomerRecord) else CustomerRecord.from_state(customer)
        changed = totals is not None or record is not None or discount is not None
        new_status = status or ("collecting" if changed else quote.status)
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "UPDATE quotes SET totals = COALESCE(%s, totals), lines = COALESCE(%s, lines), "
                    "customer = COALESCE(%s, customer), discount = COALESCE(%s, discount), status = %s, "
                    "updated_at = now() WHERE quote_id = %s AND status IN ('collecting', 'awaiting_confirmation') "
                    "RETURNING *",
                    (
                        json.dumps(totals.to_json()) if totals else None,
                        json.dumps([line.to_json() for line in totals.lines]) if totals else None,
                        json.dumps(record.to_json()) if record else None,
                        json.dumps(_decision_json(discount)) if discount else None,
                        new_status,
                        quote_id,
                    ),
                )
            ).fetchone()
        if row is None:
            raise QuoteLocked(f"quotation {quote_id} changed status meanwhile")
        return _row_to_quote(row)

    def summary(self, quote: StoredQuote, customer: CustomerRecord | Customer | None = None) -> QuoteSummary:
        """The confirmation summary (customer: the freshest details, else those stored with the quote)."""
        if quote.totals is None:
            raise QuoteNotReady(f"quotation {quote.quote_id} has no lines", ["lines"])
        record = CustomerRecord.of(customer) if customer is not None else quote.customer
        record = record or CustomerRecord(phone="")
        return QuoteSummary(
            quote_id=quote.quote_id,
            lines=quote.totals.lines,
            totals=quote.totals,
            customer=record,
            valid_until=self.today() + timedelta(days=self.validity_days),
            missing=tuple(missing_details(record)),
        )

    async def await_confirmation(self, quote_id: str) -> StoredQuote:
        """The summary was shown: the next explicit "yes" confirms it."""
        return await self.update(quote_id, status="awaiting_confirmation")

    async def decline(self, quote_id: str) -> StoredQuote:
        """ "No quotation yet" / "cancel": the quotation is closed without an order (idempotent)."""
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "UPDATE quotes SET status = 'declined', updated_at = now() "
                    "WHERE quote_id = %s AND status IN ('collecting', 'awaiting_confirmation') RETURNING *",
                    (quote_id,),
                )
            ).fetchone()
        return _row_to_quote(row) if row else await self._require(quote_id)

    # ---- the order ---------------------------------------------------------------------------------------

    async def place_order(self, quote_id: str, customer: CustomerRecord | Customer | None = None) -> PlacedOrder:
        """The customer said yes: make the sales order in Zoho once.

        Creates the Inventory contact if the customer has none (looked up by phone first), then the sales
        order with `reference_number = quote_id` through `create_sales_order_once`. Calling it again (a
        retry, a duplicate "yes", a replayed turn) returns the same order with `created=False`.
        Raises `QuoteNotReady` (no lines / missing details / not confirmable), `OrderNotPlaced` (Zoho kept
        failing; safe to call again later).
        """
        async with keyed_lock(self.pool, f"order:{quote_id}") as conn:
            quote = await self._require(quote_id)
            if quote.salesorder_id and quote.salesorder_number:
                return self._placed(quote, created=False)
            if quote.status == "declined":
                raise QuoteNotReady(f"quotation {quote_id} was declined")
            if quote.status == "collecting":
                raise QuoteNotReady(f"quotation {quote_id} was not shown for confirmation (await_confirmation)")
            if quote.totals is None:
                raise QuoteNotReady(f"quotation {quote_id} has no lines", ["lines"])
            record = CustomerRecord.of(customer) if customer is not None else quote.customer
            if record is None:
                raise QuoteNotReady(f"quotation {quote_id} has no customer", list(DETAILS))
            if quote.customer is not None:
                record = _fill(record, quote.customer)
            missing = missing_details(record)
            if missing:
                raise QuoteNotReady(f"quotation {quote_id} misses {', '.join(missing)}", list(missing))
            await conn.execute(
                "UPDATE quotes SET status = 'confirmed', confirmed_at = COALESCE(confirmed_at, now()), "
                "customer = %s, updated_at = now() WHERE quote_id = %s",
                (json.dumps(record.to_json()), quote_id),
            )
            try:
                contact_id = quote.inventory_contact_id or await self._inventory_contact(record)
                await conn.execute(
                    "UPDATE quotes SET inventory_contact_id = %s WHERE quote_id = %s", (contact_id, quote_id)
                )
                result = await self.inventory.create_sales_order_once(self._sales_order(quote, record, contact_id))
            except ZohoUnknownOutcome as exc:
                await conn.execute(
                    "UPDATE quotes SET last_error = %s, updated_at = now() WHERE quote_id = %s", (str(exc), quote_id)
                )
                raise OrderNotPlaced(f"Zoho did not confirm the order for {quote_id}: {exc}") from exc
            order = result.order
            if order.total is not None and order.total != quote.totals.total:
                log.warning(
                    "quotation %s: Zoho total %s differs from ours %s", quote_id, order.total, quote.totals.total
                )
            row = await (
                await conn.execute(
                    "UPDATE quotes SET status = 'created', salesorder_id = %s, salesorder_number = %s, "
                    "zoho_total = %s, inventory_contact_id = %s, last_error = NULL, ordered_at = now(), "
                    "updated_at = now() WHERE quote_id = %s RETURNING *",
                    (order.salesorder_id, order.salesorder_number, order.total, contact_id, quote_id),
                )
            ).fetchone()
            assert row is not None
            return self._placed(_row_to_quote(row), created=result.created, status=order.status)

    def _placed(self, quote: StoredQuote, *, created: bool, status: str = "") -> PlacedOrder:
        assert quote.salesorder_id
        assert quote.salesorder_number
        assert quote.totals
        return PlacedOrder(
            quote_id=quote.quote_id,
            salesorder_id=quote.salesorder_id,
            salesorder_number=quote.salesorder_number,
            status=status or quote.status,
            created=created,
            inventory_contact_id=quote.inventory_contact_id or "",
            total=quote.totals.total,
            zoho_total=quote.zoho_total,
        )

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(sql, params)

    def _sales_order(self, quote: StoredQuote, record: CustomerRecord, contact_id: str) -> NewSalesOrder:
        assert quote.totals is not None
        totals = quote.totals
        notes = f"Quotation {quote.quote_id} via WhatsApp (Noor). Delivery: {record.delivery_area}."
        return NewSalesOrder(
            customer_id=contact_id,
            reference_number=quote.quote_id,
            date=self.today().isoformat(),
            line_items=[
                NewSalesOrderLine(
                    item_id=line.item_id, quantity=Decimal(line.quantity), rate=line.unit_price, unit=line.unit
                )
                for line in totals.lines
            ],
            discount=float(totals.discount_amount) if totals.discount_amount else None,
            discount_type="entity_level" if totals.discount_amount else None,
            is_discount_before_tax=True if totals.discount_amount else None,
            notes=notes,
        )

    async def _inventory_contact(self, record: CustomerRecord) -> str:
        """The customer's Inventory contact id: known, found by phone, or created (once)."""
        if record.inventory_contact_id:
            return record.inventory_contact_id
        found = await self.inventory.find_contacts_by_phone(record.phone)
        if found:
            return found[0].contact_id
        individual = record.company == INDIVIDUAL
        base = record.name if individual else record.company
        first, _, last = record.name.partition(" ")
        emirate = emirate_of(record.delivery_area)
        address = NewAddress(
            attention=record.name,
            address=record.delivery_area,
            city=emirate,
            state=emirate,
            country="United Arab Emirates",
            phone=record.phone,
        )
        contact = NewContact(
            contact_name=base[:200],
            company_name=None if individual else record.company,
            customer_sub_type="individual" if individual else "business",
            email=record.email,
            mobile=record.phone,
            contact_persons=[
                NewContactPerson(
                    first_name=first or None,
                    last_name=last or None,
                    email=record.email,
                    mobile=record.phone,
                    is_primary_contact=True,
                )
            ],
            billing_address=address,
            shipping_address=address,
            notes="Created by Noor (WhatsApp sales assistant).",
        )
        for attempt in range(2):
            try:
                created: InventoryContact = await self.inventory.create_contact(contact)
                return created.contact_id
            except ZohoUnknownOutcome:
                landed = await self.inventory.find_contacts_by_phone(record.phone)
                if landed:
                    return landed[0].contact_id
                raise
            except ZohoRequestError as exc:
                if exc.code != 3062 or attempt:  # 3062: the contact name exists (another customer)
                    raise
                contact = contact.model_copy(update={"contact_name": f"{base} ({record.phone})"[:200]})
        raise AssertionError("unreachable")

    # ---- the PDF -----------------------------------------------------------------------------------------

    def document(self, quote: StoredQuote, customer: CustomerRecord | Customer | None = None) -> QuoteDocument:
        """The data the PDF shows."""
        summary = self.summary(quote, customer)
        record = summary.customer
        totals = summary.totals
        return QuoteDocument(
            quote_id=quote.quote_id,
            issued=self.today(),
            valid_until=summary.valid_until,
            customer_name=record.name,
            customer_company="" if record.company == INDIVIDUAL else record.company,
            customer_email=record.email,
            customer_phone=record.phone,
            delivery_area=record.delivery_area,
            salesorder_number=quote.salesorder_number or "",
            lines=tuple(
                PdfLine(
                    sku=line.sku,
                    name=line.name,
                    name_ar=line.name_ar or "",
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    line_total=line.line_total,
                )
                for line in totals.lines
            ),
            subtotal=totals.subtotal,
            discount_percent=totals.discount_percent,
            discount_amount=totals.discount_amount,
            vat_percent=totals.vat_percent,
            vat=totals.vat,
            total=totals.total,
            currency=totals.currency,
        )

    async def publish_pdf(
        self,
        quote_id: str,
        seller: SellerDetails,
        documents: DocumentPublisher,
        *,
        customer: CustomerRecord | Customer | None = None,
        prefer_zoho: bool = True,
    ) -> PublishedPdf:
        """The quotation PDF (Zoho's for a placed order when it answers with a real PDF, else our own),
        stored under the quote id and linked by a private, expiring URL."""
        quote = await self._require(quote_id)
        pdf: QuotePdf = await quote_pdf(
            self.document(quote, customer),
            seller,
            inventory=self.inventory if prefer_zoho else None,
            salesorder_id=quote.salesorder_id,
        )
        path = await documents.save(quote_id, pdf.content)
        await self._execute(
            "UPDATE quotes SET pdf_path = %s, pdf_source = %s, updated_at = now() WHERE quote_id = %s",
            (path, pdf.source, quote_id),
        )
        return PublishedPdf(documents.url(quote_id), path, pdf.source, f"{seller.company_name}-{quote_id}.pdf")


def _fill(record: CustomerRecord, stored: CustomerRecord) -> CustomerRecord:
    """`record` with its empty fields taken from `stored`."""
    changes = {
        key: getattr(stored, key)
        for key in ("name", "company", "email", "delivery_area", "inventory_contact_id", "crm_contact_id")
        if not getattr(record, key) and getattr(stored, key)
    }
    return replace(record, **changes) if changes else record


def _decision_json(decision: DiscountDecision) -> dict[str, Any]:
    return {
        "kind": decision.kind,
        "requested_percent": str(decision.requested_percent),
        "granted_percent": str(decision.granted_percent),
        "allowed_percent": str(decision.allowed_percent),
        "tier_percent": str(decision.tier_percent),
        "reason": decision.reason,
    }


def decision_from_json(data: dict[str, Any]) -> DiscountDecision:
    return DiscountDecision(
        kind=data["kind"],
        requested_percent=to_decimal(data["requested_percent"]),
        granted_percent=to_decimal(data["granted_percent"]),
        allowed_percent=to_decimal(data["allowed_percent"]),
        tier_percent=to_decimal(data["tier_percent"]),
        reason=data["reason"],
    )
