"""Live price and stock of one catalog item, read from Zoho Inventory with a short timeout.

The catalog mirror (the synced `products` table) is good for search; a customer who asks about one exact
product code gets the figures Zoho has now. When Zoho does not answer in time (or fails), the mirror's figures
are used and the result says so (`source="catalog_mirror"`), so nothing claims to be live that is not.

`live_stock_tool` exposes the same look-up to a tool-calling model as `live_stock(sku)`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal, Protocol

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from tools.catalog.product import Product
from tools.zoho.models import Item

log = logging.getLogger(__name__)

Source = Literal["zoho_live", "catalog_mirror"]
DEFAULT_TIMEOUT_SECONDS = 2.0


class ItemReader(Protocol):
    """What LiveStock needs from a Zoho Inventory client (`ZohoInventoryClient.get_item`)."""

    async def get_item(self, item_id: str) -> Item | None: ...


class SkuFinder(Protocol):
    """What the tool needs from the catalog (`CatalogSearch.get`): a product by SKU in any loose form."""

    async def get(self, sku: str, include_inactive: bool = False) -> Product | None: ...


class StockLevel(BaseModel):
    """Price (AED excl. VAT) and sellable stock of one product, and where the figures come from."""

    sku: str
    name: str
    price: float
    currency: str
    available_stock: int
    active: bool
    source: Source


def mirror_level(product: Product) -> StockLevel:
    return StockLevel(
        sku=product.canonical_sku,
        name=product.name,
        price=float(product.price),
        currency=product.currency,
        available_stock=max(product.available_stock, 0),
        active=product.active,
        source="catalog_mirror",
    )


def _live_level(product: Product, item: Item | None) -> StockLevel:
    if item is None:  # deleted in Zoho since the last sync: not sellable now
        return StockLevel(
            sku=product.canonical_sku,
            name=product.name,
            price=float(product.price),
            currency=product.currency,
            available_stock=0,
            active=False,
            source="zoho_live",
        )
    price = float(item.rate) if item.rate is not None else float(product.price)
    stock = item.available
    return StockLevel(
        sku=product.canonical_sku,
        name=product.name,
        price=round(price, 2),
        currency=product.currency,
        available_stock=max(int(stock), 0) if stock is not None else 0,
        active=item.is_active,
        source="zoho_live",
    )


class LiveStock:
    """Zoho Inventory item details for one product at a time, within `timeout_seconds`, else the mirror."""

    def __init__(self, items: ItemReader, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.items = items
        self.timeout_seconds = timeout_seconds

    async def level(self, product: Product) -> StockLevel:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                item = await self.items.get_item(product.item_id)
        except Exception as exc:  # timeout, transport error, 401/429/5xx: the mirror answers
            log.warning("live stock of %s unavailable (%r); using the catalog mirror", product.canonical_sku, exc)
            return mirror_level(product)
        return _live_level(product, item)


class LiveStockArgs(BaseModel):
    sku: str = Field(description="The product code exactly as shown or written, e.g. 'MT-AGOR-200100-WHT'")


def live_stock_tool(catalog: SkuFinder, live: LiveStock | None) -> StructuredTool:
    """`live_stock(sku)`: the current price and stock of one product code (errors are results, not raises)."""

    async def live_stock(sku: str) -> dict[str, Any]:
        product = await catalog.get(sku)
        if product is None:
            return {"error": "no product with this code in the catalog"}
        level = await live.level(product) if live is not None else mirror_level(product)
        return level.model_dump()

    return StructuredTool.from_function(
        coroutine=live_stock,
        name="live_stock",
        description=(
            "The current price (AED excl. VAT) and available stock of ONE product code. Use it when the customer "
            "asks about a product whose figures are not in the facts you were given."
        ),
        args_schema=LiveStockArgs,
    )
