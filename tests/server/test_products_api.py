"""The catalog REST API through the running service: its worker syncs the demo catalog from the fake Zoho over
HTTP at start-up, and the API process searches its own index, refreshed from the `products` table."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest

from sandbox.seed import demo_edge_cases, demo_items
from tools.catalog.product import product_from_zoho_item


async def full_sync_done(database_url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cursor = await conn.execute(
            "SELECT to_regclass('catalog_sync_state') IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM catalog_sync_state WHERE last_full_sync_at IS NOT NULL)"
        )
        row = await cursor.fetchone()
    return bool(row and row[0])


@pytest.fixture
async def api(service_url: str, service_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=service_url, timeout=30) as client:
        deadline = time.monotonic() + 90
        while not await full_sync_done(service_database_url):  # the worker's first full sync
            assert time.monotonic() < deadline, "the first catalog sync did not finish"
            await asyncio.sleep(0.3)
        while True:  # then the API process's index (503 while it is empty)
            response = await client.post("/api/v1/products/search", json={"query": "chair", "limit": 1})
            if response.status_code == 200 and response.json()["items"]:
                break
            assert response.status_code == 503, response.text
            assert time.monotonic() < deadline, "the catalog did not load"
            await asyncio.sleep(0.3)
        yield client


def demo(sku: str) -> dict[str, Any]:
    return next(i for i in demo_items() if i["sku"] == sku)


async def test_a_product_by_sku_has_zoho_price_stock_and_arabic_name(api: httpx.AsyncClient) -> None:
    item = next(i for i in demo_items() if i["status"] == "active" and int(i.get("available_stock") or 0) > 0)
    expected = product_from_zoho_item(item)

    response = await api.get(f"/api/v1/products/{item['sku']}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sku"] == expected.canonical_sku
    assert body["price"] == pytest.approx(float(expected.price))
    assert body["available_stock"] == expected.available_stock
    assert body["currency"] == "AED"
    assert body["name_ar"] == expected.name_ar
    assert body["name_ar"]


async def test_loose_sku_forms_find_the_same_product(api: httpx.AsyncClient) -> None:
    item = next(i for i in demo_items() if i["status"] == "active" and "-" in i["sku"])
    loose = item["sku"].lower().replace("-", " ")
    response = await api.get(f"/api/v1/products/{loose}")
    assert response.status_code == 200
    assert response.json()["item_id"] == item["item_id"]


async def test_search_answers_items_with_prices_stock_and_reasons(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/products/search", json={"query": "كرسي مكتب أسود أقل من ٨٠٠ درهم", "limit": 5})

    assert response.status_code == 200
    items = response.json()["items"]
    assert 0 < len(items) <= 5
    by_sku = {product_from_zoho_item(i).canonical_sku: product_from_zoho_item(i) for i in demo_items()}
    for entry in items:
        product = by_sku[entry["sku"]]
        assert entry["price"] == pytest.approx(float(product.price))
        assert entry["price"] <= 800
        assert entry["available_stock"] == product.available_stock
        assert entry["name_ar"] == product.name_ar
        assert entry["currency"] == "AED"
        assert {"score", "category", "color", "material", "unit", "reasons"} <= set(entry)
        assert "price" in entry["reasons"]


async def test_explicit_filters_apply(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/products/search",
        json={"query": "office desk", "limit": 10, "filters": {"max_price": 1500, "in_stock_only": True}},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items
    assert all(i["price"] <= 1500 and i["available_stock"] > 0 for i in items)


async def test_inactive_products_are_hidden(api: httpx.AsyncClient) -> None:
    sku = demo_edge_cases()["inactive"][0]
    assert (await api.get(f"/api/v1/products/{sku}")).status_code == 404
    response = await api.post("/api/v1/products/search", json={"query": sku, "limit": 10})
    assert all(i["sku"] != product_from_zoho_item(demo(sku)).canonical_sku for i in response.json()["items"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "   "}, "query must not be empty"),
        ({"query": ""}, "query must not be empty"),
        ({"query": "chair", "limit": 0}, "greater than or equal to 1"),
        ({"query": "chair", "limit": 51}, "less than or equal to 50"),
        ({"limit": 5}, "Field required"),
        ({"query": "chair", "filters": {"colour": "red"}}, "Extra inputs are not permitted"),
    ],
)
async def test_bad_search_requests_get_clear_422s(api: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    response = await api.post("/api/v1/products/search", json=body)
    assert response.status_code == 422
    assert message in response.text


async def test_unknown_sku_is_a_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/products/NO-SUCH-SKU-42")
    assert response.status_code == 404
    assert response.json() == {"detail": "no product with SKU 'NO-SUCH-SKU-42'"}
