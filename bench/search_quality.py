"""Catalog search quality on two labelled query sets, per language and per query kind.

    uv run python -m bench.search_quality [--cache DIR] [--show-misses]

Query sets (relevance is computed from item attributes, never from hand-picked ids; only active items count):
- team: bench/data/catalog_queries.jsonl, written by the engineers who wrote the query vocabulary;
- unseen: bench/data/catalog_queries_unseen.jsonl, written from the item data before the vocabulary was read,
  split by a hash of each query's id (`split_of`) into a tuning half and a held-out half. Only the tuning half
  may be looked at while tuning; the held-out half is for reporting, and `--show-misses` never prints it.

Rows per set: languages, query kinds (derived from the labels: price cap, in stock, plain category, colour or
material, size, name features, collection, whole messages) and all. Systems: the baseline is the lexical retriever
with the same query understanding (payload filters) as the product; plain BM25 without query understanding is
shown for reference; the product is the default hybrid fusion. Metrics: recall@5 (hits in the top 5 /
min(5, #relevant)), nDCG@10 (binary gains) and MRR.

"Filters decide" is the share of queries where every ranking of the items that pass the parsed filters already
scores recall@5 = 1.0 (the worst such ranking puts the non-relevant survivors first), i.e. where ranking does not
matter; "filter ceiling" is the mean best recall@5 the parsed filters still allow (relevant items they keep).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sandbox.seed import PROJECT_ROOT, demo_items
from tools.catalog.normalize import tokenize
from tools.catalog.product import Product, product_from_zoho_item
from tools.catalog.query import SearchFilters, parse_query
from tools.catalog.search import CatalogSearch, FusionWeights

QUERIES = Path(__file__).parent / "data" / "catalog_queries.jsonl"
UNSEEN = Path(__file__).parent / "data" / "catalog_queries_unseen.jsonl"
LANGS = ("en", "ar", "ru", "arabizi")
KINDS = ("price cap", "in stock", "plain category", "colour/material", "size", "features", "collection", "message")


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(query_id: str) -> str:
    """ "tuning" or "held-out", from the first byte of the SHA-256 of the query id (stable when queries are added)."""
    return "held-out" if hashlib.sha256(query_id.encode("utf-8")).digest()[0] % 2 else "tuning"


def query_sets() -> dict[str, list[dict[str, Any]]]:
    unseen = load_queries(UNSEEN)
    return {
        "team": load_queries(QUERIES),
        "unseen tuning": [q for q in unseen if split_of(q["id"]) == "tuning"],
        "unseen held-out": [q for q in unseen if split_of(q["id"]) == "held-out"],
    }


def kinds_of(q: dict[str, Any]) -> list[str]:
    """The query's kinds, from its labels (a query can have several)."""
    rel = q["relevant"]
    out = []
    if rel.get("max_price") is not None:
        out.append("price cap")
    if rel.get("in_stock"):
        out.append("in stock")
    if set(rel) == {"categories"}:
        out.append("plain category")
    if rel.get("colors") or rel.get("materials"):
        out.append("colour/material")
    if rel.get("min_width") is not None or rel.get("max_width") is not None:
        out.append("size")
    if rel.get("name_contains"):
        out.append("features")
    if rel.get("collections") or rel.get("sku"):
        out.append("collection")
    if len(q["query"].split()) >= 9:
        out.append("message")
    return out


def is_relevant(p: Product, rel: dict[str, Any]) -> bool:
    """Whether an item satisfies a query's labelled intent (attributes only)."""
    if not p.active:
        return False
    if "sku" in rel:
        return bool(p.canonical_sku == rel["sku"])
    if rel.get("categories") and p.category not in rel["categories"]:
        return False
    if rel.get("colors") and p.color not in rel["colors"]:
        return False
    if rel.get("materials") and p.material not in rel["materials"]:
        return False
    if rel.get("collections") and p.collection not in rel["collections"]:
        return False
    price = float(p.price)
    if rel.get("max_price") is not None and price > rel["max_price"]:
        return False
    if rel.get("min_price") is not None and price < rel["min_price"]:
        return False
    width = p.nominal_width_cm
    if rel.get("min_width") is not None and (width is None or width < rel["min_width"]):
        return False
    if rel.get("max_width") is not None and (width is None or width > rel["max_width"]):
        return False
    if rel.get("in_stock") and not p.in_stock:
        return False
    name = p.name.lower()
    return all(word.lower() in name for word in rel.get("name_contains", []))


