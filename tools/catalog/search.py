"""Hybrid catalog search: query understanding → payload filters → dense + lexical retrieval → fusion.

search = CatalogSearch.embedded(Path(".data/catalog"))      # Qdrant Edge + on-disk embedding cache
report = await search.index_products(products)              # re-embeds only changed products
hits = await search.search("كرسي مكتب أسود أقل من ٨٠٠ درهم")
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.embedding import Embedder, EmbeddingCache, default_embedders, embed_passages_cached
from tools.catalog.index import (
    SPARSE_NAME,
    IndexFilter,
    IndexPoint,
    QdrantEdgeIndex,
    Ranked,
    RankRequest,
    VectorIndex,
    point_str,
)
from tools.catalog.lexical import LEXICAL_VERSION, document_vector, query_vector
from tools.catalog.normalize import canonical_sku, compact_sku, normalize_text
from tools.catalog.product import Product
from tools.catalog.query import ParsedQuery, SearchFilters, parse_query

_NAMESPACE = uuid.UUID("6f1c1c5e-7a0b-4b7e-9a55-0d5a1f00ca7a")


QUERY_VECTORS_KEPT = 256


def point_id(sku: str) -> str:
    """Stable point id of a product: UUIDv5 of its compact SKU (any SKU spelling gives the same id)."""
    return str(uuid.uuid5(_NAMESPACE, compact_sku(sku)))


class SearchHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: Product
    score: float
    reasons: list[str] = Field(default_factory=list, description="Why this product matched")


class IndexReport(BaseModel):
    total: int = 0
    upserted: int = Field(0, description="Products written with (re)computed vectors: content hash changed or new")
    payload_only: int = Field(0, description="Only price/stock/status changed: payload updated, no embedding")
    unchanged: int = 0
    embedded: int = Field(0, description="Passages the embedding models actually computed (cache misses)")


@dataclass
class FusionWeights:
    """Weighted reciprocal-rank fusion over the retrievers (dense per embedder, and "lex"); the lexical list counts by
    its scores relative to its best (`lexical_power`), the dense lists by rank. Defaults chosen on the team set and the
    tuning half of the unseen set (bench/search_quality.py), never on the held-out half."""

    weights: dict[str, float] = field(default_factory=lambda: {"e5": 1.0, "use": 1.0, "lex": 2.0})
    k: float = 10.0
    out_of_stock_factor: float = 0.6
    lexical_power: float | None = 4.0
    """None: the lexical list counts by rank like the others. A number p: a lexical candidate counts
    weight / (k + 1) × (score / best score)^p, so candidates with the same words count the same, and one that lacks
    a rare word the query has ("dual", "8:seat") counts much less than one that has it, whatever their ranks."""

    dense_factor: dict[str, float] = field(default_factory=lambda: {"arabizi": 0.5})
    """Per query language, a factor on the dense retrievers' weights: the embedding models were not trained on
    Arabizi (Arabic in Latin letters), which the lexical side matches by skeleton."""

    def contribution(self, name: str, rank: int, score: float, best: float, language: str = "") -> float:
        weight = self.weights.get(name, 0.0)
        if name != "lex":
            weight *= self.dense_factor.get(language, 1.0)
        if name == "lex" and self.lexical_power is not None and best > 0:
            return weight / (self.k + 1) * float((score / best) ** self.lexical_power)
        return weight / (self.k + 1 + rank)


def passage_text(p: Product) -> str:
    """The text that is embedded for a product (names in both languages and key attributes)."""
    parts = [p.name, p.category]
    attrs = ", ".join(x for x in (p.color, p.material) if x)
    if attrs:
        parts.append(attrs)
    if p.name_ar:
        parts.append(p.name_ar)
    return ". ".join(parts)


def _lexical_fields(p: Product) -> list[tuple[str, float]]:
    fields: list[tuple[str, float]] = [(p.name, 1.0), (p.category, 0.5)]
    if p.name_ar:
        fields.append((p.name_ar, 1.0))
    for extra in (p.collection, p.brand, p.color, p.material):
        if extra:
            fields.append((extra, 0.5))
    return fields


def _sku_prefixes(sku: str) -> list[str]:
    parts = canonical_sku(sku).split("-")
    return ["".join(parts[: i + 1]) for i in range(len(parts)) if len("".join(parts[: i + 1])) >= 4]


def _payload(p: Product, content_hash: str, models: Sequence[str]) -> dict[str, Any]:
    return {
        "sku": p.canonical_sku,
        "sku_compact": p.compact_sku,
        "sku_prefixes": _sku_prefixes(p.canonical_sku),
        "category": p.category,
        "color": p.color or "",
        "material": p.material or "",
        "price": float(p.price),
        "width": p.nominal_width_cm if p.nominal_width_cm is not None else -1.0,
        "stock": p.available_stock,
        "status": "active" if p.active else "inactive",
        "content_hash": content_hash,
        "lexical": LEXICAL_VERSION,
        "models": list(models),
        "product": p.model_dump(mode="json"),
    }


def _index_filter(f: SearchFilters) -> IndexFilter:
    match: dict[str, list[str]] = {"status": ["active"]}
    if f.categories:
        match["category"] = list(f.categories)
    if f.colors:
        match["color"] = list(f.colors)
    if f.materials:
        match["material"] = list(f.materials)
    ranges: dict[str, tuple[float | None, float | None]] = {}
    if f.min_price is not None or f.max_price is not None:
        ranges["price"] = (f.min_price, f.max_price)
    if f.min_width_cm is not None or f.max_width_cm is not None:
        ranges["width"] = (f.min_width_cm if f.min_width_cm is not None else 0.0, f.max_width_cm)
    if f.in_stock_only:
        ranges["stock"] = (1.0, None)
    return IndexFilter(match=match, ranges=ranges)


def _expansions(f: SearchFilters) -> list[str]:
    """English words of recognised colours and materials, so that "أسود" also matches "Black" lexically."""
    words: list[str] = []
    for value in [*f.colors[:2], *f.materials[:2]]:
        words.extend(normalize_text(value).split())
    return words


class CatalogSearch:
    """The product search the rest of Noor calls. Async methods; heavy work runs in worker threads."""

    def __init__(
        self,
        index: VectorIndex,
        embedders: Sequence[Embedder] | None = None,
        cache: EmbeddingCache | None = None,
        fusion: FusionWeights | None = None,
        candidates: int = 40,
    ) -> None:
        self.index = index
        self.embedders: list[Embedder] = list(embedders) if embedders is not None else default_embedders()
        self.cache = cache or EmbeddingCache(None)
        self.fusion = fusion or FusionWeights()
        self.candidates = candidates
        self._query_vectors: OrderedDict[str, dict[str, np.ndarray[Any, np.dtype[np.float32]]]] = OrderedDict()
        self._query_lock = threading.Lock()
        self.index.ensure({e.name: e.dim for e in self.embedders})

    @classmethod
    def embedded(cls, folder: Path | str, embedders: Sequence[Embedder] | None = None) -> CatalogSearch:
        """Qdrant Edge under `folder/qdrant` and the embedding cache in `folder/embeddings.sqlite3`."""
        folder = Path(folder)
        return cls(
            QdrantEdgeIndex(folder / "qdrant"),
            embedders=embedders,
            cache=EmbeddingCache(folder / "embeddings.sqlite3"),
        )

    def close(self) -> None:
        self.index.close()
        self.cache.close()

    # --- indexing -------------------------------------------------------------------------------

    async def index_products(self, products: Iterable[Product]) -> IndexReport:
        """Upsert products; only those whose searchable content changed get new vectors."""
        return await asyncio.to_thread(self._index_sync, list(products))

    def _index_sync(self, products: list[Product]) -> IndexReport:
        report = IndexReport(total=len(products))
        models = [e.name for e in self.embedders]
        by_id = {point_id(p.canonical_sku): p for p in products}
        existing: dict[str, dict[str, Any]] = {}
        ids = list(by_id)
        for start in range(0, len(ids), 1000):
            for hit in self.index.retrieve(ids[start : start + 1000]):
                existing[hit.id] = hit.payload
        changed: list[tuple[str, Product, str]] = []
        for pid, p in by_id.items():
            h = p.content_hash()
            old = existing.get(pid)
            same_vectors = old and old.get("lexical") == LEXICAL_VERSION and old.get("models") == models
            if old and same_vectors and old.get("content_hash") == h:
                payload = _payload(p, h, models)
                if old != payload:
                    self.index.set_payload(pid, payload)
                    report.payload_only += 1
                else:
                    report.unchanged += 1
            else:
                changed.append((pid, p, h))
        if changed:
            texts = [passage_text(p) for _, p, _ in changed]
            matrices: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
            for embedder in self.embedders:
                matrices[embedder.name], computed = embed_passages_cached(embedder, texts, self.cache)
                report.embedded = max(report.embedded, computed)
            points = [
                IndexPoint(
                    id=pid,
                    vectors={name: m[i] for name, m in matrices.items()},
                    sparse=document_vector(_lexical_fields(p), sku=p.canonical_sku),
                    payload=_payload(p, h, models),
                )
                for i, (pid, p, h) in enumerate(changed)
            ]
            self.index.upsert(points)
            report.upserted = len(points)
        return report

    async def remove(self, skus: Iterable[str]) -> int:
        ids = [point_id(s) for s in skus]
        await asyncio.to_thread(self.index.delete, ids)
        return len(ids)

    async def get(self, sku: str, include_inactive: bool = False) -> Product | None:
        """A product by SKU in any loose form ("tc novp aa blk", "TC-NOVP-AA-BLK", Cyrillic look-alikes)."""
        if not compact_sku(sku):
            return None
        hits = self.index.retrieve([point_id(sku)])
        if not hits:
            return None
        product = _product(hits[0].payload)
        return product if product.active or include_inactive else None

    async def count(self) -> int:
        return self.index.count()

    # --- search ---------------------------------------------------------------------------------

    async def search(self, query: str, limit: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        """Products for a free-text query (any language), best first. Inactive products never appear."""
        parsed = parse_query(query)
        vectors = await asyncio.to_thread(self.embed_query, parsed)
        return self.search_with_vectors(parsed, vectors, limit, filters)

    def embed_query(self, parsed: ParsedQuery) -> dict[str, np.ndarray[Any, np.dtype[np.float32]]]:
        """The query's vectors. A turn searches the same text several ways (named SKU, within budget, at any
        price), and embedding dominates a search's cost: recent queries' vectors are kept."""
        text = parsed.semantic_text or parsed.text
        with self._query_lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vectors = {e.name: e.embed_queries([text])[0] for e in self.embedders}
        with self._query_lock:
            self._query_vectors[text] = vectors
            while len(self._query_vectors) > QUERY_VECTORS_KEPT:
                self._query_vectors.popitem(last=False)
        return vectors

    def search_with_vectors(
        self,
        parsed: ParsedQuery,
        vectors: dict[str, np.ndarray[Any, np.dtype[np.float32]]],
        limit: int = 10,
        filters: SearchFilters | None = None,
        stages: dict[str, float] | None = None,
    ) -> list[SearchHit]:
        """The search after query embedding (synchronous; the latency benchmark times it with `parse_query`).
        `stages`, when given, gets each stage's wall time added (seconds), for profiling."""
        clock = _Clock(stages)
        flt = parsed.filters.merged(filters)
        sku_hits = self._sku_lookup(parsed, flt)
        clock.lap("sku")
        if sku_hits:
            return sku_hits[:limit]
        relaxations: list[tuple[str, SearchFilters]] = [("", flt)]
        if flt.colors:
            flt = flt.model_copy(update={"colors": []})
            relaxations.append(("colour", flt))
        if flt.materials:
            flt = flt.model_copy(update={"materials": []})
            relaxations.append(("material", flt))
        if flt.categories:
            flt = flt.model_copy(update={"categories": []})
            relaxations.append(("category", flt))
        for relaxed, current in relaxations:
            hits = self._retrieve(parsed, vectors, current, limit, clock)
            if hits:
                if relaxed:
                    hits = [h.model_copy(update={"reasons": [*h.reasons, f"no exact {relaxed} match"]}) for h in hits]
                return hits
        return []

    def _sku_lookup(self, parsed: ParsedQuery, flt: SearchFilters) -> list[SearchHit]:
        keys = [k for k in parsed.sku_candidates if any(c.isdigit() for c in k) or len(k) >= 6]
        keys += [compact_sku(s) for s in flt.skus]
        if not keys:
            return []
        found = self.index.find(IndexFilter(match={"sku_prefixes": keys, "status": ["active"]}), limit=50)
        if not found:
            return []
        exact = [h for h in found if h.payload.get("sku_compact") in keys]
        chosen = exact or found
        hits = [
            SearchHit(
                product=_product(h.payload),
                score=1.0 if h in exact else 0.9,
                reasons=["sku" if h in exact else "sku family"],
            )
            for h in chosen
        ]
        if not exact:  # a SKU family ("TC-NOVP"): in-stock first
            hits.sort(key=lambda h: (not h.product.in_stock, h.product.canonical_sku))
        return hits

    def _retrieve(
        self,
        parsed: ParsedQuery,
        vectors: dict[str, np.ndarray[Any, np.dtype[np.float32]]],
        flt: SearchFilters,
        limit: int,
        clock: _Clock,
    ) -> list[SearchHit]:
        index_filter = _index_filter(flt)
        k = max(self.candidates, limit * 3)
        requests = [
            RankRequest(using=name, flt=index_filter, limit=k, dense=vector)
            for name, vector in vectors.items()
            if self.fusion.weights.get(name, 0.0) > 0
        ]
        if self.fusion.weights.get("lex", 0.0) > 0:
            lex = query_vector(parsed.lexical_terms, _expansions(flt), arabizi=parsed.language == "arabizi")
            requests.append(RankRequest(using=SPARSE_NAME, flt=index_filter, limit=k, sparse=lex))
        clock.lap("prepare")
        # one batched round trip for the dense and lexical candidates (point ids only)
        scores: list[list[float]] = []
        lists = self.index.rank(requests, scores)
        clock.lap("rank")
        raw: dict[Ranked, float] = {}
        named: list[tuple[str, list[Ranked]]] = []
        for request, ids, values in zip(requests, lists, scores, strict=True):
            name = "lex" if request.sparse is not None else request.using
            named.append((name, ids))
            best = values[0] if values else 0.0
            for rank, (pid, value) in enumerate(zip(ids, values, strict=True)):
                raw[pid] = raw.get(pid, 0.0) + self.fusion.contribution(name, rank, value, best, parsed.language)
        order = sorted(raw, key=raw.__getitem__, reverse=True)
        clock.lap("fusion")
        ranked = self._top(order, raw, limit)
        clock.lap("payloads")
        filter_reasons = _filter_reasons(flt)
        top = ranked[0][0] if ranked else 1.0
        out = []
        for score, _, pid, payload in ranked:
            product = _product(payload)
            reasons = list(filter_reasons)
            sources = [name for name, ids in named if pid in ids]
            if "lex" in sources:
                matched = _matched_terms(parsed.lexical_terms, product)
                if matched:
                    reasons.append("words: " + ", ".join(matched))
            if any(s != "lex" for s in sources):
                reasons.append("meaning")
            if not product.in_stock:
                reasons.append("out of stock")
            out.append(SearchHit(product=product, score=round(score / top, 4), reasons=reasons))
        clock.lap("hits")
        return out

    def _top(
        self, order: list[Ranked], raw: dict[Ranked, float], limit: int
    ) -> list[tuple[float, str, Ranked, dict[str, Any]]]:
        """The best `limit` candidates as (score, sku, point id, payload): fused score, times the out-of-stock
        factor when out of stock, ties broken by SKU.

        Payloads are read in fused-score order, a few at a time, only until no unread candidate can still make
        the top `limit` (the factor only lowers a score, so an unread candidate whose unpenalised score is below
        the current `limit`-th score cannot), instead of reading stock and SKU for every candidate."""
        chosen: list[tuple[float, str, Ranked, dict[str, Any]]] = []
        read = 0
        step = limit + 2
        while read < len(order):
            keys = {point_str(key): key for key in order[read : read + step]}
            read += len(keys)
            for hit in self.index.retrieve(list(keys)):  # a point removed meanwhile is simply missing
                key = keys[hit.id]
                score = raw[key]
                if _stock(hit.payload) <= 0:
                    score *= self.fusion.out_of_stock_factor
                chosen.append((score, str(hit.payload.get("sku", "")), key, hit.payload))
            chosen.sort(key=lambda c: (-c[0], c[1]))
            if len(chosen) >= limit and read < len(order) and chosen[limit - 1][0] > raw[order[read]]:
                break
            step = limit
        return chosen[:limit]


