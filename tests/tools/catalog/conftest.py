from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.seed import demo_edge_cases, demo_items
from tools.catalog.embedding import E5Embedder, EmbeddingCache
from tools.catalog.index import SPARSE_NAME, RankRequest, point_str
from tools.catalog.lexical import query_vector
from tools.catalog.normalize import canonical_sku
from tools.catalog.product import Product, product_from_zoho_item
from tools.catalog.query import parse_query
from tools.catalog.search import CatalogSearch, _expansions, _index_filter


def _synthetic(base: dict[str, Any], sku: str, name: str, stock: int, color: str = "Black") -> dict[str, Any]:
    item = copy.deepcopy(base)
    item.update(
        sku=sku,
        name=name,
        item_name=name,
        item_id=str(9000000000000000000 + abs(hash(sku)) % 10**12),
        stock_on_hand=stock,
        available_stock=stock,
        actual_available_stock=stock,
        status="active",
    )
    for field in item["custom_fields"]:
        if field["api_name"] == "cf_color":
            field["value"] = color
        if field["api_name"] == "cf_collection":
            field["value"] = name.split()[0]
    return item


def _cf(item: dict[str, Any]) -> dict[str, Any]:
    return {f["api_name"]: f["value"] for f in item["custom_fields"]}


def subset_items() -> list[dict[str, Any]]:
    """~50 demo items covering every category and the edge cases, plus three synthetic ones."""
    items = demo_items()
    cases = demo_edge_cases()
    wanted: dict[str, dict[str, Any]] = {}
    per_category: dict[str, int] = {}
    for item in items:
        n = per_category.get(item["category_name"], 0)
        if n < 1 and item["status"] == "active":
            wanted[item["sku"]] = item
            per_category[item["category_name"]] = n + 1
    chairs = {"Ergonomic & Task Chairs", "Executive Chairs", "Mesh Chairs", "Visitor & Conference Chairs"}
    picks = {"black chair": 0, "cheap task chair": 0, "desk 160": 0}

    def pick(kind: str, item: dict[str, Any], limit: int) -> None:
        if picks[kind] < limit and item["sku"] not in wanted:
            wanted[item["sku"]] = item
            picks[kind] += 1

    for item in items:
        if item["category_name"] in chairs and _cf(item)["cf_color"] == "Black":
            pick("black chair", item, 8)
        if item["category_name"] == "Ergonomic & Task Chairs" and item["rate"] <= 800:
            pick("cheap task chair", item, 5)
        if item["category_name"] in {"Operator Desks", "Height-Adjustable Desks"} and "160x80" in item["name"]:
            pick("desk 160", item, 4)
    odd = {canonical_sku(c["sku"]) for c in cases["odd_sku_format"][:3]}
    inactive = set(cases["inactive"][:3])
    for item in items:
        if canonical_sku(item["sku"]) in odd or item["sku"] in inactive:
            wanted[item["sku"]] = item
    base = next(i for i in items if i["category_name"] == "Mesh Chairs" and i["status"] == "active")
    extra = [
        _synthetic(base, "CH-616", "Vento Mesh Chair CH616 – Black, High Back", 7),
        _synthetic(base, "MC-ZORR-HB-BLK-A", "Zorro Mesh Chair – Black, High Back", 0),
        _synthetic(base, "MC-ZORR-HB-BLK-B", "Zorro Mesh Chair – Black, High Back", 5),
    ]
    return [*wanted.values(), *extra]


@pytest.fixture(scope="session")
def subset_products() -> list[Product]:
    return [product_from_zoho_item(i) for i in subset_items()]


@pytest.fixture(scope="session")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture(scope="session")
def shared_cache() -> Iterator[EmbeddingCache]:
    """One in-memory embedding cache for the session, so each test module does not re-embed the subset."""
    cache = EmbeddingCache(None)
    yield cache
    cache.close()


@pytest.fixture(scope="session")
def full_read_ranking() -> Callable[[CatalogSearch, str, int], list[str]]:
    """The ranking fusion must give, worked out the slow way: every candidate's payload read, the out-of-stock
    factor applied to all, sorted by (score, SKU). CatalogSearch reads payloads only until the top is settled."""

    def ranking(search: CatalogSearch, query: str, limit: int) -> list[str]:
        parsed = parse_query(query)
        flt = _index_filter(parsed.filters)
        k = max(search.candidates, limit * 3)
        requests = [RankRequest(using=n, flt=flt, limit=k, dense=v) for n, v in search.embed_query(parsed).items()]
        lex = query_vector(parsed.lexical_terms, _expansions(parsed.filters), arabizi=parsed.language == "arabizi")
        requests.append(RankRequest(using=SPARSE_NAME, flt=flt, limit=k, sparse=lex))
        scores: dict[str, float] = {}
        values: list[list[float]] = []
        lists = search.index.rank(requests, values)
        for request, keys, found in zip(requests, lists, values, strict=True):
            name = "lex" if request.sparse is not None else request.using
            weight = search.fusion.weights[name]
            for rank, (key, value) in enumerate(zip(keys, found, strict=True)):
                pid = point_str(key)
                if name == "lex" and search.fusion.lexical_power is not None:
                    part = weight / (search.fusion.k + 1) * (value / found[0]) ** search.fusion.lexical_power
                else:
                    part = weight / (search.fusion.k + rank + 1)
                scores[pid] = scores.get(pid, 0.0) + part
        payloads = {h.id: h.payload for h in search.index.retrieve(list(scores))}
        assert len(payloads) == len(scores)
        for pid, payload in payloads.items():
            if payload["stock"] <= 0:
                scores[pid] *= search.fusion.out_of_stock_factor
        ordered = sorted(payloads, key=lambda pid: (-scores[pid], payloads[pid]["sku"]))
        return [payloads[pid]["sku"] for pid in ordered[:limit]]

    return ranking
