"""Catalog search latency on Qdrant Edge at the demo catalog, 10k and 100k items (synthetic scale-up).

    uv run python -m bench.search_latency [--sizes 863,10000,100000] [--repeat 3] [--index-dir .data/bench/latency]

Timed per query: query understanding (`parse_query`) + `CatalogSearch.search_with_vectors` (SKU lookup, payload
filters, the two dense and the sparse Qdrant queries in one batch, fusion, payloads of the final products), i.e.
everything except the query embedding, which is timed separately. Baseline measured in the same run: the same
queries with the BM25 baseline of bench.search_quality (pure Python, demo catalog only).

Scale-up items copy a demo item with a new SKU, a new collection name, a price within ±25% and random stock;
their dense vectors are the source item's vectors plus Gaussian noise (σ=0.05, re-normalised), so that
neighbourhoods are realistic without embedding 100k texts.

The machine is shared (2 cores): the 1-minute load average is printed at the start and end of every size. Besides
wall-clock p50/p95 over all runs, "cpu p95" is the p95 of the process CPU time a search used (its own cost, which
other processes on the machine barely change), and "p95 of best" takes each query's fastest of `--repeat` runs
first. `--stages` prints the mean wall time of each stage. `--index-dir` keeps the built indexes for the next run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from bench.search_quality import BM25, load_queries
from sandbox.seed import PROJECT_ROOT, demo_items
from tools.catalog.embedding import EmbeddingCache, default_embedders, embed_passages_cached
from tools.catalog.index import IndexPoint, QdrantEdgeIndex
from tools.catalog.lexical import document_vector
from tools.catalog.product import Product, product_from_zoho_item
from tools.catalog.query import parse_query
from tools.catalog.search import CatalogSearch, _lexical_fields, _payload, passage_text, point_id


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def synthetic(products: list[Product], n: int, rng: random.Random) -> list[tuple[int, Product]]:
    out: list[tuple[int, Product]] = []
    for i in range(n):
        src_index = i % len(products)
        src = products[src_index]
        tag = f"{(i // len(products)) + 1}"
        collection = f"{src.collection or 'Line'} {tag}"
        name = src.name.replace(src.collection or "", collection, 1) if src.collection else f"{collection} {src.name}"
        out.append(
            (
                src_index,
                src.model_copy(
                    update={
                        "sku": f"{src.canonical_sku}-S{tag}",
                        "canonical_sku": f"{src.canonical_sku}-S{tag}",
                        "name": name,
                        "collection": collection,
                        "price": (src.price * Decimal(str(round(rng.uniform(0.75, 1.25), 2)))).quantize(
                            Decimal("0.01")
                        ),
                        "available_stock": max(0, rng.randint(-5, 60)),
                        "active": rng.random() > 0.05,
                    }
                ),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="863,10000,100000")
    parser.add_argument("--cache", default=str(PROJECT_ROOT / ".data" / "bench" / "catalog" / "embeddings.sqlite3"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--index-dir", default=None, help="keep built indexes here (reused by the next run)")
    parser.add_argument("--stages", action="store_true", help="print the mean wall time of each search stage")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rng = random.Random(20260214)
    products = [product_from_zoho_item(i) for i in demo_items()]
    embedders = default_embedders()
    cache = EmbeddingCache(args.cache)
    t0 = time.perf_counter()
    base_vectors = {e.name: embed_passages_cached(e, [passage_text(p) for p in products], cache)[0] for e in embedders}
    print(f"demo passage vectors ready in {time.perf_counter() - t0:.1f}s (cache: {args.cache})")

    queries = [q["query"] for q in load_queries()]
    parsed = [parse_query(q) for q in queries]
    embed_times: dict[str, list[float]] = {e.name: [] for e in embedders}
    query_vectors = []
    for pq in parsed:
        vec = {}
        for e in embedders:
            t = time.perf_counter()
            vec[e.name] = e.embed_queries([pq.semantic_text or pq.text])[0]
            embed_times[e.name].append((time.perf_counter() - t) * 1000)
        query_vectors.append(vec)
    for name, times in embed_times.items():
        print(f"query embedding {name}: p50 {statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms")

    bm25 = BM25([x for x in products if x.active])
    bm_times = []
    for q in queries:
        t = time.perf_counter()
        bm25.search(q)
        bm_times.append((time.perf_counter() - t) * 1000)
    bm_p50, bm_p95 = statistics.median(bm_times), pct(bm_times, 0.95)
    print(f"baseline BM25 (pure Python, {len(products)} items): p50 {bm_p50:.2f} ms, p95 {bm_p95:.2f} ms")

    print(
        f"\n{'items':>8} {'build s':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'p95 best':>8} {'cpu p95':>7}"
        f" {'load':>9}  p95 ratio to BM25@demo"
    )
    for size in sizes:
        keep = Path(args.index_dir) / f"items-{size}" if args.index_dir else None
        folder = keep or Path(tempfile.mkdtemp(prefix="noor-latency-"))
        try:
            reuse = keep is not None and keep.exists() and any(keep.iterdir())
            index = QdrantEdgeIndex(folder)
            search = CatalogSearch(index, embedders=embedders, cache=cache)
            t0 = time.perf_counter()
            items: list[tuple[int, Product]] = [] if reuse else list(enumerate(products))
            if size > len(products) and not reuse:
                items += synthetic(products, size - len(products), rng)
            batch: list[IndexPoint] = []
            for src_index, p in items:
                vectors = {}
                for name, matrix in base_vectors.items():
                    v = matrix[src_index]
                    if p.canonical_sku != products[src_index].canonical_sku:
                        v = v + np.random.default_rng(len(batch)).normal(0, 0.05, v.shape).astype(np.float32)
                        v = (v / np.linalg.norm(v)).astype(np.float32)
                    vectors[name] = v
                batch.append(
                    IndexPoint(
                        id=point_id(p.canonical_sku),
                        vectors=vectors,
                        sparse=document_vector(_lexical_fields(p), sku=p.canonical_sku),
                        payload=_payload(p, p.content_hash(), [e.name for e in embedders]),
                    )
                )
                if len(batch) >= 5000:
                    index.upsert(batch)
                    batch = []
            if batch:
                index.upsert(batch)
            if not reuse:
                index.optimize()
            load = time.perf_counter() - t0
            for query, vec in zip(queries[:20], query_vectors[:20], strict=True):  # warm-up
                search.search_with_vectors(parse_query(query), vec, limit=10)
            times = []
            cpu: list[float] = []
            stages: dict[str, float] = {}
            best = [float("inf")] * len(queries)
            load_before = os.getloadavg()[0]
            for _ in range(args.repeat):
                for i, (query, vec) in enumerate(zip(queries, query_vectors, strict=True)):
                    t, c = time.perf_counter(), time.process_time()
                    pq = parse_query(query)
                    stages["parse"] = stages.get("parse", 0.0) + time.perf_counter() - t
                    search.search_with_vectors(pq, vec, limit=10, stages=stages)
                    elapsed = (time.perf_counter() - t) * 1000
                    cpu.append((time.process_time() - c) * 1000)
                    times.append(elapsed)
                    best[i] = min(best[i], elapsed)
            p50, p95 = statistics.median(times), pct(times, 0.95)
            loads = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
            print(
                f"{size:>8} {load:>7.1f} {p50:>7.2f} {p95:>7.2f} {max(times):>7.2f} {pct(best, 0.95):>8.2f} "
                f"{pct(cpu, 0.95):>7.2f} {loads:>9}  {p95 / bm_p95:.2f}x",
                flush=True,
            )
            if args.stages:
                print(
                    "         stages, mean ms: "
                    + ", ".join(f"{name} {total * 1000 / len(times):.2f}" for name, total in stages.items()),
                    flush=True,
                )
            index.close()
        finally:
            if keep is None:
                shutil.rmtree(folder, ignore_errors=True)
    cache.close()


if __name__ == "__main__":
    main()
