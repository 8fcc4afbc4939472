"""Pydantic models of the Zoho Inventory payloads the bot uses (docs/contracts.md §3).

Parsing is defensive the way real Zoho data demands: ids are always strings (they are 19-digit numbers),
stock arrives as numbers, numeric strings, "" or missing, and may be negative; `null` text becomes "".
Money is Decimal (serialised as a JSON number).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from tools.zoho.phone import phones_in


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _id(value: Any) -> str:
    if value is None or isinstance(value, bool):
        raise ValueError("an id is required")
    return str(value).strip()


def _optional_id(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value).strip() or None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _money_out(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


Text = Annotated[str, BeforeValidator(_text)]
ZohoId = Annotated[str, BeforeValidator(_id)]
OptionalId = Annotated[str | None, BeforeValidator(_optional_id)]
Stock = Annotated[float | None, BeforeValidator(_number)]
Number = Annotated[float | None, BeforeValidator(_number)]
Money = Annotated[Decimal | None, BeforeValidator(_decimal), PlainSerializer(_money_out, when_used="json")]


def parse_zoho_time(value: str | None) -> datetime | None:
    """Zoho Inventory "2026-02-14T10:21:33+0400" and CRM "2026-01-19T11:42:00+04:00" timestamps."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def format_inventory_time(value: datetime) -> str:
    """The shape Inventory filters (e.g. `last_modified_time`) expect: 2026-02-14T10:21:33+0400."""
    return value.strftime("%Y-%m-%dT%H:%M:%S%z")


class ZohoModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PageContext(ZohoModel):
    page: int = 1
    per_page: int = 200
    has_more_page: bool = False


# ---- items -----------------------------------------------------------------------------------------------


class CustomField(ZohoModel):
    customfield_id: OptionalId = None
    api_name: Text = ""
    label: Text = ""
    value: Any = None


class ItemLocation(ZohoModel):
    location_id: OptionalId = None
    location_name: Text = ""
    is_primary: bool | None = None
    location_stock_on_hand: Stock = None
    location_available_stock: Stock = None
    location_actual_available_stock: Stock = None


class Item(ZohoModel):
    item_id: ZohoId
    name: Text = ""
    sku: Text = ""
    status: Text = ""
    description: Text = ""
    rate: Money = None
    purchase_rate: Money = None
    pricebook_rate: Money = None
    unit: Text = ""
    item_type: Text = ""
    product_type: Text = ""
    is_taxable: bool | None = None
    tax_id: OptionalId = None
    tax_name: Text = ""
    tax_percentage: Number = None
    category_id: OptionalId = None
    category_name: Text = ""
    brand: Text = ""
    manufacturer: Text = ""
    track_inventory: bool | None = None
    stock_on_hand: Stock = None
    available_stock: Stock = None
    actual_available_stock: Stock = None
    committed_stock: Stock = None
    available_for_sale_stock: Stock = None
    actual_available_for_sale_stock: Stock = None
    reorder_level: Stock = None
    image_name: Text = ""
    image_type: Text = ""
    image_document_id: OptionalId = None
    created_time: Text = ""
    last_modified_time: Text = ""
    custom_fields: list[CustomField] = Field(default_factory=list)
    locations: list[ItemLocation] = Field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.status.lower() == "active"

    @property
    def available(self) -> float | None:
        """Sellable stock: actual_available_stock → available_stock → stock_on_hand (first one present)."""
        for value in (self.actual_available_stock, self.available_stock, self.stock_on_hand):
            if value is not None:
                return value
        return None

    @property
    def modified_at(self) -> datetime | None:
        return parse_zoho_time(self.last_modified_time)

    def custom_field(self, api_name: str) -> Any:
        for custom in self.custom_fields:
            if custom.api_name == api_name:
                return custom.value
        return None


class ItemPage(ZohoModel):
    items: list[Item] = Field(default_factory=list)
    page_context: PageContext = Field(default_factory=PageContext)


# ---- contacts --------------------------------------------------------------------------------------------


class Address(ZohoModel):
    attention: Text = ""
    address: Text = ""
    street2: Text = ""
    city: Text = ""
    state: Text = ""
    zip: Text = ""
    country: Text = ""
    phone: Text = ""
    fax: Text = ""


class ContactPerson(ZohoModel):
    contact_person_id: OptionalId = None
    first_name: Text = ""
    last_name: Text = ""
    email: Text = ""
    phone: Text = ""
    mobile: Text = ""
    is_primary_contact: bool = False


class InventoryContact(ZohoModel):
    contact_id: ZohoId
    contact_name: Text = ""
    company_name: Text = ""
    first_name: Text = ""
    last_name: Text = ""
    contact_type: Text = ""
    customer_sub_type: Text = ""
    status: Text = ""
    email: Text = ""
    phone: Text = ""
    mobile: Text = ""
    pricebook_id: OptionalId = None
    pricebook_name: Text = ""
    currency_code: Text = ""
    tax_treatment: Text = ""
    tax_reg_no: Text = ""
    place_of_contact: Text = ""
    billing_address: Address | None = None
    shipping_address: Address | None = None
    contact_persons: list[ContactPerson] = Field(default_factory=list)
    custom_fields: list[CustomField] = Field(default_factory=list)
    created_time: Text = ""
    last_modified_time: Text = ""

    @property
    def is_active(self) -> bool:
        return self.status.lower() in ("active", "")

    @property
    def phones(self) -> list[str]:
        """Every number on the contact (mobile first), as E.164, deduplicated."""
        found: list[str] = []
        raw = [self.mobile, self.phone]
        for person in self.contact_persons:
            raw += [person.mobile, person.phone]
        for value in raw:
            for number in phones_in(value):
                if number not in found:
                    found.append(number)
        return found


