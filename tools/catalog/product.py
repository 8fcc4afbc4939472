"""The catalog's product model and its construction from a Zoho Inventory item object."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.normalize import canonical_sku, compact_sku


class Dimensions(BaseModel):
    """Outer dimensions in centimetres (W x D x H); round tables carry the diameter as width and depth."""

    model_config = ConfigDict(frozen=True)

    width: float | None = None
    depth: float | None = None
    height: float | None = None


class Product(BaseModel):
    """One sellable catalog item, cleaned from Zoho. Prices are AED excluding VAT."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(description="The SKU as stored in Zoho (may be in an odd format)")
    canonical_sku: str = Field(description="Upper-case alphanumerics joined by hyphens")
    item_id: str
    name: str
    name_ar: str | None = None
    description: str = ""
    description_ar: str | None = None
    category: str = ""
    brand: str | None = None
    collection: str | None = None
    color: str | None = None
    material: str | None = None
    dimensions_cm: Dimensions | None = None
    nominal_width_cm: float | None = Field(
        default=None, description="The width a customer means: size in the name (per seat), else the outer width"
    )
    unit: str = "pcs"
    price: Decimal = Decimal("0")
    currency: str = "AED"
    available_stock: int = 0
    active: bool = True
    warranty_years: int | None = None
    lead_time_days: int | None = None
    image_document_id: str | None = None
    last_modified_time: datetime | None = None

    @property
    def compact_sku(self) -> str:
        return compact_sku(self.canonical_sku)

    @property
    def in_stock(self) -> bool:
        return self.available_stock > 0

    def content_hash(self) -> str:
        """Hash of everything that is embedded or lexically indexed (not price or stock)."""
        parts = [
            self.canonical_sku,
            self.name,
            self.name_ar or "",
            self.category,
            self.brand or "",
            self.collection or "",
            self.color or "",
            self.material or "",
            self.description[:400],
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# --- parsing helpers ----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|div|h[1-6]|tr)\b[^>]*>", re.IGNORECASE)
_WS = re.compile(r"[ \t\u00a0]+")


def strip_html(text: str | None) -> str:
    """Plain text from a Zoho description: tags removed (block tags become line breaks), entities decoded."""
    if not text:
        return ""
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\u00a0", " ")
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _number(value: Any) -> float | None:
    """A number from Zoho: int, float, numeric string (with commas/spaces) or None/"" → None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").replace(" ", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def available_stock_of(item: Mapping[str, Any]) -> int:
    """Sellable stock: actual_available_stock → available_stock → stock_on_hand; negative means 0."""
    for key in ("actual_available_stock", "available_stock", "stock_on_hand"):
        value = _number(item.get(key))
        if value is not None:
            return max(0, int(value))
    return 0


def _price(value: Any) -> Decimal:
    number = _number(value)
    if number is None:
        return Decimal("0")
    try:
        return Decimal(str(number)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0")


def _custom_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field in item.get("custom_fields") or []:
        if isinstance(field, Mapping):
            key = field.get("api_name") or field.get("placeholder")
            if key:
                fields[str(key)] = field.get("value")
    return fields


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


_DIMS = re.compile(r"(\d+(?:\.\d+)?)\s*[x×*]\s*(\d+(?:\.\d+)?)(?:\s*[x×*]\s*(\d+(?:\.\d+)?))?")
_NAME_SIZE = re.compile(r"(?:Ø\s*)?(\d{2,3})(?:\s*[x×]\s*(\d{2,3}))?\s*cm", re.IGNORECASE)


def parse_dimensions(value: Any) -> Dimensions | None:
    """ "160x80x72" → width 160, depth 80, height 72. Anything unparseable → None."""
    text = _text(value)
    if not text:
        return None
    match = _DIMS.search(text)
    if not match:
        return None
    w, d, h = (float(g) if g else None for g in match.groups())
    return Dimensions(width=w, depth=d, height=h)


def _nominal_width(name: str, dims: Dimensions | None) -> float | None:
    match = _NAME_SIZE.search(name)
    if match and not re.search(r"(bar|seat) height", name, re.IGNORECASE):
        return float(match.group(1))
    return dims.width if dims else None


def _datetime(value: Any) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None


def product_from_zoho_item(item: Mapping[str, Any]) -> Product:
    """Build a clean `Product` from a Zoho Inventory item (GET /items list entry or item detail)."""
    cf = _custom_fields(item)
    sku_raw = str(item.get("sku") or "")
    name = _text(item.get("name")) or _text(item.get("item_name")) or sku_raw.strip()
    dims = parse_dimensions(cf.get("cf_dimensions_cm"))
    image = _text(item.get("image_document_id"))
    return Product(
        sku=sku_raw,
        canonical_sku=canonical_sku(sku_raw) if sku_raw.strip() else str(item.get("item_id", "")),
        item_id=str(item.get("item_id", "")),
        name=name,
        name_ar=_text(cf.get("cf_name_ar")),
        description=strip_html(item.get("description")),
        description_ar=_text(strip_html(cf.get("cf_description_ar"))),
        category=_text(item.get("category_name")) or "",
        brand=_text(item.get("brand")),
        collection=_text(cf.get("cf_collection")),
        color=_text(cf.get("cf_color")),
        material=_text(cf.get("cf_material")),
        dimensions_cm=dims,
        nominal_width_cm=_nominal_width(name, dims),
        unit=_text(item.get("unit")) or "pcs",
        price=_price(item.get("rate")),
        available_stock=available_stock_of(item),
        active=str(item.get("status", "active")).strip().lower() == "active",
        warranty_years=_int(cf.get("cf_warranty_years")),
        lead_time_days=_int(cf.get("cf_lead_time_days")),
        image_document_id=image,
        last_modified_time=_datetime(item.get("last_modified_time")),
    )
