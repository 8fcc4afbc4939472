"""Catalog REST API: `POST /api/v1/products/search` and `GET /api/v1/products/{sku}`.

Search runs on this process's own index (`server.components.catalog.CatalogService`, built at start-up and refreshed
from the `products` table); a product by SKU is read from the table itself (the freshest price and stock). Inactive
products are never returned.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.components.catalog import CatalogService
from server.web.deps import ServicesDep
from tools.catalog.normalize import compact_sku
from tools.catalog.product import Product
from tools.catalog.query import SearchFilters
from tools.catalog.search import SearchHit

router = APIRouter(prefix="/api/v1/products", tags=["products"])


class FiltersIn(BaseModel):
    """Explicit constraints, on top of what the query itself says (these win where both set one)."""

    model_config = ConfigDict(extra="forbid")

    categories: list[str] | None = None
    colors: list[str] | None = None
    materials: list[str] | None = None
    min_price: float | None = Field(default=None, ge=0, description="AED per unit, excl. VAT")
    max_price: float | None = Field(default=None, ge=0, description="AED per unit, excl. VAT")
    min_width_cm: float | None = Field(default=None, ge=0)
    max_width_cm: float | None = Field(default=None, ge=0)
    in_stock_only: bool | None = None

    def to_filters(self) -> SearchFilters:
        return SearchFilters(**self.model_dump(exclude_none=True))


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="What the customer asked for, in any language", max_length=500)
    limit: int = Field(default=10, ge=1, le=50)
    filters: FiltersIn | None = None

    @field_validator("query")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be empty")
        return value.strip()


class ProductOut(BaseModel):
    sku: str = Field(description="Canonical SKU")
    zoho_sku: str = Field(description="The SKU as stored in Zoho")
    item_id: str
    name: str
    name_ar: str | None
    category: str
    color: str | None
    material: str | None
    unit: str
    price: float = Field(description="Per unit, excl. VAT")
    currency: str
    available_stock: int
    in_stock: bool
    description: str = ""
    brand: str | None = None
    collection: str | None = None
    dimensions_cm: dict[str, float | None] | None = None
    warranty_years: int | None = None
    lead_time_days: int | None = None

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls(
            sku=p.canonical_sku,
            zoho_sku=p.sku,
            item_id=p.item_id,
            name=p.name,
            name_ar=p.name_ar,
            category=p.category,
            color=p.color,
            material=p.material,
            unit=p.unit,
            price=float(p.price),
            currency=p.currency,
            available_stock=p.available_stock,
            in_stock=p.in_stock,
            description=p.description,
            brand=p.brand,
            collection=p.collection,
            dimensions_cm=p.dimensions_cm.model_dump() if p.dimensions_cm else None,
            warranty_years=p.warranty_years,
            lead_time_days=p.lead_time_days,
        )


class SearchItem(BaseModel):
    sku: str
    name: str
    name_ar: str | None
    price: float
    currency: str
    available_stock: int
    score: float
    category: str
    color: str | None
    material: str | None
    unit: str
    reasons: list[str]

    @classmethod
    def of(cls, hit: SearchHit) -> SearchItem:
        p = hit.product
        return cls(
            sku=p.canonical_sku,
            name=p.name,
            name_ar=p.name_ar,
            price=float(p.price),
            currency=p.currency,
            available_stock=p.available_stock,
            score=hit.score,
            category=p.category,
            color=p.color,
            material=p.material,
            unit=p.unit,
            reasons=hit.reasons,
        )


class SearchOut(BaseModel):
    items: list[SearchItem]


def _catalog(request: Request) -> CatalogService:
    catalog: CatalogService | None = getattr(request.app.state, "catalog", None)
    if catalog is None:
        raise HTTPException(503, "the catalog is not available in this process")
    return catalog


@router.post(
    "/search",
    response_model=SearchOut,
    responses={422: {"description": "Empty query, limit outside 1..50, unknown fields"}, 503: {}},
)
async def search_products(body: SearchIn, request: Request) -> Any:
    """Products for a free-text query in English, Arabic, Russian or Arabizi, best first."""
    catalog = _catalog(request)
    if not catalog.local.ready or await catalog.search.count() == 0:
        return JSONResponse(
            {"detail": "the catalog is still loading; retry shortly"}, status_code=503, headers={"Retry-After": "2"}
        )
    filters = body.filters.to_filters() if body.filters else None
    hits = await catalog.search.search(body.query, limit=body.limit, filters=filters)
    return SearchOut(items=[SearchItem.of(h) for h in hits])


@router.get("/{sku}", response_model=ProductOut, responses={404: {"description": "No active product has this SKU"}})
async def get_product(
    sku: Annotated[str, Path(description="Any spelling: 'TC-NOVP-AA-BLK', 'tc novp aa blk', 'CH 616'")],
    services: ServicesDep,
) -> Any:
    key = compact_sku(sku)
    if not key:
        raise HTTPException(404, f"no product with SKU {sku!r}")
    async with services.pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT product FROM products WHERE compact_sku = %s AND active ORDER BY updated_at DESC LIMIT 1",
                (key,),
            )
        ).fetchone()
    if row is None:
        raise HTTPException(404, f"no product with SKU {sku!r}")
    return ProductOut.of(Product.model_validate(row["product"]))