class ContactPage(ZohoModel):
    contacts: list[InventoryContact] = Field(default_factory=list)
    page_context: PageContext = Field(default_factory=PageContext)


class NewContactPerson(ZohoModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    is_primary_contact: bool = True


class NewAddress(ZohoModel):
    attention: str | None = None
    address: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    phone: str | None = None


class NewContact(ZohoModel):
    """`POST /contacts` body. `contact_name` is the display name and must be unique in the org."""

    contact_name: str = Field(min_length=1, max_length=200)
    company_name: str | None = None
    contact_type: str = "customer"
    customer_sub_type: str | None = None  # "business" | "individual"
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    contact_persons: list[NewContactPerson] = Field(default_factory=list)
    billing_address: NewAddress | None = None
    shipping_address: NewAddress | None = None
    pricebook_id: str | None = None
    place_of_contact: str | None = None
    tax_treatment: str | None = None
    tax_reg_no: str | None = None
    notes: str | None = None
    custom_fields: list[dict[str, Any]] | None = None


# ---- price books -----------------------------------------------------------------------------------------


class PricebookItem(ZohoModel):
    pricebook_item_id: OptionalId = None
    item_id: ZohoId
    pricebook_rate: Money = None


class Pricebook(ZohoModel):
    pricebook_id: ZohoId
    name: Text = ""
    description: Text = ""
    currency_code: Text = ""
    pricebook_type: Text = ""  # "per_item" | "fixed_percentage"
    percentage: Number = None
    is_increase: bool | None = None
    rounding_type: Text = ""
    status: Text = ""
    is_default: bool | None = None
    pricebook_items: list[PricebookItem] = Field(default_factory=list)

    def price_for(self, item_id: str, list_rate: Decimal) -> Decimal | None:
        """The price this list gives `item_id` (None: a per-item list without a line for it)."""
        if self.pricebook_type == "per_item":
            for line in self.pricebook_items:
                if line.item_id == item_id:
                    return line.pricebook_rate
            return None
        pct = Decimal(str(self.percentage or 0))
        factor = 1 + pct / 100 if self.is_increase else 1 - pct / 100
        return (list_rate * factor).quantize(Decimal("0.01"))


# ---- sales orders ----------------------------------------------------------------------------------------


class NewSalesOrderLine(ZohoModel):
    item_id: str
    quantity: Decimal = Field(gt=0)
    rate: Money = None
    discount: str | float | None = None  # "5%" or an amount (item-level discounts)
    description: str | None = None
    unit: str | None = None
    tax_id: str | None = None


class NewSalesOrder(ZohoModel):
    """`POST /salesorders` body. `reference_number` is our quote id: the idempotency key."""

    customer_id: str
    reference_number: str = Field(min_length=1, max_length=50)
    line_items: list[NewSalesOrderLine] = Field(min_length=1)
    date: str | None = None
    shipment_date: str | None = None
    discount: str | float | None = None
    discount_type: str | None = None  # "entity_level" | "item_level"
    is_discount_before_tax: bool | None = None
    pricebook_id: str | None = None
    notes: str | None = None
    terms: str | None = None
    salesorder_number: str | None = None
    shipping_charge: Money = None
    adjustment: Money = None
    location_id: str | None = None
    salesperson_id: str | None = None
    custom_fields: list[dict[str, Any]] | None = None

    def payload(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        for line in data["line_items"]:
            line["quantity"] = float(line["quantity"])
        return data


class SalesOrderLine(ZohoModel):
    line_item_id: OptionalId = None
    item_id: OptionalId = None
    sku: Text = ""
    name: Text = ""
    description: Text = ""
    rate: Money = None
    quantity: Number = None
    unit: Text = ""
    discount: Any = None
    tax_percentage: Number = None
    item_total: Money = None


class SalesOrder(ZohoModel):
    salesorder_id: ZohoId
    salesorder_number: Text = ""
    date: Text = ""
    shipment_date: Text = ""
    status: Text = ""
    order_status: Text = ""
    reference_number: Text = ""
    customer_id: OptionalId = None
    customer_name: Text = ""
    currency_code: Text = ""
    pricebook_id: OptionalId = None
    line_items: list[SalesOrderLine] = Field(default_factory=list)
    discount_amount: Money = None
    sub_total: Money = None
    tax_total: Money = None
    total: Money = None
    notes: Text = ""
    created_time: Text = ""
    last_modified_time: Text = ""


class SalesOrderPage(ZohoModel):
    salesorders: list[SalesOrder] = Field(default_factory=list)
    page_context: PageContext = Field(default_factory=PageContext)
