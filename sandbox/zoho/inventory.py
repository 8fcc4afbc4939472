"""Fake Zoho Inventory API v1 routes and data (docs/contracts.md §3), seeded from the demo data.

Auth, `organization_id`, rate limits and faults are enforced by the gate in `sandbox.zoho.gate`; these
routes hold the data and the business rules (paging, filters, sales order totals, statuses, PDF).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox import seed
from sandbox.zoho.core import DUBAI, FakeClock, FakeZohoConfig, IdMaker, inventory_time, parse_zoho_time
from sandbox.zoho.pdf import render_sales_order_pdf

MAX_PER_PAGE = 200
STOCK_FIELDS = frozenset({"stock_on_hand", "available_stock", "actual_available_stock", "committed_stock"})
CENT = Decimal("0.01")


def inventory_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"true", "1", "yes"}


@dataclass
class InventoryState:
    clock: FakeClock
    config: FakeZohoConfig
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    pricebooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    salesorders: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: IdMaker = field(default_factory=lambda: IdMaker("4815000000009"))
    so_numbers: int = 0

    def seed(self) -> None:
        self.items = {item["item_id"]: copy.deepcopy(item) for item in seed.demo_items()}
        self.contacts = {c["contact_id"]: copy.deepcopy(c) for c in seed.demo_inventory_contacts()}
        self.pricebooks = {p["pricebook_id"]: copy.deepcopy(p) for p in seed.demo_pricebooks()}
        self.salesorders = {}
        self.so_numbers = 0

    def now(self) -> str:
        return inventory_time(self.clock)

    def served(self, item: dict[str, Any]) -> dict[str, Any]:
        """The item as the API returns it (stock as strings when `stock_as_strings` is on)."""
        if not self.config.stock_as_strings:
            return item
        return {k: (str(v) if k in STOCK_FIELDS and isinstance(v, int | float) else v) for k, v in item.items()}

    def patch_item(self, item_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change an item as a Zoho user would (bumps last_modified_time)."""
        item = self.items.get(item_id)
        if item is None:
            return None
        item.update(changes)
        if "name" in changes:
            item["item_name"] = changes["name"]
        item["last_modified_time"] = self.now()
        return item

    # ---- pricing -------------------------------------------------------------------------------------

    def price_for(self, item: dict[str, Any], pricebook_id: str | None) -> Decimal:
        rate = Decimal(str(item.get("rate") or 0))
        book = self.pricebooks.get(pricebook_id or "")
        if book is None:
            return rate
        if book.get("pricebook_type") == "per_item":
            for line in book.get("pricebook_items", []):
                if line.get("item_id") == item["item_id"]:
                    return Decimal(str(line["pricebook_rate"]))
            return rate
        percentage = Decimal(str(book.get("percentage") or 0))
        factor = 1 + percentage / 100 if book.get("is_increase") else 1 - percentage / 100
        return (rate * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def _discount_amount(discount: Any, base: Decimal) -> Decimal:
    if discount in (None, "", 0):
        return Decimal(0)
    text = str(discount).strip()
    if text.endswith("%"):
        pct = _decimal(text[:-1]) or Decimal(0)
        return (base * pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return _decimal(text) or Decimal(0)


def _page(
    records: list[dict[str, Any]], request: Request
) -> tuple[list[dict[str, Any]], dict[str, Any]] | JSONResponse:
    try:
        page = int(request.query_params.get("page", "1"))
        per_page = int(request.query_params.get("per_page", str(MAX_PER_PAGE)))
    except ValueError:
        return inventory_error(400, 2, "Invalid value passed for page or per_page")
    if page < 1 or per_page < 1:
        return inventory_error(400, 2, "Invalid value passed for page or per_page")
    per_page = min(per_page, MAX_PER_PAGE)
    start = (page - 1) * per_page
    chunk = records[start : start + per_page]
    context = {
        "page": page,
        "per_page": per_page,
        "has_more_page": start + per_page < len(records),
        "report_name": "",
        "applied_filter": request.query_params.get("filter_by", "Status.All"),
        "sort_column": request.query_params.get("sort_column", "name"),
        "sort_order": request.query_params.get("sort_order", "A"),
    }
    return chunk, context


def _sorted(records: list[dict[str, Any]], request: Request, default: str, default_order: str) -> list[dict[str, Any]]:
    column = request.query_params.get("sort_column", default)
    descending = request.query_params.get("sort_order", default_order).upper().startswith("D")

    def key(record: dict[str, Any]) -> tuple[int, Any]:
        value = record.get(column)
        if column.endswith("_time"):
            parsed = parse_zoho_time(str(value or ""))
            return (0, parsed.timestamp() if parsed else 0.0)
        if isinstance(value, int | float):
            return (0, float(value))
        return (0, str(value or "").lower())

    return sorted(records, key=key, reverse=descending)


def _modified_since(records: list[dict[str, Any]], since: str | None) -> list[dict[str, Any]] | None:
    if not since:
        return records
    threshold = parse_zoho_time(since)
    if threshold is None:
        return None
    kept = []
    for record in records:
        modified = parse_zoho_time(str(record.get("last_modified_time") or ""))
        if modified is not None and modified >= threshold:
            kept.append(record)
    return kept


def _text_filter(records: list[dict[str, Any]], request: Request, field_name: str) -> list[dict[str, Any]]:
    params = request.query_params
    exact = params.get(field_name)
    starts = params.get(f"{field_name}_startswith")
    contains = params.get(f"{field_name}_contains")
    if exact is None and starts is None and contains is None:
        return records
    kept = []
    for record in records:
        value = str(record.get(field_name) or "").strip().lower()
        if exact is not None and value != exact.strip().lower():
            continue
        if starts is not None and not value.startswith(starts.strip().lower()):
            continue
        if contains is not None and contains.strip().lower() not in value:
            continue
        kept.append(record)
    return kept


def _contact_phones(contact: dict[str, Any]) -> list[str]:
    phones = [str(contact.get("phone") or ""), str(contact.get("mobile") or "")]
    for person in contact.get("contact_persons") or []:
        phones += [str(person.get("phone") or ""), str(person.get("mobile") or "")]
    return [p.strip() for p in phones if p and p.strip()]


def _contact_persons(contact: dict[str, Any]) -> list[dict[str, Any]]:
    persons = contact.get("contact_persons")
    if persons:
        return list(persons)
    return [
        {
            "contact_person_id": contact["contact_id"][:-3] + "901",
            "first_name": contact.get("first_name", ""),
            "last_name": contact.get("last_name", ""),
            "email": contact.get("email", ""),
            "phone": contact.get("phone", ""),
            "mobile": contact.get("mobile", ""),
            "is_primary_contact": True,
        }
    ]


def _item_detail(item: dict[str, Any]) -> dict[str, Any]:
    detail = dict(item)
    detail.setdefault(
        "locations",
        [
            {
                "location_id": "4815000000000900001",
                "location_name": "Dubai Warehouse (Al Quoz)",
                "is_primary": True,
                "location_stock_on_hand": str(item.get("stock_on_hand", "")),
                "location_available_stock": str(item.get("available_stock", "")),
                "location_actual_available_stock": str(item.get("actual_available_stock", "")),
            }
        ],
    )
    return detail


SO_LIST_FIELDS = (
    "salesorder_id",
    "salesorder_number",
    "reference_number",
    "date",
    "shipment_date",
    "status",
    "order_status",
    "customer_id",
    "customer_name",
    "currency_code",
    "total",
    "sub_total",
    "created_time",
    "last_modified_time",
)


def inventory_router(state: InventoryState) -> APIRouter:
    router = APIRouter(prefix="/inventory/v1")

    def ok(status: int = 200, message: str = "success", **payload: Any) -> JSONResponse:
        return JSONResponse({"code": 0, "message": message, **payload}, status_code=status)

    # ---- items ---------------------------------------------------------------------------------------

    @router.get("/items")
    async def list_items(request: Request) -> Response:
        params = request.query_params
        records = list(state.items.values())
        status = params.get("status")
        filter_by = params.get("filter_by", "Status.All")
        if filter_by == "Status.Active":
            status = status or "active"
        elif filter_by == "Status.Inactive":
            status = status or "inactive"
        if status:
            records = [r for r in records if r.get("status") == status]
        search = (params.get("search_text") or "").strip().lower()
        if search:
            records = [
                r
                for r in records
                if search in str(r.get("name", "")).lower() or search in str(r.get("sku", "")).lower()
            ]
        for name in ("name", "sku"):
            records = _text_filter(records, request, name)
        if params.get("category_id"):
            records = [r for r in records if r.get("category_id") == params["category_id"]]
        modified = _modified_since(records, params.get("last_modified_time"))
        if modified is None:
            return inventory_error(400, 2, "Invalid value passed for last_modified_time")
        records = _sorted(modified, request, "name", "A")
        paged = _page(records, request)
        if isinstance(paged, JSONResponse):
            return paged
        chunk, context = paged
        return ok(items=[state.served(i) for i in chunk], page_context=context)

    @router.get("/items/{item_id}")
    async def get_item(item_id: str) -> Response:
        item = state.items.get(item_id)
        if item is None:
            return inventory_error(404, 1002, "Item does not exist.")
        return ok(item=state.served(_item_detail(item)))

    @router.get("/itemdetails")
    async def item_details(request: Request) -> Response:
        ids = [i.strip() for i in (request.query_params.get("item_ids") or "").split(",") if i.strip()]
        if not ids:
            return inventory_error(400, 2, "Invalid value passed for item_ids")
        return ok(items=[state.served(_item_detail(state.items[i])) for i in ids if i in state.items])

    # ---- contacts ------------------------------------------------------------------------------------

    @router.get("/contacts")
    async def list_contacts(request: Request) -> Response:
        params = request.query_params
        records = list(state.contacts.values())
        filter_by = params.get("filter_by", "Status.All")
        if filter_by == "Status.Active":
            records = [r for r in records if r.get("status") == "active"]
        elif filter_by == "Status.Inactive":
            records = [r for r in records if r.get("status") == "inactive"]
        phone = params.get("phone")
        starts = params.get("phone_startswith")
        contains = params.get("phone_contains")
        if phone is not None:
            records = [r for r in records if phone.strip() in _contact_phones(r)]
        if starts is not None:
            records = [r for r in records if any(p.startswith(starts.strip()) for p in _contact_phones(r))]
        if contains is not None:
            records = [r for r in records if any(contains.strip() in p for p in _contact_phones(r))]
        for name in ("contact_name", "company_name", "email"):
            records = _text_filter(records, request, name)
        search = (params.get("search_text") or "").strip().lower()
        if search:
            records = [
                r
                for r in records
                if any(search in str(r.get(k) or "").lower() for k in ("contact_name", "company_name", "email"))
            ]
        modified = _modified_since(records, params.get("last_modified_time"))
        if modified is None:
            return inventory_error(400, 2, "Invalid value passed for last_modified_time")
        records = _sorted(modified, request, "contact_name", "A")
        paged = _page(records, request)
        if isinstance(paged, JSONResponse):
            return paged
        chunk, context = paged
        listed = [{k: v for k, v in r.items() if k != "contact_persons"} for r in chunk]
        return ok(contacts=listed, page_context=context)

    @router.get("/contacts/{contact_id}")
    async def get_contact(contact_id: str) -> Response:
        contact = state.contacts.get(contact_id)
        if contact is None:
            return inventory_error(404, 1002, "Contact does not exist.")
        return ok(contact={**contact, "contact_persons": _contact_persons(contact)})

    @router.post("/contacts")
    async def create_contact(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return inventory_error(400, 4, "Invalid JSON input.")
        if not isinstance(body, dict):
            return inventory_error(400, 4, "Invalid JSON input.")
        name = str(body.get("contact_name") or "").strip()
        if not name:
            return inventory_error(400, 4, "Please enter the contact name.")
        if len(name) > 200:
            return inventory_error(400, 4, "Contact name cannot exceed 200 characters.")
        if any(str(c.get("contact_name", "")).strip().lower() == name.lower() for c in state.contacts.values()):
            return inventory_error(400, 3062, f'The contact "{name}" already exists. Please specify a different name.')
        persons = [dict(p) for p in body.get("contact_persons") or [] if isinstance(p, dict)]
        for person in persons:
            person.setdefault("contact_person_id", state.ids.next())
        primary = next((p for p in persons if p.get("is_primary_contact")), persons[0] if persons else {})
        contact_id = state.ids.next()
        now = state.now()
        contact: dict[str, Any] = {
            "contact_id": contact_id,
            "contact_name": name,
            "company_name": body.get("company_name", ""),
            "first_name": body.get("first_name", primary.get("first_name", "")),
            "last_name": body.get("last_name", primary.get("last_name", "")),
            "contact_type": body.get("contact_type", "customer"),
            "customer_sub_type": body.get("customer_sub_type", "business"),
            "status": "active",
            "currency_id": "4815000000001000090",
            "currency_code": "AED",
            "email": body.get("email", primary.get("email", "")),
            "phone": body.get("phone", primary.get("phone", "")),
            "mobile": body.get("mobile", primary.get("mobile", "")),
            "website": body.get("website", ""),
            "payment_terms": 0,
            "payment_terms_label": "Due on Receipt",
            "pricebook_id": body.get("pricebook_id", ""),
            "pricebook_name": state.pricebooks.get(body.get("pricebook_id") or "", {}).get("name", ""),
            "tax_treatment": body.get("tax_treatment", "vat_not_registered"),
            "tax_reg_no": body.get("tax_reg_no", ""),
            "place_of_contact": body.get("place_of_contact", "DU"),
            "billing_address": body.get("billing_address") or {},
            "shipping_address": body.get("shipping_address") or {},
            "custom_fields": body.get("custom_fields") or [],
            "notes": body.get("notes", ""),
            "created_time": now,
            "last_modified_time": now,
        }
        if persons:
            contact["contact_persons"] = persons
        state.contacts[contact_id] = contact
        return ok(
            201,
            "The contact has been added.",
            contact={**contact, "contact_persons": _contact_persons(contact)},
        )

    # ---- price books ---------------------------------------------------------------------------------

    @router.get("/pricebooks")
    async def list_pricebooks(request: Request) -> Response:
        records = [{k: v for k, v in p.items() if k != "pricebook_items"} for p in state.pricebooks.values()]
        paged = _page(records, request)
        if isinstance(paged, JSONResponse):
            return paged
        chunk, context = paged
        return ok(pricebooks=chunk, page_context=context)

    @router.get("/pricebooks/{pricebook_id}")
    async def get_pricebook(pricebook_id: str) -> Response:
        book = state.pricebooks.get(pricebook_id)
        if book is None:
            return inventory_error(404, 1002, "Price list does not exist.")
        return ok(pricebook=book)

    # ---- sales orders --------------------------------------------------------------------------------

    def so_response(order: dict[str, Any], status: int = 200, message: str = "success") -> JSONResponse:
        return ok(status, message, **{state.config.sales_order_key: order})

    @router.post("/salesorders")
    async def create_salesorder(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return inventory_error(400, 4, "Invalid JSON input.")
        if not isinstance(body, dict):
            return inventory_error(400, 4, "Invalid JSON input.")
        customer = state.contacts.get(str(body.get("customer_id") or ""))
        if customer is None:
            return inventory_error(400, 1002, "Customer does not exist.")
        lines_in = body.get("line_items")
        if not isinstance(lines_in, list) or not lines_in:
            return inventory_error(400, 4, "Please add at least one line item.")
        ignore_auto = _truthy(request.query_params.get("ignore_auto_number_generation"))
        number = str(body.get("salesorder_number") or "").strip()
        if ignore_auto and not number:
            return inventory_error(400, 4, "Please enter the Sales Order#.")
        if number and any(o["salesorder_number"] == number for o in state.salesorders.values()):
            return inventory_error(400, 36004, f"Sales Order {number} already exists.")
        pricebook_id = str(body.get("pricebook_id") or customer.get("pricebook_id") or "") or None
        lines: list[dict[str, Any]] = []
        sub_total = Decimal(0)
        taxable = Decimal(0)
        tax_pct = Decimal(5)
        for index, raw in enumerate(lines_in):
            if not isinstance(raw, dict):
                return inventory_error(400, 4, f"Invalid line item at position {index + 1}.")
            item = state.items.get(str(raw.get("item_id") or ""))
            if item is None:
                return inventory_error(400, 1002, "Item does not exist.")
            quantity = _decimal(raw.get("quantity"))
            if quantity is None or quantity <= 0:
                return inventory_error(400, 4, "Quantity should be greater than zero.")
            rate = _decimal(raw.get("rate"))
            if rate is None:
                rate = state.price_for(item, pricebook_id)
            gross = rate * quantity
            discount = raw.get("discount", 0)
            item_total = gross - _discount_amount(discount, gross)
            sub_total += item_total
            if item.get("is_taxable", True):
                taxable += item_total
                tax_pct = Decimal(str(item.get("tax_percentage", 5)))
            lines.append(
                {
                    "line_item_id": state.ids.next(),
                    "item_id": item["item_id"],
                    "sku": item.get("sku", ""),
                    "name": item.get("name", ""),
                    "description": raw.get("description", item.get("description", "")),
                    "rate": _money(rate),
                    "quantity": float(quantity),
                    "unit": raw.get("unit", item.get("unit", "pcs")),
                    "discount": discount,
                    "tax_id": item.get("tax_id", ""),
                    "tax_name": item.get("tax_name", "VAT"),
                    "tax_percentage": item.get("tax_percentage", 5),
                    "item_total": _money(item_total),
                }
            )
        discount_type = body.get("discount_type", "entity_level")
        entity_discount = (
            _discount_amount(body.get("discount"), sub_total) if discount_type == "entity_level" else Decimal(0)
        )
        share = (sub_total - entity_discount) / sub_total if sub_total else Decimal(1)
        tax_total = (taxable * share * tax_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        shipping = _decimal(body.get("shipping_charge")) or Decimal(0)
        adjustment = _decimal(body.get("adjustment")) or Decimal(0)
        total = sub_total - entity_discount + tax_total + shipping + adjustment
        if not number:
            state.so_numbers += 1
            number = f"SO-{state.so_numbers:05d}"
        order_id = state.ids.next()
        now = state.now()
        today = datetime.fromtimestamp(state.clock.now(), DUBAI).date().isoformat()
        order: dict[str, Any] = {
            "salesorder_id": order_id,
            "salesorder_number": number,
            "date": body.get("date") or today,
            "shipment_date": body.get("shipment_date", ""),
            "status": "draft",
            "order_status": "draft",
            "reference_number": body.get("reference_number", ""),
            "customer_id": customer["contact_id"],
            "customer_name": customer.get("contact_name", ""),
            "currency_code": "AED",
            "pricebook_id": pricebook_id or "",
            "discount": body.get("discount", 0),
            "discount_type": discount_type,
            "discount_amount": _money(entity_discount),
            "is_discount_before_tax": body.get("is_discount_before_tax", True),
            "line_items": lines,
            "sub_total": _money(sub_total),
            "tax_total": _money(tax_total),
            "taxes": [{"tax_name": f"VAT ({tax_pct}%)", "tax_amount": _money(tax_total)}] if tax_total else [],
            "shipping_charge": _money(shipping),
            "adjustment": _money(adjustment),
            "total": _money(total),
            "notes": body.get("notes", ""),
            "terms": body.get("terms", ""),
            "billing_address": customer.get("billing_address", {}),
            "shipping_address": customer.get("shipping_address", {}),
            "custom_fields": body.get("custom_fields") or [],
            "created_time": now,
            "last_modified_time": now,
        }
        state.salesorders[order_id] = order
        return so_response(order, 201, "Sales Order has been created.")

    @router.get("/salesorders")
    async def list_salesorders(request: Request) -> Response:
        params = request.query_params
        records = list(state.salesorders.values())
        for name in ("reference_number", "customer_id", "salesorder_number", "status"):
            value = params.get(name)
            if value is not None:
                records = [r for r in records if str(r.get(name) or "") == value]
        search = (params.get("search_text") or "").strip().lower()
        if search:
            records = [
                r
                for r in records
                if any(
                    search in str(r.get(k) or "").lower()
                    for k in ("salesorder_number", "reference_number", "customer_name")
                )
            ]
        records = _sorted(records, request, "created_time", "D")
        paged = _page(records, request)
        if isinstance(paged, JSONResponse):
            return paged
        chunk, context = paged
        listed = [{k: r.get(k) for k in SO_LIST_FIELDS} for r in chunk]
        return ok(salesorders=listed, page_context=context)

    @router.get("/salesorders/{salesorder_id}")
    async def get_salesorder(salesorder_id: str, request: Request) -> Response:
        order = state.salesorders.get(salesorder_id)
        if order is None:
            return inventory_error(404, 1002, "Sales Order does not exist.")
        if request.query_params.get("accept") == "pdf":
            mode = state.config.pdf_mode
            if mode == "pdf":
                return Response(render_sales_order_pdf(order), media_type="application/pdf")
            if mode == "json_error":
                return inventory_error(400, 4, "Invalid value passed for accept")
            if mode == "json_200":
                return JSONResponse({"code": 1, "message": "PDF generation failed. Please try again later."})
            return Response(
                "<!DOCTYPE html><html><head><title>Zoho Accounts</title></head>"
                "<body><form action='/signin'>Sign in to access Zoho Inventory</form></body></html>",
                media_type="text/html;charset=UTF-8",
            )
        return so_response(order)

    async def change_status(salesorder_id: str, target: str) -> Response:
        order = state.salesorders.get(salesorder_id)
        if order is None:
            return inventory_error(404, 1002, "Sales Order does not exist.")
        if target == "confirmed" and order["status"] == "void":
            return inventory_error(400, 36011, "Void sales orders cannot be confirmed.")
        order["status"] = "confirmed" if target == "confirmed" else "void"
        order["order_status"] = order["status"]
        order["last_modified_time"] = state.now()
        label = "Confirmed" if target == "confirmed" else "Void"
        return ok(message=f"Sales order status has been changed to '{label}'.")

    @router.post("/salesorders/{salesorder_id}/status/confirmed")
    async def confirm(salesorder_id: str) -> Response:
        return await change_status(salesorder_id, "confirmed")

    @router.post("/salesorders/{salesorder_id}/status/void")
    async def void(salesorder_id: str) -> Response:
        return await change_status(salesorder_id, "void")

    @router.get("/organizations")
    async def organizations() -> Response:
        return ok(
            organizations=[
                {
                    "organization_id": state.config.organization_id,
                    "name": "Treejar Trading LLC (demo)",
                    "currency_code": "AED",
                    "time_zone": "Asia/Dubai",
                    "is_default_org": True,
                }
            ]
        )

    return router
