"""The harness's hands on the fake services: seed a scenario's initial state, read the final state.

Everything goes over HTTP through the fakes' control APIs (`/_control/...`) and the same Zoho endpoints a
Zoho user would call, with an OAuth refresh token of the harness's own (so the service's refresh budget
is untouched).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar, TypedDict

import httpx

from evals.scenario import CrmContactSeed, StockOverride
from sandbox.seed import demo_items, demo_pricebooks
from sandbox.zoho.oauth import CRM_SCOPE, INVENTORY_SCOPE

EVAL_REFRESH_TOKENS = {"inventory": "evals-inventory-refresh-token", "crm": "evals-crm-refresh-token"}
SCOPES = {"inventory": INVENTORY_SCOPE, "crm": CRM_SCOPE}
CLIENT_ID = "demo-client-id"
CLIENT_SECRET = "demo-client-secret"
ORGANIZATION_ID = "20071234567"


@cache
def item_ids_by_sku() -> dict[str, str]:
    return {str(item["sku"]): str(item["item_id"]) for item in demo_items()}


class CatalogView(TypedDict):
    """What the service's catalog search should show for an item: price, stock, and whether it is listed."""

    price: float
    available_stock: int
    active: bool


def catalog_view(item: dict[str, Any]) -> CatalogView:
    return {
        "price": float(item["rate"]),
        "available_stock": int(item["available_stock"]),
        "active": item.get("status", "active") == "active",
    }


@cache
def seeded_items() -> dict[str, dict[str, Any]]:
    return {str(item["sku"]): dict(item) for item in demo_items()}


def pricebook_id(name_or_id: str) -> str:
    for book in demo_pricebooks():
        if name_or_id in (book["pricebook_id"], book["name"]):
            return str(book["pricebook_id"])
    raise ValueError(f"no seeded price book {name_or_id!r}")


def local_phone(chat_id: str) -> str:
    """The last 9 digits: matches every shape Zoho stores ("+971 50 …", "9715…", "050-…")."""
    return re.sub(r"\D", "", chat_id)[-9:]