def passes(p: Product, f: SearchFilters) -> bool:
    """Whether an item passes the hard filters the search applies (the same fields as its payload filter)."""
    if not p.active:
        return False
    if f.categories and p.category not in f.categories:
        return False
    if f.colors and (p.color or "") not in f.colors:
        return False
    if f.materials and (p.material or "") not in f.materials:
        return False
    price = float(p.price)
    if (f.min_price is not None and price < f.min_price) or (f.max_price is not None and price > f.max_price):
        return False
    width = p.nominal_width_cm if p.nominal_width_cm is not None else -1.0
    if f.min_width_cm is not None or f.max_width_cm is not None:
        low = f.min_width_cm if f.min_width_cm is not None else 0.0
        if width < low or (f.max_width_cm is not None and width > f.max_width_cm):
            return False
    return not (f.in_stock_only and p.available_stock < 1)


def filter_bounds(products: Sequence[Product], f: SearchFilters, relevant: set[str]) -> tuple[float, float]:
    """(worst, best) recall@5 over all rankings of the items that pass the filters."""
    if not relevant:
        return 0.0, 0.0
    kept = [p.canonical_sku for p in products if passes(p, f)]
    hits = sum(sku in relevant for sku in kept)
    misses = len(kept) - hits
    denominator = min(5, len(relevant))
    worst = max(0, min(5, len(kept)) - misses)
    best = min(5, hits)
    return min(worst, denominator) / denominator, min(best, denominator) / denominator


def metrics(ranked: Sequence[str], relevant: set[str]) -> tuple[float, float, float]:
    if not relevant:
        return 0.0, 0.0, 0.0
    recall5 = len(set(ranked[:5]) & relevant) / min(5, len(relevant))
    dcg = sum(1 / math.log2(i + 2) for i, sku in enumerate(ranked[:10]) if sku in relevant)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    rr = next((1 / (i + 1) for i, sku in enumerate(ranked) if sku in relevant), 0.0)
    return recall5, dcg / idcg, rr


class BM25:
    """Plain BM25 (k1=1.2, b=0.75) over name, Arabic name, descriptions and SKU, normalised tokens."""

    def __init__(self, products: Sequence[Product], k1: float = 1.2, b: float = 0.75) -> None:
        self.skus = [p.canonical_sku for p in products]
        docs = [
            tokenize(" ".join([p.name, p.name_ar or "", p.description, p.description_ar or "", p.sku]))
            for p in products
        ]
        self.tf = [Counter(d) for d in docs]
        self.len = np.array([len(d) for d in docs], dtype=np.float64)
        self.avg = float(self.len.mean())
        df: Counter[str] = Counter(t for d in docs for t in set(d))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def search(self, query: str, limit: int = 10) -> list[str]:
        terms = tokenize(query)
        scores = np.zeros(len(self.skus))
        for i, tf in enumerate(self.tf):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.len[i] / self.avg)
            for t in terms:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            scores[i] = s
        order = np.argsort(-scores, kind="stable")[:limit]
        return [self.skus[i] for i in order if scores[i] > 0]


Row = dict[str, float]


def groups_of(q: dict[str, Any]) -> list[str]:
    return [q["lang"], *kinds_of(q), "all"]


def evaluate(
    queries: list[dict[str, Any]], relevant: dict[str, set[str]], run: Callable[[dict[str, Any]], list[str]]
) -> dict[str, Row]:
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for q in queries:
        m = metrics(run(q), relevant[q["id"]])
        for group in groups_of(q):
            per[group].append(m)
    return {
        group: {
            "n": float(len(rows)),
            "recall@5": sum(r[0] for r in rows) / len(rows),
            "ndcg@10": sum(r[1] for r in rows) / len(rows),
            "mrr": sum(r[2] for r in rows) / len(rows),
        }
        for group, rows in per.items()
    }


