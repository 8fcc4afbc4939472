"""Who is writing: a WhatsApp chat id → the customer in Zoho CRM and Zoho Inventory, cached per conversation.

`CustomerDirectory.identify(thread_id, chat_id)` normalises the number to E.164, searches CRM contacts
(`/Contacts/search`, 204 = none) and Inventory contacts by phone however they were typed into Zoho, picks
deterministically among duplicates (CRM: the one whose e-mail matches the Inventory contact, else the
oldest; Inventory: active first, then the oldest), writes a CRM note about the duplicates once, and caches
the result in `customer_links` (migration 0007) for the conversation. `CustomerRecord.to_state()` is what
the graph keeps in `SalesState.customer`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from agent.policies.quote_details import INDIVIDUAL
from agent.services.crm import write_note_once
from agent.state import Customer
from tools.zoho import CrmContact, InventoryContact, ZohoCrmClient, ZohoInventoryClient, phone_to_e164

log = logging.getLogger(__name__)


class InvalidPhone(ValueError):
    pass


@dataclass(frozen=True)
class CustomerRecord:
    """The customer as Noor knows them. Empty strings mean "not known yet"."""

    phone: str
    """E.164, e.g. "+971501234567"."""
    name: str = ""
    first_name: str = ""
    company: str = ""
    """The company name, or "individual" for a private customer."""
    email: str = ""
    delivery_area: str = ""
    crm_contact_id: str = ""
    inventory_contact_id: str = ""
    pricebook_id: str = ""
    pricebook_name: str = ""
    returning: bool = False
    """Known to Zoho (CRM or Inventory) before this conversation: greet by name."""
    has_bought: bool = False
    """An Inventory customer (a contact that orders are made for)."""
    duplicate_crm_contact_ids: tuple[str, ...] = ()
    duplicate_inventory_contact_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Human-readable remarks (duplicates picked, inactive contacts seen)."""

    def to_state(self) -> Customer:
        """The graph's `Customer` (only the fields that are known)."""
        state = Customer(phone=self.phone, returning=self.returning)
        for key in (
            "name",
            "company",
            "email",
            "delivery_area",
            "crm_contact_id",
            "inventory_contact_id",
            "pricebook_id",
        ):
            value = getattr(self, key)
            if value:
                state[key] = value
        return state

    @classmethod
    def of(cls, customer: CustomerRecord | Customer) -> CustomerRecord:
        return customer if isinstance(customer, CustomerRecord) else cls.from_state(customer)

    @classmethod
    def from_state(cls, customer: Customer) -> CustomerRecord:
        phone = customer.get("phone", "")
        return cls(
            phone=phone_to_e164(phone) or phone,
            name=customer.get("name", ""),
            first_name=(customer.get("name", "").split() or [""])[0],
            company=customer.get("company", ""),
            email=customer.get("email", ""),
            delivery_area=customer.get("delivery_area", ""),
            crm_contact_id=customer.get("crm_contact_id", ""),
            inventory_contact_id=customer.get("inventory_contact_id", ""),
            pricebook_id=customer.get("pricebook_id", ""),
            returning=customer.get("returning", False),
        )

    def merged(self, customer: Customer) -> CustomerRecord:
        """This record with what the conversation learned (non-empty values in `customer` win)."""
        changes: dict[str, Any] = {}
        for key in ("name", "company", "email", "delivery_area", "crm_contact_id", "inventory_contact_id"):
            value = customer.get(key)
            if isinstance(value, str) and value.strip():
                changes[key] = value.strip()
        if "name" in changes and not self.first_name:
            changes["first_name"] = changes["name"].split()[0]
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("duplicate_crm_contact_ids", "duplicate_inventory_contact_ids", "notes"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomerRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("duplicate_crm_contact_ids", "duplicate_inventory_contact_ids", "notes"):
            known[key] = tuple(known.get(key) or ())
        return cls(**known)


def _clean(text: str) -> str:
    return " ".join(text.split())


def crm_name(contact: CrmContact) -> tuple[str, str]:
    """(full name, first name) of a CRM contact; WhatsApp leads often have only a profile name in Last_Name."""
    first = _clean(contact.First_Name)
    full = _clean(f"{first} {_clean(contact.Last_Name)}") or _clean(contact.Full_Name)
    return full, first or (full.split()[0] if full else "")


def inventory_name(contact: InventoryContact) -> tuple[str, str]:
    person = next((p for p in contact.contact_persons if p.is_primary_contact), None)
    first = _clean(contact.first_name or (person.first_name if person else ""))
    last = _clean(contact.last_name or (person.last_name if person else ""))
    full = _clean(f"{first} {last}")
    if not full and not contact.company_name:
        full = _clean(contact.contact_name)
    return full, first or (full.split()[0] if full else "")


def pick_crm_contact(contacts: list[CrmContact], email: str = "") -> CrmContact | None:
    """Deterministic: the one whose e-mail matches (the Inventory contact's), else the oldest; ties by id."""
    if not contacts:
        return None
    ordered = sorted(contacts, key=lambda c: (c.Created_Time, c.id))
    if email:
        for contact in ordered:
            if contact.Email.strip().lower() == email.strip().lower():
                return contact
    return ordered[0]


class CustomerDirectory:
    """Customer identification, cached per conversation.

    Args:
        pool: Postgres (table `customer_links`, `crm_notes`).
        inventory, crm: the Zoho clients.
        max_age_seconds: how long a cached identification is trusted before Zoho is asked again.
        note_duplicates: write a CRM note on the chosen contact when several share the number (once).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        inventory: ZohoInventoryClient,
        crm: ZohoCrmClient,
        *,
        max_age_seconds: float = 24 * 3600,
        note_duplicates: bool = True,
    ) -> None:
        self.pool = pool
        self.inventory = inventory
        self.crm = crm
        self.max_age = timedelta(seconds=max_age_seconds)
        self.note_duplicates = note_duplicates

    async def cached(self, thread_id: str) -> CustomerRecord | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT record FROM customer_links WHERE thread_id = %s AND updated_at > now() - %s",
                    (thread_id, self.max_age),
                )
            ).fetchone()
        return CustomerRecord.from_json(row["record"]) if row else None

    async def save(self, thread_id: str, record: CustomerRecord) -> CustomerRecord:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO customer_links (thread_id, phone, record) VALUES (%s, %s, %s) "
                "ON CONFLICT (thread_id) DO UPDATE SET phone = EXCLUDED.phone, record = EXCLUDED.record, "
                "updated_at = now()",
                (thread_id, record.phone, json.dumps(record.to_json())),
            )
        return record

    async def update(self, thread_id: str, **changes: Any) -> CustomerRecord | None:
        """Change fields of the cached record (e.g. the Inventory contact id after it was created)."""
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute("SELECT record FROM customer_links WHERE thread_id = %s", (thread_id,))
            ).fetchone()
        if row is None:
            return None
        record = replace(CustomerRecord.from_json(row["record"]), **changes)
        return await self.save(thread_id, record)

    async def forget(self, thread_id: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute("DELETE FROM customer_links WHERE thread_id = %s", (thread_id,))

    async def identify(self, thread_id: str, chat_id: str, *, refresh: bool = False) -> CustomerRecord:
        """The customer behind `chat_id` (a Wazzup chat id or any phone shape); cached per `thread_id`."""
        phone = phone_to_e164(chat_id)
        if phone is None:
            raise InvalidPhone(f"not a phone number: {chat_id!r}")
        if not refresh:
            cached = await self.cached(thread_id)
            if cached is not None and cached.phone == phone:
                return cached
        record = await self.lookup(phone, thread_id=thread_id)
        return await self.save(thread_id, record)

    async def lookup(self, phone: str, *, thread_id: str = "") -> CustomerRecord:
        """Ask Zoho (no cache)."""
        crm_contacts = await self.crm.search_contacts_by_phone(phone)
        inventory_contacts = await self.inventory.find_contacts_by_phone(phone, include_inactive=True)
        active = [c for c in inventory_contacts if c.is_active]
        inactive = [c for c in inventory_contacts if not c.is_active]
        notes: list[str] = []
        chosen_inventory: InventoryContact | None = None
        if active:
            # already ordered: active first, then oldest, then id
            chosen_inventory = await self.inventory.get_contact(active[0].contact_id) or active[0]
            if len(active) > 1:
                others = ", ".join(f"{c.contact_id} ({c.contact_name})" for c in active[1:])
                notes.append(
                    f"{len(active)} Inventory contacts share {phone}; using {chosen_inventory.contact_id} "
                    f"({chosen_inventory.contact_name}, the oldest); also {others}."
                )
        if inactive and not active:
            notes.append(
                f"Only inactive Inventory contacts have {phone}: "
                + ", ".join(f"{c.contact_id} ({c.contact_name})" for c in inactive)
                + "; a new contact will be created for an order."
            )
        chosen_crm = pick_crm_contact(crm_contacts, chosen_inventory.email if chosen_inventory else "")
        if chosen_crm is not None and len(crm_contacts) > 1:
            others = ", ".join(c.id for c in crm_contacts if c.id != chosen_crm.id)
            why = (
                "its e-mail matches the Inventory contact"
                if chosen_inventory
                and chosen_inventory.email
                and chosen_crm.Email.strip().lower() == chosen_inventory.email.strip().lower()
                else "the oldest"
            )
            notes.append(
                f"{len(crm_contacts)} CRM contacts share {phone}; using {chosen_crm.id} ({why}); also {others}."
            )
        name, first = ("", "")
        if chosen_crm is not None:
            name, first = crm_name(chosen_crm)
        if not name and chosen_inventory is not None:
            name, first = inventory_name(chosen_inventory)
        company = ""
        if chosen_inventory is not None:
            if chosen_inventory.customer_sub_type.lower() == INDIVIDUAL:
                company = INDIVIDUAL
            else:
                company = _clean(chosen_inventory.company_name) or _clean(chosen_inventory.contact_name)
        if not company and chosen_crm is not None and chosen_crm.Account_Name is not None:
            company = _clean(chosen_crm.Account_Name.name)
        email = (chosen_inventory.email if chosen_inventory else "") or (chosen_crm.Email if chosen_crm else "")
        record = CustomerRecord(
            phone=phone,
            name=name,
            first_name=first,
            company=company,
            email=email.strip(),
            crm_contact_id=chosen_crm.id if chosen_crm else "",
            inventory_contact_id=chosen_inventory.contact_id if chosen_inventory else "",
            pricebook_id=(chosen_inventory.pricebook_id or "") if chosen_inventory else "",
            pricebook_name=chosen_inventory.pricebook_name if chosen_inventory else "",
            returning=chosen_crm is not None or chosen_inventory is not None,
            has_bought=chosen_inventory is not None,
            duplicate_crm_contact_ids=tuple(c.id for c in crm_contacts if chosen_crm and c.id != chosen_crm.id),
            duplicate_inventory_contact_ids=tuple(
                c.contact_id for c in active if chosen_inventory and c.contact_id != chosen_inventory.contact_id
            ),
            notes=tuple(notes),
        )
        for note in notes:
            log.info("customer %s: %s", phone, note)
        if self.note_duplicates and chosen_crm is not None and notes:
            duplicates = sorted(record.duplicate_crm_contact_ids + record.duplicate_inventory_contact_ids)
            key = f"duplicates:{phone}:{','.join(duplicates) or 'inactive'}"
            try:
                await write_note_once(
                    self.pool,
                    self.crm,
                    key=key,
                    thread_id=thread_id,
                    module="Contacts",
                    record_id=chosen_crm.id,
                    title="Noor: duplicate contacts",
                    content=" ".join(notes),
                )
            except Exception:  # a note is a courtesy: never fail identification for it
                log.exception("could not write the duplicates note for %s", phone)
        return record