class _Clock:
    """Per-stage wall time of one search, added into `stages` (seconds) when given; a no-op otherwise."""

    __slots__ = ("last", "stages")

    def __init__(self, stages: dict[str, float] | None) -> None:
        self.stages = stages
        self.last = time.perf_counter() if stages is not None else 0.0

    def lap(self, name: str) -> None:
        if self.stages is not None:
            now = time.perf_counter()
            self.stages[name] = self.stages.get(name, 0.0) + now - self.last
            self.last = now


def _stock(payload: dict[str, Any]) -> int:
    value = payload.get("stock", 0)
    return int(value) if isinstance(value, int | float) else 0


def _product(payload: dict[str, Any]) -> Product:
    return Product.model_validate(payload["product"])


def _filter_reasons(f: SearchFilters) -> list[str]:
    reasons = []
    if f.categories:
        reasons.append("category")
    if f.colors:
        reasons.append("colour")
    if f.materials:
        reasons.append("material")
    if f.min_price is not None or f.max_price is not None:
        reasons.append("price")
    if f.min_width_cm is not None or f.max_width_cm is not None:
        reasons.append("size")
    if f.in_stock_only:
        reasons.append("in stock")
    return reasons


def _matched_terms(terms: Sequence[str], product: Product) -> list[str]:
    text = _words(" ".join(x for x in (product.name, product.name_ar or "", product.sku) if x))
    return [t for t in dict.fromkeys(terms) if t in text][:5]


@lru_cache(maxsize=65536)
def _words(text: str) -> frozenset[str]:
    return frozenset(normalize_text(text).split())