def print_set(
    title: str,
    systems: dict[str, dict[str, Row]],
    bounds: dict[str, tuple[float, float]],
    queries: list[dict[str, Any]],
) -> None:
    """One table per query set: a row per language, kind and all; recall@5 of every system, then the product's
    nDCG@10 and MRR, then the share of queries the parsed filters alone decide and the filter ceiling."""
    names = list(systems)
    product = systems[names[-1]]
    print(f"\n{title}")
    print(
        f"{'group':16} {'n':>4} "
        + " ".join(f"{n[:14]:>14}" for n in names)
        + f" {'nDCG@10':>8} {'MRR':>6} {'filters decide':>14} {'ceiling':>8}"
    )
    for group in (*LANGS, *KINDS, "all"):
        if group not in product:
            continue
        members = [q for q in queries if group in groups_of(q)]
        decided = sum(bounds[q["id"]][0] >= 1.0 for q in members) / len(members)
        ceiling = sum(bounds[q["id"]][1] for q in members) / len(members)
        r = product[group]
        print(
            f"{group:16} {int(r['n']):>4} "
            + " ".join(f"{systems[n][group]['recall@5']:>14.3f}" for n in names)
            + f" {r['ndcg@10']:>8.3f} {r['mrr']:>6.3f} {decided:>14.2f} {ceiling:>8.3f}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=str(PROJECT_ROOT / ".data" / "bench" / "catalog"))
    parser.add_argument("--show-misses", action="store_true", help="misses of the team set and the tuning half")
    parser.add_argument("--variants", action="store_true", help="also every retriever alone and in pairs")
    args = parser.parse_args()

    products = [product_from_zoho_item(i) for i in demo_items()]
    active = [p for p in products if p.active]
    sets = query_sets()
    queries = [q for qs in sets.values() for q in qs]
    relevant = {q["id"]: {p.canonical_sku for p in active if is_relevant(p, q["relevant"])} for q in queries}
    empty = [q["id"] for q in queries if not relevant[q["id"]]]
    if empty:
        raise SystemExit(f"queries without any relevant item: {empty}")
    for name, qs in sets.items():
        print(f"{name}: {len(qs)} labelled queries ({dict(Counter(q['lang'] for q in qs))})")
    print(f"{len(products)} items")

    bm25 = BM25(active)
    folder = Path(args.cache)
    shutil.rmtree(folder / "qdrant", ignore_errors=True)  # the index is rebuilt; embeddings stay cached
    search = CatalogSearch.embedded(folder)
    t0 = time.perf_counter()
    report = await search.index_products(products)
    print(f"indexed {report.total} items in {time.perf_counter() - t0:.1f}s ({report.embedded} passages embedded)")

    parsed = {q["id"]: parse_query(q["query"]) for q in queries}
    bounds = {q["id"]: filter_bounds(active, parsed[q["id"]].filters, relevant[q["id"]]) for q in queries}
    t0 = time.perf_counter()
    vectors = {qid: search.embed_query(p) for qid, p in parsed.items()}
    print(f"query embeddings: {(time.perf_counter() - t0) / len(queries) * 1000:.1f} ms/query (both models)")

    def runner(weights: dict[str, float]) -> Callable[[dict[str, Any]], list[str]]:
        def run(q: dict[str, Any]) -> list[str]:
            search.fusion = FusionWeights(weights=weights)
            hits = search.search_with_vectors(parsed[q["id"]], vectors[q["id"]], limit=10)
            return [h.product.canonical_sku for h in hits]

        return run

    default = FusionWeights().weights
    systems: dict[str, Callable[[dict[str, Any]], list[str]]] = {
        "BM25 (no QU)": lambda q: bm25.search(q["query"]),
        "lexical + QU": runner({"lex": 1.0}),
    }
    if args.variants:
        systems |= {
            "e5 + QU": runner({"e5": 1.0}),
            "USE + QU": runner({"use": 1.0}),
            "e5 + lex": runner({"e5": 1.0, "lex": 1.0}),
            "USE + lex": runner({"use": 1.0, "lex": 1.0}),
        }
    systems["hybrid"] = runner(default)
    print(f"hybrid = {default}; QU = query understanding (parsed filters); baseline = lexical + QU")
    for title, qs in sets.items():
        results = {name: evaluate(qs, relevant, run) for name, run in systems.items()}
        print_set(f"{title} ({len(qs)} queries), recall@5", results, bounds, qs)
    if args.show_misses:
        run = systems["hybrid"]
        for title in ("team", "unseen tuning"):
            print(f"\nmisses, {title}:")
            for q in sets[title]:
                ranked = run(q)
                r5, _, _ = metrics(ranked, relevant[q["id"]])
                if r5 < 1:
                    flt = parsed[q["id"]].filters.model_dump(exclude_defaults=True)
                    print(
                        f"  {q['id']} r@5={r5:.2f} {q['query']!r} rel={len(relevant[q['id']])}"
                        f" ceiling={bounds[q['id']][1]:.2f} filters={flt} top={ranked[:5]}"
                    )
    search.close()


if __name__ == "__main__":
    asyncio.run(main())