class Fakes:
    # Access tokens per sandbox and product, shared by every run against the same service: like the real
    # client, refresh only when needed (the fake Zoho, like Zoho, throttles after 10 refreshes in 10 minutes).
    _shared_tokens: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base = f"{base_url}/sandbox"
        self.http = http
        self._tokens = self._shared_tokens.setdefault(self.base, {})

    # ---- Zoho auth ---------------------------------------------------------------------------------

    async def _token(self, product: str) -> str:
        if product not in self._tokens:
            refresh = EVAL_REFRESH_TOKENS[product]
            registered = await self.http.post(
                f"{self.base}/zoho/_control/oauth/refresh_tokens",
                json={"refresh_token": refresh, "scope": SCOPES[product]},
            )
            registered.raise_for_status()
            answer = await self.http.post(
                f"{self.base}/zoho/oauth/v2/token",
                params={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                },
            )
            answer.raise_for_status()
            self._tokens[product] = str(answer.json()["access_token"])
        return self._tokens[product]

    async def _zoho(self, product: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Zoho-oauthtoken {await self._token(product)}"}
        if product == "inventory":
            url = f"{self.base}/zoho/inventory/v1{path}"
            kwargs["params"] = {"organization_id": ORGANIZATION_ID, **(kwargs.get("params") or {})}
        else:
            url = f"{self.base}/zoho/crm/v7{path}"
        response = await self.http.request(method, url, headers=headers, **kwargs)
        if response.status_code == 401:  # a reset or an expiry drill: get a new token once
            self._tokens.pop(product, None)
            headers = {"Authorization": f"Zoho-oauthtoken {await self._token(product)}"}
            response = await self.http.request(method, url, headers=headers, **kwargs)
        return response

    # ---- initial state -----------------------------------------------------------------------------

    async def create_customer(self, seed: CrmContactSeed, chat_id: str) -> dict[str, str]:
        phone = f"+{chat_id}"
        record: dict[str, Any] = {"First_Name": seed.first_name, "Last_Name": seed.last_name or seed.first_name}
        record.update({"Phone": phone, "Mobile": phone})
        if seed.email:
            record["Email"] = seed.email
        created = await self._zoho("crm", "POST", "/Contacts", json={"data": [record]})
        created.raise_for_status()
        ids = {"crm_contact_id": str(created.json()["data"][0]["details"]["id"])}
        if seed.inventory_contact:
            name = seed.company or f"{seed.first_name} {seed.last_name}".strip()
            body: dict[str, Any] = {
                "contact_name": f"{name} ({chat_id[-4:]})",
                "company_name": seed.company or "",
                "first_name": seed.first_name,
                "last_name": seed.last_name,
                "email": seed.email or "",
                "mobile": phone,
                "customer_sub_type": "business" if seed.company else "individual",
            }
            if seed.pricebook:
                body["pricebook_id"] = pricebook_id(seed.pricebook)
            contact = await self._zoho("inventory", "POST", "/contacts", json=body)
            contact.raise_for_status()
            ids["inventory_contact_id"] = str(contact.json()["contact"]["contact_id"])
        return ids

    async def override_stock(self, overrides: list[StockOverride]) -> dict[str, CatalogView]:
        """Change items as a Zoho user would; returns what the catalog should show for each SKU now."""
        shown: dict[str, CatalogView] = {}
        for override in overrides:
            item_id = item_ids_by_sku().get(override.sku)
            if item_id is None:
                raise ValueError(f"no seeded item with SKU {override.sku!r}")
            changes = override.model_dump(exclude={"sku"}, exclude_none=True)
            if "available_stock" in changes:
                changes["stock_on_hand"] = changes["actual_available_stock"] = changes["available_stock"]
            response = await self.http.patch(f"{self.base}/zoho/_control/inventory/items/{item_id}", json=changes)
            response.raise_for_status()
            shown[override.sku] = catalog_view({**seeded_items()[override.sku], **changes})
        return shown

    async def restore_stock(self, overrides: list[StockOverride]) -> dict[str, CatalogView]:
        """Put the overridden items back as seeded (a new modification, so the next sync takes it)."""
        restored: dict[str, CatalogView] = {}
        for override in overrides:
            item = seeded_items()[override.sku]
            changes = {k: item[k] for k in override.model_dump(exclude={"sku"}, exclude_none=True) if k in item}
            if "available_stock" in changes:
                for key in ("stock_on_hand", "actual_available_stock"):
                    if key in item:
                        changes[key] = item[key]
            response = await self.http.patch(
                f"{self.base}/zoho/_control/inventory/items/{item['item_id']}", json=changes
            )
            response.raise_for_status()
            restored[override.sku] = catalog_view(item)
        return restored

    async def reset_zoho(self) -> None:
        (await self.http.post(f"{self.base}/zoho/_control/reset")).raise_for_status()

    async def clear_zoho_requests(self) -> None:
        (await self.http.delete(f"{self.base}/zoho/_control/requests")).raise_for_status()

    async def zoho_requests(self) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.base}/zoho/_control/requests", params={"limit": 10_000})
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()["requests"]
        return requests

    async def operator_says(self, chat_id: str, text: str) -> str:
        """A person writes from the business phone: Wazzup sends us an echo that is not ours."""
        response = await self.http.post(f"{self.base}/wazzup/_control/operator", json={"chatId": chat_id, "text": text})
        response.raise_for_status()
        return str(response.json()["payload"]["messageId"])

    # ---- final state -------------------------------------------------------------------------------

    async def wazzup_sent(self, chat_id: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.base}/wazzup/sent", params={"chatId": chat_id})
        response.raise_for_status()
        sent: list[dict[str, Any]] = response.json()
        return sent

    async def sales_orders(self, chat_id: str) -> list[dict[str, Any]]:
        """Every sales order of every Inventory contact with this phone, with its lines."""
        contacts = await self._zoho("inventory", "GET", "/contacts", params={"phone_contains": local_phone(chat_id)})
        contacts.raise_for_status()
        orders: list[dict[str, Any]] = []
        for contact in contacts.json().get("contacts", []):
            listed = await self._zoho("inventory", "GET", "/salesorders", params={"customer_id": contact["contact_id"]})
            listed.raise_for_status()
            for summary in listed.json().get("salesorders", []):
                detail = await self._zoho("inventory", "GET", f"/salesorders/{summary['salesorder_id']}")
                detail.raise_for_status()
                body = detail.json()
                orders.append(body.get("salesorder") or body.get("sales_order") or summary)
        return orders

    async def crm_contacts(self, chat_id: str) -> list[dict[str, Any]]:
        found = await self._zoho("crm", "GET", "/Contacts/search", params={"phone": f"+{chat_id}"})
        if found.status_code == 204:
            found = await self._zoho("crm", "GET", "/Contacts/search", params={"phone": chat_id})
        if found.status_code == 204:
            return []
        found.raise_for_status()
        records: list[dict[str, Any]] = found.json().get("data", [])
        return records

    async def deals(self, chat_id: str) -> list[dict[str, Any]]:
        contact_ids = {str(c["id"]) for c in await self.crm_contacts(chat_id)}
        if not contact_ids:
            return []
        deals: list[dict[str, Any]] = []
        page = 1
        while True:
            listed = await self._zoho(
                "crm",
                "GET",
                "/Deals",
                params={"fields": "Deal_Name,Stage,Amount,Contact_Name", "per_page": 200, "page": page},
            )
            if listed.status_code == 204:
                break
            listed.raise_for_status()
            body = listed.json()
            deals += [d for d in body.get("data", []) if str((d.get("Contact_Name") or {}).get("id")) in contact_ids]
            if not body.get("info", {}).get("more_records"):
                break
            page += 1
        return deals

    async def notes(self, module: str, record_id: str) -> list[dict[str, Any]]:
        """The notes on one Zoho CRM record (e.g. a deal), as a Zoho user would list them."""
        listed = await self._zoho("crm", "GET", f"/{module}/{record_id}/Notes")
        if listed.status_code == 204:
            return []
        listed.raise_for_status()
        notes: list[dict[str, Any]] = listed.json().get("data", [])
        return notes

    async def telegram_sent(self) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.base}/telegram/sent")
        response.raise_for_status()
        sent: list[dict[str, Any]] = response.json()
        return sent
