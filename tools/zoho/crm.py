"""Typed async client for Zoho CRM API v7 (docs/contracts.md §4): contacts by phone, deals, notes.

`data[]` envelopes; 204 (empty body) means "nothing found"; top-level 401 INVALID_TOKEN refreshes the
token once and retries; 429 TOO_MANY_REQUESTS backs off; record-level errors inside `data[i]` raise
`ZohoCrmRecordError` with the offending field's `api_name`. Writes (POST) are never blindly retried: a
5xx/timeout raises `ZohoUnknownOutcome`. Search has an indexing delay, so `ensure_contact_by_phone` upserts
with a duplicate check on the E.164 number instead of trusting search-then-create.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from pydantic import Field

from tools.zoho.errors import ZohoBadResponse, ZohoCrmRecordError, ZohoRequestError
from tools.zoho.models import Number, OptionalId, Text, ZohoId, ZohoModel
from tools.zoho.phone import national_number, phone_to_e164, phones_in
from tools.zoho.transport import ZohoHttp

log = logging.getLogger(__name__)

CONTACT_PHONE_FIELDS = ("Mobile", "Phone", "Home_Phone", "Other_Phone", "Asst_Phone")


class Lookup(ZohoModel):
    id: ZohoId
    name: Text = ""


class CrmContact(ZohoModel):
    id: ZohoId
    First_Name: Text = ""
    Last_Name: Text = ""
    Full_Name: Text = ""
    Email: Text = ""
    Phone: Text = ""
    Mobile: Text = ""
    Account_Name: Lookup | None = None
    Owner: Lookup | None = None
    Lead_Source: Text = ""
    Description: Text = ""
    Created_Time: Text = ""
    Modified_Time: Text = ""

    @property
    def phones(self) -> list[str]:
        extra = self.model_extra or {}
        values = [self.Mobile, self.Phone] + [str(extra.get(name) or "") for name in CONTACT_PHONE_FIELDS[2:]]
        found: list[str] = []
        for value in values:
            for number in phones_in(value):
                if number not in found:
                    found.append(number)
        return found


class Deal(ZohoModel):
    id: ZohoId
    Deal_Name: Text = ""
    Stage: Text = ""
    Pipeline: Text = ""
    Amount: Number = None
    Closing_Date: Text = ""
    Probability: Number = None
    Contact_Name: Lookup | None = None
    Account_Name: Lookup | None = None
    Owner: Lookup | None = None
    Lead_Source: Text = ""
    Description: Text = ""
    Created_Time: Text = ""
    Modified_Time: Text = ""


class NoteModule(ZohoModel):
    api_name: Text = ""
    id: OptionalId = None


class NoteParent(ZohoModel):
    id: ZohoId
    name: Text = ""
    module: NoteModule | None = None


class Note(ZohoModel):
    id: ZohoId
    Note_Title: Text = ""
    Note_Content: Text = ""
    Parent_Id: NoteParent | None = None
    Created_Time: Text = ""


class NewCrmContact(ZohoModel):
    Last_Name: str = Field(min_length=1)
    First_Name: str | None = None
    Mobile: str | None = None
    Phone: str | None = None
    Email: str | None = None
    Lead_Source: str | None = None
    Description: str | None = None
    Account_Name: dict[str, str] | None = None  # {"id": "..."}


class NewDeal(ZohoModel):
    Deal_Name: str = Field(min_length=1)
    Stage: str
    Pipeline: str = "Standard (Standard)"
    Amount: Decimal | None = None
    Closing_Date: date | None = None
    Contact_Name: str | None = None  # the CRM contact id
    Lead_Source: str | None = None
    Description: str | None = None

    def record(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        if self.Amount is not None:
            data["Amount"] = float(self.Amount)
        if self.Contact_Name is not None:
            data["Contact_Name"] = {"id": self.Contact_Name}
        return data


@dataclass(frozen=True)
class WriteResult:
    id: str
    action: str | None = None  # "insert" | "update" on upsert
    duplicate_field: str | None = None


@dataclass(frozen=True)
class RecordPage:
    records: list[dict[str, Any]]
    more_records: bool
    page: int


class ZohoCrmClient(ZohoHttp):
    """Zoho CRM v7.

    Args:
        base_url: e.g. "https://www.zohoapis.eu/crm/v7" (the fake: ".../sandbox/zoho/crm/v7").
        tokens: a `TokenProvider`, normally `ZohoTokenCache(product="crm", ...)` (needs
            ZohoCRM.modules.ALL and ZohoSearch.securesearch.READ).
        http, limiter, timeout_seconds, max_retries, backoff_seconds, ..., clock, sleep: see `ZohoHttp`.
    """

    product = "zoho-crm"

    # ---- product hooks -------------------------------------------------------------------------------

    def _token_rejected(self, response: httpx.Response) -> bool:
        body = self._body(response)
        return response.status_code == 401 and isinstance(body, dict) and body.get("code") == "INVALID_TOKEN"

    # ---- plumbing ------------------------------------------------------------------------------------

    async def _read(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        response = await self.request("GET", path, params={k: v for k, v in (params or {}).items() if v is not None})
        if response.status_code == 204 or not response.content:
            return None
        return self._checked(response, "GET", path)

    def _checked(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        body = self._body(response)
        if not isinstance(body, dict):
            raise ZohoBadResponse(
                f"Zoho CRM {method} {path}: HTTP {response.status_code} without JSON", status=response.status_code
            )
        if response.status_code >= 400 and "data" not in body:
            raise ZohoRequestError(
                f"Zoho CRM {method} {path}: {body.get('code')}: {body.get('message')}",
                status=response.status_code,
                code=body.get("code"),
                body=body,
            )
        return body

    async def _write(self, method: str, path: str, payload: dict[str, Any]) -> list[WriteResult]:
        response = await self.request(method, path, json=payload, retry_unsafe=method == "PUT")
        body = self._checked(response, method, path)
        results: list[WriteResult] = []
        for item in body.get("data") or []:
            if not isinstance(item, dict):
                continue
            if item.get("status") != "success":
                raw_details = item.get("details")
                details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
                raise ZohoCrmRecordError(
                    str(item.get("message") or "record error"),
                    code=str(item.get("code") or "ERROR"),
                    api_name=details.get("api_name"),
                    json_path=details.get("json_path"),
                    details=details,
                    status=response.status_code,
                )
            written = item.get("details") or {}
            results.append(WriteResult(str(written.get("id")), item.get("action"), item.get("duplicate_field")))
        if not results:
            raise ZohoBadResponse(f"Zoho CRM {method} {path}: no result in {body}", body=body)
        return results

    # ---- generic records -----------------------------------------------------------------------------

    async def get_record(self, module: str, record_id: str) -> dict[str, Any] | None:
        body = await self._read(f"/{module}/{record_id}")
        data = (body or {}).get("data") or []
        return data[0] if data else None

    async def list_records(
        self, module: str, fields: Sequence[str], *, page: int = 1, per_page: int = 200, sort_by: str | None = None
    ) -> RecordPage:
        """`GET /{module}?fields=…` (fields are mandatory in v7)."""
        params = {"fields": ",".join(fields), "page": page, "per_page": per_page, "sort_by": sort_by}
        body = await self._read(f"/{module}", params)
        if body is None:
            return RecordPage([], False, page)
        info = body.get("info") or {}
        return RecordPage(list(body.get("data") or []), bool(info.get("more_records")), page)

    async def search(
        self,
        module: str,
        *,
        criteria: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
        page: int = 1,
        per_page: int = 200,
    ) -> list[dict[str, Any]]:
        """`GET /{module}/search`; 204 → []. Zoho uses only one of criteria > email > phone > word."""
        params = {
            "criteria": criteria,
            "email": email,
            "phone": phone,
            "word": word,
            "page": page,
            "per_page": per_page,
        }
        body = await self._read(f"/{module}/search", params)
        return list((body or {}).get("data") or [])

    # ---- contacts ------------------------------------------------------------------------------------

    async def search_contacts_by_phone(self, phone: str) -> list[CrmContact]:
        """Contacts with this number in any phone field. Tries the E.164 digits and the national form
        ("0501234567"), since Zoho compares stored values; oldest first (deterministic for duplicates)."""
        e164 = phone_to_e164(phone)
        if e164 is None:
            return []
        variants = [e164]
        national = national_number(e164)
        if national:
            variants.append(national)
        found: dict[str, CrmContact] = {}
        for variant in variants:
            for record in await self.search("Contacts", phone=variant):
                contact = CrmContact.model_validate(record)
                found.setdefault(contact.id, contact)
        return sorted(found.values(), key=lambda c: (c.Created_Time, c.id))

    async def find_contact_by_phone(self, phone: str) -> CrmContact | None:
        """The oldest contact with this number, or None (search answered 204)."""
        contacts = await self.search_contacts_by_phone(phone)
        if len(contacts) > 1:
            log.info("CRM has %d contacts for %s; using the oldest, %s", len(contacts), phone, contacts[0].id)
        return contacts[0] if contacts else None

    async def get_contact(self, contact_id: str) -> CrmContact | None:
        record = await self.get_record("Contacts", contact_id)
        return CrmContact.model_validate(record) if record else None

    async def create_contact(self, contact: NewCrmContact) -> str:
        results = await self._write("POST", "/Contacts", {"data": [contact.model_dump(mode="json", exclude_none=True)]})
        return results[0].id

    async def upsert_contact(
        self, contact: NewCrmContact, duplicate_check_fields: Sequence[str] = ("Mobile",)
    ) -> WriteResult:
        payload = {
            "data": [contact.model_dump(mode="json", exclude_none=True)],
            "duplicate_check_fields": list(duplicate_check_fields),
        }
        results = await self._write("POST", "/Contacts/upsert", payload)
        return results[0]

    async def update_contact(self, contact_id: str, fields: Mapping[str, Any]) -> str:
        results = await self._write("PUT", f"/Contacts/{contact_id}", {"data": [dict(fields)]})
        return results[0].id

    async def ensure_contact_by_phone(
        self,
        phone: str,
        *,
        last_name: str,
        first_name: str | None = None,
        email: str | None = None,
        lead_source: str | None = "WhatsApp",
        description: str | None = None,
    ) -> tuple[CrmContact | None, WriteResult]:
        """The contact for this phone: an existing one found by search, else an upsert keyed on the E.164
        `Mobile` (safe against the search indexing delay and against a duplicate call)."""
        e164 = phone_to_e164(phone)
        if e164 is None:
            raise ValueError(f"not a phone number: {phone!r}")
        existing = await self.find_contact_by_phone(e164)
        if existing is not None:
            return existing, WriteResult(existing.id, None, None)
        new = NewCrmContact(
            Last_Name=last_name,
            First_Name=first_name,
            Mobile=e164,
            Email=email,
            Lead_Source=lead_source,
            Description=description,
        )
        result = await self.upsert_contact(new, ("Mobile",))
        return await self.get_contact(result.id), result

    # ---- deals ---------------------------------------------------------------------------------------

    async def create_deal(self, deal: NewDeal) -> str:
        """`POST /Deals`. Picklist/mandatory problems raise `ZohoCrmRecordError` (api_name = the field).
        Not retried after an ambiguous failure (`ZohoUnknownOutcome`): store the returned id and look the
        deal up (e.g. `search("Deals", criteria=...)`) before creating another."""
        results = await self._write("POST", "/Deals", {"data": [deal.record()]})
        return results[0].id

    async def get_deal(self, deal_id: str) -> Deal | None:
        record = await self.get_record("Deals", deal_id)
        return Deal.model_validate(record) if record else None

    async def update_deal(
        self,
        deal_id: str,
        *,
        stage: str | None = None,
        amount: Decimal | float | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> str:
        """Move a deal (stage, amount, other fields); a PUT is idempotent, so it is retried like a read."""
        record: dict[str, Any] = dict(fields or {})
        if stage is not None:
            record["Stage"] = stage
        if amount is not None:
            record["Amount"] = float(amount)
        results = await self._write("PUT", f"/Deals/{deal_id}", {"data": [record]})
        return results[0].id

    # ---- notes ---------------------------------------------------------------------------------------

    async def create_note(self, module: str, record_id: str, content: str, *, title: str | None = None) -> str:
        """A note on a record (v7 shape: Parent_Id {module: {api_name}, id})."""
        note: dict[str, Any] = {
            "Parent_Id": {"module": {"api_name": module}, "id": record_id},
            "Note_Content": content,
        }
        if title:
            note["Note_Title"] = title
        results = await self._write("POST", "/Notes", {"data": [note]})
        return results[0].id

    async def list_notes(self, module: str, record_id: str) -> list[Note]:
        body = await self._read(
            f"/{module}/{record_id}/Notes", {"fields": "Note_Title,Note_Content,Parent_Id,Created_Time"}
        )
        return [Note.model_validate(n) for n in (body or {}).get("data") or []]
