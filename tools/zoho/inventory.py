"""Typed async client for Zoho Inventory API v1 (docs/contracts.md §3).

Every request carries `organization_id` and `Authorization: Zoho-oauthtoken …`; 401 code 57 refreshes the
token once and retries; 429 codes 44/1070 back off honouring Retry-After (code 45, the daily quota, raises
`ZohoRateLimited` unless Retry-After says it lifts within `max_wait_seconds`); a shared `ZohoRateLimiter`
keeps the process under 100 requests/minute and the concurrency cap; GETs are retried on transport errors
and 5xx, POSTs never blindly.
Sales orders are created at most once per `reference_number` (`create_sales_order_once`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from tools.zoho.errors import ZohoBadResponse, ZohoError, ZohoNotFound, ZohoRequestError, ZohoUnknownOutcome
from tools.zoho.models import (
    ContactPage,
    InventoryContact,
    Item,
    ItemPage,
    NewContact,
    NewSalesOrder,
    PageContext,
    Pricebook,
    SalesOrder,
    SalesOrderPage,
    format_inventory_time,
)
from tools.zoho.phone import phone_to_e164, phone_variants
from tools.zoho.transport import ZohoHttp

log = logging.getLogger(__name__)

MAX_PER_PAGE = 200
SALES_ORDER_KEYS = ("salesorder", "sales_order", "saleorder")


@dataclass(frozen=True)
class SalesOrderResult:
    order: SalesOrder
    created: bool  # False: an order with this reference_number already existed


class ZohoInventoryClient(ZohoHttp):
    """Zoho Inventory v1.

    Args:
        base_url: e.g. "https://www.zohoapis.eu/inventory/v1" (the fake: ".../sandbox/zoho/inventory/v1").
        organization_id: sent on every request.
        tokens: a `TokenProvider`, normally `ZohoTokenCache(product="inventory", ...)`.
        http, limiter, timeout_seconds, max_retries, backoff_seconds, backoff_cap_seconds, max_wait_seconds,
        clock, sleep: see `ZohoHttp` (pass a shared `ZohoRateLimiter` to every client of the same org).
    """

    product = "zoho-inventory"

    def __init__(self, *, base_url: str, organization_id: str, **kwargs: Any) -> None:
        super().__init__(base_url=base_url, **kwargs)
        self.organization_id = organization_id

    # ---- product hooks -------------------------------------------------------------------------------

    def _token_rejected(self, response: httpx.Response) -> bool:
        # 57: expired/invalid token ("You are not authorized…"); 14: malformed header. Both may be cured by a
        # fresh token; a second 401 after the refresh raises ZohoAuthError (e.g. missing scope, wrong org).
        return response.status_code == 401

    def _quota_exhausted(self, response: httpx.Response) -> bool:
        # 45: the org's daily quota; backing off for seconds will not lift it, a short Retry-After (the day ends) will.
        return self._rate_code(response) == 45

    # ---- plumbing ------------------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> dict[str, Any]:
        query = {"organization_id": self.organization_id, **{k: v for k, v in (params or {}).items() if v is not None}}
        response = await self.request(method, path, params=query, json=json)
        return self._envelope(response, method, path)

    def _envelope(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        body = self._body(response)
        if not isinstance(body, dict):
            raise ZohoBadResponse(
                f"Zoho Inventory {method} {path}: HTTP {response.status_code} without a JSON object",
                status=response.status_code,
            )
        code = body.get("code", 0)
        if response.status_code < 400 and code in (0, "0"):
            return body
        message = str(body.get("message") or "")
        if response.status_code == 404 or code == 1002:
            raise ZohoNotFound(
                f"Zoho Inventory {method} {path}: {message}", status=response.status_code, code=code, body=body
            )
        raise ZohoRequestError(
            f"Zoho Inventory {method} {path}: code {code}: {message}", status=response.status_code, code=code, body=body
        )

    # ---- items ---------------------------------------------------------------------------------------

    async def list_items(
        self,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        status: str | None = None,
        search_text: str | None = None,
        last_modified_time: datetime | str | None = None,
        sort_column: str | None = None,
        sort_order: str | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> ItemPage:
        """One page of `GET /items`. `last_modified_time` returns items modified at/after it (incremental)."""
        since = (
            format_inventory_time(last_modified_time)
            if isinstance(last_modified_time, datetime)
            else last_modified_time
        )
        params = {
            "page": page,
            "per_page": min(per_page, MAX_PER_PAGE),
            "status": status,
            "search_text": search_text,
            "last_modified_time": since,
            "sort_column": sort_column,
            "sort_order": sort_order,
            **(filters or {}),
        }
        return ItemPage.model_validate(await self._call("GET", "/items", params=params))

    async def iter_item_pages(self, **kwargs: Any) -> AsyncIterator[ItemPage]:
        """Every page (`page_context.has_more_page`), from page 1; same filters as `list_items`."""
        page = kwargs.pop("page", 1)
        while True:
            result = await self.list_items(page=page, **kwargs)
            yield result
            if not result.page_context.has_more_page or not result.items:
                return
            page += 1

    async def iter_items(self, **kwargs: Any) -> AsyncIterator[Item]:
        async for result in self.iter_item_pages(**kwargs):
            for item in result.items:
                yield item

    async def get_item(self, item_id: str) -> Item | None:
        try:
            body = await self._call("GET", f"/items/{item_id}")
        except ZohoNotFound:
            return None
        return Item.model_validate(body["item"])

    async def get_items(self, item_ids: Iterable[str], *, chunk: int = 100) -> list[Item]:
        """Bulk details through `GET /itemdetails?item_ids=a,b,c` (unknown ids are simply absent)."""
        ids = list(dict.fromkeys(item_ids))
        found: list[Item] = []
        for start in range(0, len(ids), chunk):
            body = await self._call("GET", "/itemdetails", params={"item_ids": ",".join(ids[start : start + chunk])})
            found += [Item.model_validate(i) for i in body.get("items", [])]
        return found

    # ---- contacts ------------------------------------------------------------------------------------

    async def list_contacts(
        self, *, page: int = 1, per_page: int = MAX_PER_PAGE, filters: Mapping[str, str] | None = None
    ) -> ContactPage:
        params = {"page": page, "per_page": min(per_page, MAX_PER_PAGE), **(filters or {})}
        return ContactPage.model_validate(await self._call("GET", "/contacts", params=params))

    async def _all_contacts(self, filters: Mapping[str, str]) -> list[InventoryContact]:
        found: list[InventoryContact] = []
        page = 1
        while True:
            result = await self.list_contacts(page=page, filters=filters)
            found += result.contacts
            if not result.page_context.has_more_page or not result.contacts:
                return found
            page += 1

    async def find_contacts_by_phone(self, phone: str, *, include_inactive: bool = False) -> list[InventoryContact]:
        """Contacts whose phone, mobile or contact person has this number, however it was typed into Zoho.

        Zoho matches the stored string, and people store "+971 50 123 4567", "050-1234567", "971501234567"…
        One `phone_contains=<last 4 digits>` request (the last four are contiguous in every UAE format), then
        an exact E.164 comparison on our side. For other countries, whose formats may split the last four
        ("+7 916 482-31-07"), exact `phone=` lookups of that country's usual shapes follow if nothing matched.
        Sorted active first, then oldest (a deterministic pick when one number has several contacts).
        """
        e164 = phone_to_e164(phone)
        if e164 is None:
            return []
        matches: dict[str, InventoryContact] = {}

        def keep(candidates: Iterable[InventoryContact]) -> None:
            for contact in candidates:
                if e164 in contact.phones:
                    matches.setdefault(contact.contact_id, contact)

        keep(await self._all_contacts({"phone_contains": e164[-4:]}))
        if not matches and not e164.startswith("+971"):
            for variant in phone_variants(e164)[3:8]:
                keep(await self._all_contacts({"phone": variant}))
                if matches:
                    break
        found = [c for c in matches.values() if include_inactive or c.is_active]
        return sorted(found, key=lambda c: (not c.is_active, c.created_time, c.contact_id))

    async def get_contact(self, contact_id: str) -> InventoryContact | None:
        try:
            body = await self._call("GET", f"/contacts/{contact_id}")
        except ZohoNotFound:
            return None
        return InventoryContact.model_validate(body["contact"])

    async def create_contact(self, contact: NewContact) -> InventoryContact:
        """`POST /contacts`. Not retried after an ambiguous failure (raises `ZohoUnknownOutcome`): look the
        contact up by phone or name before trying again. A duplicate `contact_name` is a `ZohoRequestError`."""
        body = await self._call("POST", "/contacts", json=contact.model_dump(mode="json", exclude_none=True))
        return InventoryContact.model_validate(body["contact"])

    # ---- price books ---------------------------------------------------------------------------------

    async def list_pricebooks(self) -> list[Pricebook]:
        found: list[Pricebook] = []
        page = 1
        while True:
            body = await self._call("GET", "/pricebooks", params={"page": page, "per_page": MAX_PER_PAGE})
            found += [Pricebook.model_validate(p) for p in body.get("pricebooks", [])]
            context = PageContext.model_validate(body.get("page_context") or {})
            if not context.has_more_page:
                return found
            page += 1

    async def get_pricebook(self, pricebook_id: str) -> Pricebook | None:
        try:
            body = await self._call("GET", f"/pricebooks/{pricebook_id}")
        except ZohoNotFound:
            return None
        return Pricebook.model_validate(body["pricebook"])

    # ---- sales orders --------------------------------------------------------------------------------

    @staticmethod
    def _sales_order(body: Mapping[str, Any]) -> SalesOrder:
        for key in SALES_ORDER_KEYS:
            if isinstance(body.get(key), dict):
                return SalesOrder.model_validate(body[key])
        raise ZohoBadResponse(f"no sales order in the response (keys: {sorted(body)})", body=dict(body))

    async def create_sales_order(self, order: NewSalesOrder) -> SalesOrder:
        """A single `POST /salesorders`. Raises `ZohoUnknownOutcome` on 5xx/timeout (never retried here);
        prefer `create_sales_order_once`."""
        body = await self._call("POST", "/salesorders", json=order.payload())
        return self._sales_order(body)

    async def find_sales_orders(self, reference_number: str) -> list[SalesOrder]:
        """Orders with this exact `reference_number` (listing summaries: no line items), oldest first."""
        found: list[SalesOrder] = []
        page = 1
        while True:
            result = await self.list_sales_orders(page=page, filters={"reference_number": reference_number})
            found += [o for o in result.salesorders if o.reference_number == reference_number]
            if not result.page_context.has_more_page:
                break
            page += 1
        return sorted(found, key=lambda o: (o.status == "void", o.created_time, o.salesorder_id))

    async def create_sales_order_once(self, order: NewSalesOrder, *, max_posts: int = 2) -> SalesOrderResult:
        """Create the order unless one with its `reference_number` exists; safe to call again and again.

        Looks up by reference first; after a 5xx or timeout on the POST (the order may exist) looks up again
        before ever re-sending; re-sends at most `max_posts - 1` times, and only when the lookup is empty.
        """
        reference = order.reference_number
        existing = await self.find_sales_orders(reference)
        if existing:
            full = await self.get_sales_order(existing[0].salesorder_id)
            return SalesOrderResult(full or existing[0], created=False)
        last_error: ZohoError | None = None
        for attempt in range(max_posts):
            try:
                created = await self.create_sales_order(order)
                return SalesOrderResult(created, created=True)
            except ZohoUnknownOutcome as exc:
                last_error = exc
                log.warning("sales order %s: ambiguous failure (%s); checking before retrying", reference, exc)
            landed = await self.find_sales_orders(reference)
            if landed:
                full = await self.get_sales_order(landed[0].salesorder_id)
                return SalesOrderResult(full or landed[0], created=True)
            if attempt + 1 < max_posts:
                await self.sleep(self._backoff(attempt))
        assert last_error is not None
        raise last_error

    async def list_sales_orders(
        self, *, page: int = 1, per_page: int = MAX_PER_PAGE, filters: Mapping[str, str] | None = None
    ) -> SalesOrderPage:
        """`GET /salesorders` (filters e.g. reference_number, customer_id, salesorder_number, status)."""
        params = {"page": page, "per_page": min(per_page, MAX_PER_PAGE), **(filters or {})}
        return SalesOrderPage.model_validate(await self._call("GET", "/salesorders", params=params))

    async def get_sales_order(self, salesorder_id: str) -> SalesOrder | None:
        try:
            body = await self._call("GET", f"/salesorders/{salesorder_id}")
        except ZohoNotFound:
            return None
        return self._sales_order(body)

    async def find_sales_order_by_number(self, salesorder_number: str) -> SalesOrder | None:
        result = await self.list_sales_orders(filters={"salesorder_number": salesorder_number.strip()})
        if not result.salesorders:
            return None
        return await self.get_sales_order(result.salesorders[0].salesorder_id)

    async def confirm_sales_order(self, salesorder_id: str) -> None:
        """draft → confirmed (repeating it is harmless, so it may be retried)."""
        await self._status(salesorder_id, "confirmed")

    async def void_sales_order(self, salesorder_id: str) -> None:
        await self._status(salesorder_id, "void")

    async def _status(self, salesorder_id: str, status: str) -> None:
        path = f"/salesorders/{salesorder_id}/status/{status}"
        query = {"organization_id": self.organization_id}
        response = await self.request("POST", path, params=query, retry_unsafe=True)
        self._envelope(response, "POST", path)

    async def get_sales_order_pdf(self, salesorder_id: str) -> bytes:
        """The order as Zoho renders it (`?accept=pdf`). A 200 that is not a PDF (an HTML login page, a JSON
        error) raises `ZohoBadResponse`; callers then render their own."""
        path = f"/salesorders/{salesorder_id}"
        response = await self.request("GET", path, params={"organization_id": self.organization_id, "accept": "pdf"})
        if response.status_code == 200 and response.content.startswith(b"%PDF-"):
            return response.content
        if response.status_code >= 400:
            self._envelope(response, "GET", path)
        raise ZohoBadResponse(
            f"Zoho Inventory GET {path}?accept=pdf answered {response.status_code} "
            f"{response.headers.get('content-type', '?')} instead of a PDF",
            status=response.status_code,
            body=response.text[:300],
        )
