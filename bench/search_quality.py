"""Catalog search quality on the labelled query set, against a BM25 baseline run in the same process.

    uv run python -m bench.search_quality [--cache DIR]

Relevance is computed from item attributes (bench/data/catalog_queries.jsonl: category, colour,
material, price, width, collection, name words, SKU, stock), never from hand-picked ids. Only active
items can be relevant. Metrics per language: recall@5 (hits in the top 5 / min(5, #relevant)),
nDCG@10 (binary gains) and MRR.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sandbox.seed import PROJECT_ROOT, demo_items
from tools.catalog.normalize import tokenize
from tools.catalog.product import Product, product_from_zoho_item
from tools.catalog.query import parse_query
from tools.catalog.search import CatalogSearch, FusionWeights

QUERIES = Path(__file__).parent / "data" / "catalog_queries.jsonl"
LANGS = ("en", "ar", "ru", "arabizi")


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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


def evaluate(
    queries: list[dict[str, Any]], relevant: dict[str, set[str]], run: Callable[[dict[str, Any]], list[str]]
) -> dict[str, dict[str, float]]:
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for q in queries:
        m = metrics(run(q), relevant[q["id"]])
        per[q["lang"]].append(m)
        per["all"].append(m)
    return {
        lang: {
            "n": float(len(rows)),
            "recall@5": sum(r[0] for r in rows) / len(rows),
            "ndcg@10": sum(r[1] for r in rows) / len(rows),
            "mrr": sum(r[2] for r in rows) / len(rows),
        }
        for lang, rows in per.items()
    }


def print_table(title: str, result: dict[str, dict[str, float]], base: dict[str, dict[str, float]] | None) -> None:
    print(f"\n{title}")
    print(
        f"{'lang':9} {'n':>4} {'recall@5':>9} {'nDCG@10':>8} {'MRR':>6}"
        + ("   ratio to BM25 (R5/nDCG/MRR)" if base else "")
    )
    for lang in (*LANGS, "all"):
        r = result[lang]
        line = f"{lang:9} {int(r['n']):>4} {r['recall@5']:>9.3f} {r['ndcg@10']:>8.3f} {r['mrr']:>6.3f}"
        if base:
            b = base[lang]
            ratios = [r[k] / b[k] if b[k] else float("inf") for k in ("recall@5", "ndcg@10", "mrr")]
            line += "   " + " / ".join(f"{x:.2f}x" for x in ratios)
        print(line)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=str(PROJECT_ROOT / ".data" / "bench" / "catalog"))
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    products = [product_from_zoho_item(i) for i in demo_items()]
    queries = load_queries()
    relevant = {q["id"]: {p.canonical_sku for p in products if is_relevant(p, q["relevant"])} for q in queries}
    empty = [q["id"] for q in queries if not relevant[q["id"]]]
    if empty:
        raise SystemExit(f"queries without any relevant item: {empty}")
    print(f"{len(queries)} labelled queries ({dict(Counter(q['lang'] for q in queries))}), {len(products)} items")

    t0 = time.perf_counter()
    bm25 = BM25([p for p in products if p.active])
    base = evaluate(queries, relevant, lambda q: bm25.search(q["query"]))
    print(f"BM25 baseline: {time.perf_counter() - t0:.1f}s")

    import shutil

    folder = Path(args.cache)
    shutil.rmtree(folder / "qdrant", ignore_errors=True)  # the index is rebuilt; embeddings stay cached
    search = CatalogSearch.embedded(folder)
    t0 = time.perf_counter()
    report = await search.index_products(products)
    print(f"indexed {report.total} items in {time.perf_counter() - t0:.1f}s ({report.embedded} passages embedded)")

    parsed = {q["id"]: parse_query(q["query"]) for q in queries}
    t0 = time.perf_counter()
    vectors = {qid: search.embed_query(p) for qid, p in parsed.items()}
    print(f"query embeddings: {(time.perf_counter() - t0) / len(queries) * 1000:.1f} ms/query (both models)")

    def runner(weights: dict[str, float]) -> Callable[[dict[str, Any]], list[str]]:
        def run(q: dict[str, Any]) -> list[str]:
            search.fusion = FusionWeights(weights=weights)
            hits = search.search_with_vectors(parsed[q["id"]], vectors[q["id"]], limit=10)
            return [h.product.canonical_sku for h in hits]

        return run

    variants = {
        "lexical only (+ query understanding)": {"lex": 1.0},
        "dense e5 only (+ query understanding)": {"e5": 1.0},
        "dense USE only (+ query understanding)": {"use": 1.0},
        "hybrid e5 + lexical": {"e5": 1.0, "lex": 1.0},
        "hybrid USE + lexical": {"use": 1.0, "lex": 1.0},
    }
    default = FusionWeights().weights
    print_table("BM25 baseline (no query understanding, no dense)", base, None)
    for name, weights in variants.items():
        print_table(name, evaluate(queries, relevant, runner(weights)), base)
    final = evaluate(queries, relevant, runner(default))
    print_table(f"HYBRID (default: {default})", final, base)
    if args.show_misses:
        run = runner(default)
        for q in queries:
            ranked = run(q)
            r5, _, _ = metrics(ranked, relevant[q["id"]])
            if r5 < 1:
                print(f"  miss {q['id']} r@5={r5:.2f} {q['query']!r} rel={len(relevant[q['id']])} top={ranked[:5]}")
    search.close()


if __name__ == "__main__":
    asyncio.run(main())
