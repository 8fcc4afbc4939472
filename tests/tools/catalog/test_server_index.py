"""The production adapter (qdrant-client) behaves like the embedded one: tested with qdrant-client's :memory: mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from qdrant_client import QdrantClient

from tools.catalog import vocabulary as V
from tools.catalog.embedding import E5Embedder, EmbeddingCache
from tools.catalog.index import QdrantServerIndex
from tools.catalog.product import Product
from tools.catalog.search import CatalogSearch


@pytest.fixture(scope="module")
async def server_catalog(
    subset_products: list[Product], e5: E5Embedder, shared_cache: EmbeddingCache
) -> AsyncIterator[CatalogSearch]:
    index = QdrantServerIndex(QdrantClient(location=":memory:"), collection="products_test")
    search = CatalogSearch(index, embedders=[e5], cache=shared_cache)
    await search.index_products(subset_products)
    yield search
    index.close()


async def test_filters_are_payload_filters(server_catalog: CatalogSearch) -> None:
    hits = await server_catalog.search("ergonomic chair under 800 AED")
    assert hits
    assert all(h.product.category == V.ETC and h.product.price <= 800 for h in hits)
    hits = await server_catalog.search("كرسي مكتب أسود", limit=5)
    assert len(hits) == 5
    assert all(h.product.color == "Black" for h in hits)


async def test_sku_inactive_and_counts(server_catalog: CatalogSearch, subset_products: list[Product]) -> None:
    assert [h.product.canonical_sku for h in await server_catalog.search("СН 616")] == ["CH-616"]
    inactive = next(p for p in subset_products if not p.active)
    hits = await server_catalog.search(inactive.name, limit=50)
    assert inactive.canonical_sku not in {h.product.canonical_sku for h in hits}
    assert await server_catalog.count() == len(subset_products)
    report = await server_catalog.index_products(subset_products)
    assert (report.unchanged, report.embedded) == (len(subset_products), 0)
    await server_catalog.remove(["CH-616"])
    assert await server_catalog.get("ch616") is None


@pytest.mark.parametrize("limit", [1, 3, 10])
async def test_fusion_ranks_as_reading_every_payload(
    server_catalog: CatalogSearch, full_read_ranking: Callable[[CatalogSearch, str, int], list[str]], limit: int
) -> None:
    for query in ("Zorro mesh chair black", "mesh chair", "كرسي مكتب", "кресло"):
        hits = await server_catalog.search(query, limit=limit)
        assert [h.product.canonical_sku for h in hits] == full_read_ranking(server_catalog, query, limit), query
