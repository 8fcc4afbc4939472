"""Keep Zoho CRM true to the conversation.

* `CrmSync.ensure_contact(thread_id, customer)`: the CRM contact for the customer's phone (found, else
  upserted keyed on the E.164 mobile), stored per conversation.
* `CrmSync.advance(thread_id, milestone, customer, ...)`: one deal per opportunity, created once (a row in
  `crm_deals` is reserved under an advisory lock before the POST; after an ambiguous failure the deal is
  looked up by its opportunity key before any new POST), moved forward through the configured stages:
  interest → Qualification, quotation_sent → Proposal/Price Quote, order_confirmed → Closed Won,
  lost → Closed Lost. Stages never move backwards; after a closed deal, new interest opens a new opportunity.
  A stage change with a `summary` writes it as a note on the deal (what was asked, shown and quoted).
* `CrmSync.note_quotation(...)` / `note_escalation(...)`: a concise note on the deal (else the contact),
  each written once (`crm_notes`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from psycopg_pool import AsyncConnectionPool

from agent.services.locks import keyed_lock
from agent.state import Customer
from tools.zoho import (
    NewDeal,
    ZohoCrmClient,
    ZohoUnknownOutcome,
)
from tools.zoho.phone import chat_id

if TYPE_CHECKING:
    from agent.policies.pricing import QuoteTotals
    from agent.services.customers import CustomerRecord

log = logging.getLogger(__name__)

Milestone = Literal["interest", "quotation_sent", "order_confirmed", "lost"]
MILESTONE_RANK: dict[str, int] = {"interest": 1, "quotation_sent": 2, "order_confirmed": 3, "lost": 3}
DEAL_NAME_MAX = 120


# ---- notes written once ----------------------------------------------------------------------------------


async def write_note_once(
    pool: AsyncConnectionPool[Any],
    crm: ZohoCrmClient,
    *,
    key: str,
    thread_id: str,
    module: str,
    record_id: str,
    title: str,
    content: str,
) -> str:
    """Create a CRM note unless one with this `key` was written; returns the note id.

    After an ambiguous failure (5xx/timeout on the POST) the record's notes are checked for the same title
    and content before posting again.
    """
    async with keyed_lock(pool, f"note:{key}") as conn:
        row = await (await conn.execute("SELECT note_id FROM crm_notes WHERE note_key = %s", (key,))).fetchone()
        if row is not None and row["note_id"]:
            return str(row["note_id"])
        if row is not None:  # reserved by an attempt whose outcome is unknown: did it land?
            for note in await crm.list_notes(module, record_id):
                if note.Note_Title == title and note.Note_Content == content:
                    await conn.execute("UPDATE crm_notes SET note_id = %s WHERE note_key = %s", (note.id, key))
                    return note.id
        else:
            await conn.execute(
                "INSERT INTO crm_notes (note_key, thread_id, module, record_id) VALUES (%s, %s, %s, %s)",
                (key, thread_id, module, record_id),
            )
        note_id = await crm.create_note(module, record_id, content, title=title)
        await conn.execute(
            "UPDATE crm_notes SET note_id = %s, module = %s, record_id = %s WHERE note_key = %s",
            (note_id, module, record_id, key),
        )
        return note_id


# ---- stages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrmStages:
    """The org's Deals picklist values for each milestone (configure to match Zoho's layout)."""

    pipeline: str = "Standard (Standard)"
    interest: str = "Qualification"
    quotation_sent: str = "Proposal/Price Quote"
    order_confirmed: str = "Closed Won"
    lost: str = "Closed Lost"

    def stage(self, milestone: Milestone) -> str:
        stage: str = getattr(self, milestone)
        return stage

    def rank(self, stage: str | None) -> int:
        for milestone in ("order_confirmed", "lost", "quotation_sent", "interest"):
            if stage == getattr(self, milestone):
                return MILESTONE_RANK[milestone]
        return 0

    def closed(self, stage: str | None) -> bool:
        return stage in (self.order_confirmed, self.lost)


@dataclass(frozen=True)
class DealLink:
    thread_id: str
    opportunity: int
    opportunity_key: str
    deal_id: str
    stage: str
    contact_id: str
    created: bool = False
    """This call created the deal."""
    moved: bool = False
    """This call changed its stage or amount."""
    closed: bool = False


def opportunity_key(thread_id: str, phone: str, opportunity: int) -> str:
    digits = chat_id(phone) if phone.startswith("+") else re.sub(r"\D", "", phone)
    base = digits or hashlib.sha256(thread_id.encode()).hexdigest()[:12]
    return f"WA-{base}-O{opportunity}"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"AED {value:,.2f}"


def quotation_note_text(
    quote_id: str,
    totals: QuoteTotals,
    *,
    customer: CustomerRecord | None = None,
    sales_order_number: str | None = None,
    discount_note: str | None = None,
) -> str:
    """A concise note: what was quoted, the money, who and where."""
    items = "; ".join(f"{line.quantity} x {line.sku} {line.name} @ {line.unit_price:,.2f}" for line in totals.lines)
    parts = [f"Quotation {quote_id} sent on WhatsApp by Noor.", f"Items: {items}."]
    money = f"Subtotal {_money(totals.subtotal)}"
    if totals.discount_amount:
        money += f", discount {totals.discount_percent}% ({_money(totals.discount_amount)})"
    money += f", VAT {totals.vat_percent}% {_money(totals.vat)}, total {_money(totals.total)}."
    parts.append(money)
    if customer is not None:
        who = ", ".join(x for x in (customer.name, customer.company, customer.email, customer.delivery_area) if x)
        if who:
            parts.append(f"Customer: {who}.")
    if discount_note:
        parts.append(discount_note)
    if sales_order_number:
        parts.append(f"Sales order {sales_order_number}.")
    return " ".join(parts)


def escalation_note_text(reason: str, summary: str, *, manager: str | None = None) -> str:
    text = f"Escalated to a manager by Noor: {reason.strip()}."
    if manager:
        text += f" Assigned: {manager}."
    if summary.strip():
        text += f" Conversation: {summary.strip()}"
    return text


class CrmSync:
    """Writes the conversation's progress to Zoho CRM.

    Args:
        pool: Postgres (tables `crm_contacts`, `crm_deals`, `crm_notes`).
        crm: the CRM client.
        stages: picklist values per milestone and the pipeline.
        lead_source: `Lead_Source` of contacts and deals created by Noor.
        closing_days: `Closing_Date` of a new deal, days from today.
        today: the date source (tests).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        crm: ZohoCrmClient,
        *,
        stages: CrmStages | None = None,
        lead_source: str = "WhatsApp",
        closing_days: int = 30,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.pool = pool
        self.crm = crm
        self.stages = stages or CrmStages()
        self.lead_source = lead_source
        self.closing_days = closing_days
        self.today = today

    # ---- contacts ----------------------------------------------------------------------------------------

    async def ensure_contact(self, thread_id: str, customer: CustomerRecord | Customer) -> str:
        """The CRM contact id for this customer (created once, keyed on the phone)."""
        record = _record_of(customer)
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT contact_id FROM crm_contacts WHERE thread_id = %s AND phone = %s",
                    (thread_id, record.phone),
                )
            ).fetchone()
        if row is not None:
            return str(row["contact_id"])
        async with keyed_lock(self.pool, f"contact:{record.phone}"):
            contact_id = record.crm_contact_id
            if not contact_id:
                last, first = _split_name(record.name, record.phone)
                _, result = await self.crm.ensure_contact_by_phone(
                    record.phone,
                    last_name=last,
                    first_name=first,
                    email=record.email or None,
                    lead_source=self.lead_source,
                    description="Created by Noor (WhatsApp sales assistant)",
                )
                contact_id = result.id
            async with self.pool.connection() as conn:
                await conn.execute(
                    "INSERT INTO crm_contacts (thread_id, phone, contact_id) VALUES (%s, %s, %s) "
                    "ON CONFLICT (thread_id) DO UPDATE SET phone = EXCLUDED.phone, contact_id = EXCLUDED.contact_id, "
                    "updated_at = now()",
                    (thread_id, record.phone, contact_id),
                )
        return contact_id

    async def fill_contact(self, contact_id: str, customer: CustomerRecord | Customer) -> bool:
        """Fill the CRM contact's empty name/e-mail with what the customer told us; True if updated."""
        record = _record_of(customer)
        contact = await self.crm.get_contact(contact_id)
        if contact is None:
            return False
        changes: dict[str, Any] = {}
        if record.email and not contact.Email:
            changes["Email"] = record.email
        if record.name and not contact.First_Name:
            last, first = _split_name(record.name, record.phone)
            if first:
                changes["First_Name"] = first
                changes["Last_Name"] = last
        if not changes:
            return False
        await self.crm.update_contact(contact_id, changes)
        return True

    # ---- deals -------------------------------------------------------------------------------------------

    async def current_deal(self, thread_id: str) -> DealLink | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT * FROM crm_deals WHERE thread_id = %s ORDER BY opportunity DESC LIMIT 1", (thread_id,)
                )
            ).fetchone()
        if row is None or not row["deal_id"]:
            return None
        return DealLink(
            thread_id,
            row["opportunity"],
            row["opportunity_key"],
            row["deal_id"],
            row["stage"] or "",
            row["contact_id"] or "",
            closed=row["closed"],
        )

    async def advance(
        self,
        thread_id: str,
        milestone: Milestone,
        customer: CustomerRecord | Customer,
        *,
        title: str | None = None,
        amount: Decimal | None = None,
        reason: str | None = None,
        summary: str | None = None,
    ) -> DealLink | None:
        """Move the conversation's deal to the milestone's stage, creating the deal once if needed.

        `title` names a new deal ("10 x Nova Pro chairs"), `amount` is AED excl. VAT, `reason` the loss reason,
        `summary` the conversation so far: a note on the deal when its stage changes (once per deal and stage).
        Returns None when there is nothing to do (e.g. `lost` without an open deal).
        """
        link = await self._advance(thread_id, milestone, customer, title=title, amount=amount, reason=reason)
        if link is not None and summary and (link.created or link.moved):
            await write_note_once(
                self.pool,
                self.crm,
                key=f"stage:{link.deal_id}:{link.stage}",
                thread_id=thread_id,
                module="Deals",
                record_id=link.deal_id,
                title=f"Noor: {link.stage}",
                content=summary,
            )
        return link

    async def _advance(
        self,
        thread_id: str,
        milestone: Milestone,
        customer: CustomerRecord | Customer,
        *,
        title: str | None,
        amount: Decimal | None,
        reason: str | None,
    ) -> DealLink | None:
        record = _record_of(customer)
        target = self.stages.stage(milestone)
        async with keyed_lock(self.pool, f"deal:{thread_id}") as conn:
            row = await (
                await conn.execute(
                    "SELECT * FROM crm_deals WHERE thread_id = %s ORDER BY opportunity DESC LIMIT 1", (thread_id,)
                )
            ).fetchone()
            if row is not None and row["closed"] and milestone in ("order_confirmed", "lost"):
                return DealLink(
                    thread_id, row["opportunity"], row["opportunity_key"], row["deal_id"], row["stage"],
                    row["contact_id"] or "", closed=True,
                )  # fmt: skip
            if row is None or row["closed"]:
                if milestone == "lost":
                    return None
                number = 1 if row is None else row["opportunity"] + 1
                key = opportunity_key(thread_id, record.phone, number)
                deal_name = _deal_name(record, title, key)
                await conn.execute(
                    "INSERT INTO crm_deals (thread_id, opportunity, opportunity_key, deal_name) "
                    "VALUES (%s, %s, %s, %s)",
                    (thread_id, number, key, deal_name),
                )
                row = {
                    "opportunity": number,
                    "opportunity_key": key,
                    "deal_id": None,
                    "deal_name": deal_name,
                    "stage": None,
                    "amount": None,
                    "contact_id": None,
                    "attempted_at": None,
                }
            number, key = row["opportunity"], row["opportunity_key"]
            closed = self.stages.closed(target)
            if not row["deal_id"]:
                deal_id = await self._find_deal(key) if row["attempted_at"] is not None else None
                created = deal_id is None
                contact_id = row["contact_id"] or await self.ensure_contact(thread_id, record)
                if deal_id is None:
                    await conn.execute(
                        "UPDATE crm_deals SET attempted_at = now(), contact_id = %s "
                        "WHERE thread_id = %s AND opportunity = %s",
                        (contact_id, thread_id, number),
                    )
                    deal = NewDeal(
                        Deal_Name=row["deal_name"],
                        Stage=target,
                        Pipeline=self.stages.pipeline,
                        Amount=amount,
                        Closing_Date=self.today() + timedelta(days=self.closing_days),
                        Contact_Name=contact_id,
                        Lead_Source=self.lead_source,
                        Description=f"Opened by Noor on WhatsApp ({key}).",
                    )
                    try:
                        deal_id = await self.crm.create_deal(deal)
                    except ZohoUnknownOutcome:
                        deal_id = await self._find_deal(key)
                        if deal_id is None:
                            raise
                    stage, moved = target, True
                else:  # an earlier attempt did land: bring it to the target stage
                    stage, moved = await self._move(deal_id, row["stage"], target, amount, row["amount"], reason)
                await conn.execute(
                    "UPDATE crm_deals SET deal_id = %s, stage = %s, amount = %s, contact_id = %s, closed = %s, "
                    "updated_at = now() WHERE thread_id = %s AND opportunity = %s",
                    (deal_id, stage, amount, contact_id, self.stages.closed(stage), thread_id, number),
                )
                if closed and reason and milestone == "lost":
                    await self.crm.update_deal(deal_id, fields={"Reason_For_Loss__s": reason})
                return DealLink(
                    thread_id, number, key, deal_id, stage, contact_id, created=created, moved=moved,
                    closed=self.stages.closed(stage),
                )  # fmt: skip
            deal_id = str(row["deal_id"])
            stage, moved = await self._move(deal_id, row["stage"], target, amount, row["amount"], reason)
            await conn.execute(
                "UPDATE crm_deals SET stage = %s, amount = COALESCE(%s, amount), closed = %s, updated_at = now() "
                "WHERE thread_id = %s AND opportunity = %s",
                (stage, amount, self.stages.closed(stage), thread_id, number),
            )
            return DealLink(
                thread_id, number, key, deal_id, stage, row["contact_id"] or "", moved=moved,
                closed=self.stages.closed(stage),
            )  # fmt: skip

    async def _move(
        self,
        deal_id: str,
        current: str | None,
        target: str,
        amount: Decimal | None,
        current_amount: Decimal | None,
        reason: str | None,
    ) -> tuple[str, bool]:
        forward = self.stages.rank(target) > self.stages.rank(current)
        new_amount = amount is not None and (current_amount is None or Decimal(current_amount) != amount)
        if not forward and not new_amount:
            return current or target, False
        fields: dict[str, Any] = {}
        if forward and target == self.stages.lost and reason:
            fields["Reason_For_Loss__s"] = reason
        await self.crm.update_deal(
            deal_id, stage=target if forward else None, amount=amount if new_amount else None, fields=fields or None
        )
        return (target if forward else current or target), True

    async def _find_deal(self, key: str) -> str | None:
        """A deal whose name carries this opportunity key (after an ambiguous create)."""
        records = await self.crm.search("Deals", criteria=f"(Deal_Name:equals:{_escape(key)})")
        matching = sorted((r for r in records if key in str(r.get("Deal_Name") or "")), key=lambda r: str(r["id"]))
        return str(matching[0]["id"]) if matching else None

    # ---- notes -------------------------------------------------------------------------------------------

    async def _note_parent(self, thread_id: str, customer: CustomerRecord | Customer) -> tuple[str, str]:
        deal = await self.current_deal(thread_id)
        if deal is not None:
            return "Deals", deal.deal_id
        return "Contacts", await self.ensure_contact(thread_id, customer)

    async def note_quotation(
        self,
        thread_id: str,
        customer: CustomerRecord | Customer,
        quote_id: str,
        totals: QuoteTotals,
        *,
        sales_order_number: str | None = None,
        discount_note: str | None = None,
    ) -> str:
        """The note after a quotation (once per quote id)."""
        module, record_id = await self._note_parent(thread_id, customer)
        content = quotation_note_text(
            quote_id,
            totals,
            customer=_record_of(customer),
            sales_order_number=sales_order_number,
            discount_note=discount_note,
        )
        return await write_note_once(
            self.pool,
            self.crm,
            key=f"quotation:{quote_id}",
            thread_id=thread_id,
            module=module,
            record_id=record_id,
            title=f"Noor: quotation {quote_id}",
            content=content,
        )

    async def note_followup(self, thread_id: str, *, key: str, content: str) -> str | None:
        """A follow-up's note on the thread's deal, else its contact (once per key); None when the thread has
        neither in the CRM yet."""
        deal = await self.current_deal(thread_id)
        if deal is not None:
            module, record_id = "Deals", deal.deal_id
        else:
            async with self.pool.connection() as conn:
                row = await (
                    await conn.execute("SELECT contact_id FROM crm_contacts WHERE thread_id = %s", (thread_id,))
                ).fetchone()
            if row is None:
                return None
            module, record_id = "Contacts", str(row["contact_id"])
        return await write_note_once(
            self.pool,
            self.crm,
            key=key,
            thread_id=thread_id,
            module=module,
            record_id=record_id,
            title="Noor: follow-up",
            content=content,
        )

    async def note_escalation(
        self,
        thread_id: str,
        customer: CustomerRecord | Customer,
        *,
        episode: int | str,
        reason: str,
        summary: str,
        manager: str | None = None,
    ) -> str:
        """The note after an escalation (once per conversation and escalation episode)."""
        module, record_id = await self._note_parent(thread_id, customer)
        return await write_note_once(
            self.pool,
            self.crm,
            key=f"escalation:{thread_id}:{episode}",
            thread_id=thread_id,
            module=module,
            record_id=record_id,
            title="Noor: handed to a manager",
            content=escalation_note_text(reason, summary, manager=manager),
        )


def _split_name(name: str, phone: str) -> tuple[str, str | None]:
    """(Last_Name, First_Name) for CRM; Last_Name is mandatory, so a nameless contact gets the phone."""
    parts = name.split()
    if not parts:
        return phone, None
    if len(parts) == 1:
        return parts[0], None
    return " ".join(parts[1:]), parts[0]


def _deal_name(record: CustomerRecord, title: str | None, key: str) -> str:
    who = record.company if record.company and record.company != "individual" else record.name or record.phone
    suffix = f" [{key}]"
    text = f"{who} – {title or 'WhatsApp enquiry'}"
    return text[: DEAL_NAME_MAX - len(suffix)].rstrip() + suffix


def _escape(value: str) -> str:
    return re.sub(r"([(),\\])", r"\\\1", value)


def _record_of(customer: CustomerRecord | Customer) -> CustomerRecord:
    from agent.services.customers import CustomerRecord  # customers.py imports this module (notes written once)

    return CustomerRecord.of(customer)
