"""Vector index backends: Qdrant Edge in-process (default) and a Qdrant server via qdrant-client.

Both store, per product, named dense vectors (one per embedder), a sparse lexical vector
("lex", IDF applied by Qdrant) and a payload with the filterable fields, and both translate the
same backend-neutral `IndexFilter` into Qdrant payload filters.
"""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from tools.catalog.lexical import SparseVector

SPARSE_NAME = "lex"

FieldType = Literal["keyword", "float", "integer"]

#: Payload fields indexed for filtering (name → type).
PAYLOAD_INDEXES: dict[str, FieldType] = {
    "category": "keyword",
    "color": "keyword",
    "material": "keyword",
    "sku_compact": "keyword",
    "sku_prefixes": "keyword",
    "price": "float",
    "width": "float",
    "stock": "integer",
    "status": "keyword",
}


@dataclass(frozen=True)
class IndexFilter:
    """Conjunction of conditions: `match` (field equals any of the values) and `ranges` (gte, lte)."""

    match: Mapping[str, Sequence[str]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexPoint:
    id: str
    vectors: Mapping[str, npt.NDArray[np.float32]]
    sparse: SparseVector
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class RankRequest:
    """One candidate query of a batch: a dense vector (`using` names it) or the sparse lexical vector."""

    using: str
    flt: IndexFilter
    limit: int
    dense: npt.NDArray[np.float32] | None = None
    sparse: SparseVector | None = None


#: A ranked candidate's key: the point id as a cheap hashable (the UUID's 128-bit integer from Qdrant Edge, whose
#: `uuid.UUID` objects hash in Python; the id string from qdrant-client); `point_str` gives the id `retrieve` takes.
#: Candidate lists carry no payload (reading a payload costs ~20 µs a point, about as much as a filtered vector
#: query at 10k items): fusion reads payloads, and formats ids, for the final few only.
Ranked = int | str


def point_str(key: Ranked) -> str:
    """The point id (UUID string) of a ranked candidate's key."""
    return str(uuid.UUID(int=key)) if isinstance(key, int) else key


@dataclass(frozen=True)
class IndexHit:
    id: str
    score: float
    payload: dict[str, Any]


class VectorIndex(Protocol):
    """What the catalog needs from a vector store. All methods are synchronous and thread-safe."""

    def ensure(self, dense: Mapping[str, int]) -> None:
        """Create the collection (named dense vectors and their sizes, plus the sparse vector) if missing."""

    def upsert(self, points: Sequence[IndexPoint]) -> None: ...

    def set_payload(self, point_id: str, payload: Mapping[str, Any]) -> None:
        """Replace a point's payload, keeping its vectors."""

    def delete(self, ids: Sequence[str]) -> None: ...

    def retrieve(self, ids: Sequence[str]) -> list[IndexHit]: ...

    def find(self, flt: IndexFilter, limit: int) -> list[IndexHit]:
        """Points matching a filter (no ranking)."""

    def search_dense(
        self,
        name: str,
        vector: npt.NDArray[np.float32],
        flt: IndexFilter,
        limit: int,
        fields: Sequence[str] | None = None,
    ) -> list[IndexHit]:
        """Nearest points; `fields` limits the payload returned (None = whole payload)."""

    def search_sparse(
        self, vector: SparseVector, flt: IndexFilter, limit: int, fields: Sequence[str] | None = None
    ) -> list[IndexHit]: ...

    def rank(self, requests: Sequence[RankRequest], scores: list[list[float]] | None = None) -> list[list[Ranked]]:
        """Candidate lists (point ids) for several queries at once (one round trip), best first. When `scores` is
        given it is filled with each list's scores."""

    def count(self) -> int: ...

    def close(self) -> None: ...


# --- Qdrant Edge (in-process, on disk) ------------------------------------------------------------


class QdrantEdgeIndex:
    """Qdrant Edge shard in a folder: the embedded default (filtered queries in ~1 ms)."""

    def __init__(self, path: Path | str, search_threads: int | None = 1) -> None:
        import qdrant_edge as qe

        self._qe = qe
        self._path = Path(path)
        self._lock = threading.RLock()
        self._shard: Any = None
        self._dirty = 0
        self._threads = search_threads
        if (self._path / "edge_config.json").exists() or any(self._path.glob("segments*")):
            self._shard = qe.EdgeShard.load(str(self._path))

    def ensure(self, dense: Mapping[str, int]) -> None:
        qe = self._qe
        with self._lock:
            if self._shard is None:
                self._path.mkdir(parents=True, exist_ok=True)
                config = qe.EdgeConfig(
                    vectors={
                        name: qe.EdgeVectorParams(size=size, distance=qe.Distance.Cosine)
                        for name, size in dense.items()
                    },
                    sparse_vectors={SPARSE_NAME: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                    # small filtered queries: one search thread avoids pool overhead on busy machines
                    max_search_threads=self._threads,
                )
                self._shard = qe.EdgeShard.create(str(self._path), config)
                types = {
                    "keyword": qe.PayloadSchemaType.Keyword,
                    "float": qe.PayloadSchemaType.Float,
                    "integer": qe.PayloadSchemaType.Integer,
                }
                for key, kind in PAYLOAD_INDEXES.items():
                    self._shard.update(qe.UpdateOperation.create_field_index(key, types[kind]))

    @property
    def shard(self) -> Any:
        if self._shard is None:
            raise RuntimeError("index not created yet: call ensure() first")
        return self._shard

    def _filter(self, flt: IndexFilter) -> Any:
        qe = self._qe
        must: list[Any] = []
        for key, values in flt.match.items():
            vals = list(values)
            if not vals:
                continue
            if len(vals) == 1:
                must.append(qe.FieldCondition(key=key, match=qe.MatchValue(str(vals[0]))))
            else:
                must.append(qe.FieldCondition(key=key, match=qe.MatchAny([str(v) for v in vals])))
        for key, (gte, lte) in flt.ranges.items():
            if gte is None and lte is None:
                continue
            must.append(qe.FieldCondition(key=key, range=qe.RangeFloat(gte=gte, lte=lte)))
        return qe.Filter(must=must) if must else None

    def _point(self, p: IndexPoint) -> Any:
        qe = self._qe
        vector: dict[str, Any] = {name: v.tolist() for name, v in p.vectors.items()}
        if p.sparse:
            vector[SPARSE_NAME] = qe.SparseVector(p.sparse.indices, p.sparse.values)
        return qe.Point(p.id, vector, dict(p.payload))

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        with self._lock:
            for start in range(0, len(points), 512):
                chunk = [self._point(p) for p in points[start : start + 512]]
                self.shard.update(self._qe.UpdateOperation.upsert_points(chunk))
            self._dirty += len(points)
            self.shard.flush()

    def optimize(self) -> None:
        """Build HNSW / merge segments after a bulk load (blocking)."""
        with self._lock:
            self.shard.optimize()
            self._dirty = 0

    def set_payload(self, point_id: str, payload: Mapping[str, Any]) -> None:
        with self._lock:
            self.shard.update(self._qe.UpdateOperation.overwrite_payload([point_id], dict(payload)))
            self.shard.flush()

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self._lock:
            self.shard.update(self._qe.UpdateOperation.delete_points(list(ids)))
            self.shard.flush()

    @staticmethod
    def _hit(p: Any) -> IndexHit:
        return IndexHit(id=str(p.id), score=float(getattr(p, "score", 0.0) or 0.0), payload=dict(p.payload or {}))

    def retrieve(self, ids: Sequence[str]) -> list[IndexHit]:
        if not ids:
            return []
        with self._lock:
            return [self._hit(r) for r in self.shard.retrieve(list(ids), True, False)]

    def find(self, flt: IndexFilter, limit: int) -> list[IndexHit]:
        with self._lock:
            records, _ = self.shard.scroll(
                self._qe.ScrollRequest(limit=limit, filter=self._filter(flt), with_payload=True)
            )
        return [self._hit(r) for r in records]

    def search_dense(
        self,
        name: str,
        vector: npt.NDArray[np.float32],
        flt: IndexFilter,
        limit: int,
        fields: Sequence[str] | None = None,
    ) -> list[IndexHit]:
        qe = self._qe
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(vector.tolist(), using=name),
            filter=self._filter(flt),
            with_payload=list(fields) if fields is not None else True,
        )
        with self._lock:
            return [self._hit(p) for p in self.shard.query(request)]

    def search_sparse(
        self, vector: SparseVector, flt: IndexFilter, limit: int, fields: Sequence[str] | None = None
    ) -> list[IndexHit]:
        if not vector:
            return []
        qe = self._qe
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(qe.SparseVector(vector.indices, vector.values), using=SPARSE_NAME),
            filter=self._filter(flt),
            with_payload=list(fields) if fields is not None else True,
        )
        with self._lock:
            return [self._hit(p) for p in self.shard.query(request)]

    def rank(self, requests: Sequence[RankRequest], scores: list[list[float]] | None = None) -> list[list[Ranked]]:
        qe = self._qe
        batch = []
        slots: list[int] = []
        filters: dict[int, Any] = {}  # the requests of one search share their filter: build it once
        for i, r in enumerate(requests):
            if r.dense is not None:
                query = qe.Query.Nearest(r.dense.tolist(), using=r.using)
            elif r.sparse:
                query = qe.Query.Nearest(qe.SparseVector(r.sparse.indices, r.sparse.values), using=r.using)
            else:
                continue
            if id(r.flt) not in filters:
                filters[id(r.flt)] = self._filter(r.flt)
            batch.append(qe.QueryRequest(limit=r.limit, query=query, filter=filters[id(r.flt)], with_payload=False))
            slots.append(i)
        out: list[list[Ranked]] = [[] for _ in requests]
        if scores is not None:
            scores[:] = [[] for _ in requests]
        if not batch:
            return out
        with self._lock:
            results = self.shard.query_batch(qe.QueryBatchRequest(batch))
        for i, points in zip(slots, results, strict=True):
            out[i] = [p.id.int for p in points]
            if scores is not None:
                scores[i] = [float(p.score) for p in points]
        return out

    def count(self) -> int:
        with self._lock:
            if self._shard is None:
                return 0
            return int(self._shard.count(self._qe.CountRequest()))

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                self._shard.flush()
                self._shard.close()
                self._shard = None


# --- Qdrant server through qdrant-client (production) ---------------------------------------------


class QdrantServerIndex:
    """A collection on a Qdrant server (or qdrant-client's ":memory:" / path mode in tests)."""

    def __init__(self, client: Any, collection: str = "products") -> None:
        from qdrant_client import models

        self._client = client
        self._m = models
        self._collection = collection
        self._lock = threading.RLock()

    @classmethod
    def connect(cls, url: str, api_key: str | None = None, collection: str = "products") -> QdrantServerIndex:
        from qdrant_client import QdrantClient

        client = (
            QdrantClient(location=url, api_key=api_key) if url == ":memory:" else QdrantClient(url=url, api_key=api_key)
        )
        return cls(client, collection)

    def ensure(self, dense: Mapping[str, int]) -> None:
        m = self._m
        with self._lock:
            if self._client.collection_exists(self._collection):
                return
            self._client.create_collection(
                self._collection,
                vectors_config={
                    name: m.VectorParams(size=size, distance=m.Distance.COSINE) for name, size in dense.items()
                },
                sparse_vectors_config={SPARSE_NAME: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            )
            types = {
                "keyword": m.PayloadSchemaType.KEYWORD,
                "float": m.PayloadSchemaType.FLOAT,
                "integer": m.PayloadSchemaType.INTEGER,
            }
            with warnings.catch_warnings():
                # local mode warns that payload indexes are ignored; a server uses them
                warnings.simplefilter("ignore", UserWarning)
                for key, kind in PAYLOAD_INDEXES.items():
                    self._client.create_payload_index(self._collection, key, types[kind])

    def _filter(self, flt: IndexFilter) -> Any:
        m = self._m
        must: list[Any] = []
        for key, values in flt.match.items():
            vals = list(values)
            if not vals:
                continue
            must.append(m.FieldCondition(key=key, match=m.MatchAny(any=[str(v) for v in vals])))
        for key, (gte, lte) in flt.ranges.items():
            if gte is None and lte is None:
                continue
            must.append(m.FieldCondition(key=key, range=m.Range(gte=gte, lte=lte)))
        return m.Filter(must=must) if must else None

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        m = self._m
        structs = []
        for p in points:
            vector: dict[str, Any] = {name: v.tolist() for name, v in p.vectors.items()}
            if p.sparse:
                vector[SPARSE_NAME] = m.SparseVector(indices=p.sparse.indices, values=p.sparse.values)
            structs.append(m.PointStruct(id=p.id, vector=vector, payload=dict(p.payload)))
        with self._lock:
            for start in range(0, len(structs), 256):
                self._client.upsert(self._collection, structs[start : start + 256], wait=True)

    def set_payload(self, point_id: str, payload: Mapping[str, Any]) -> None:
        with self._lock:
            self._client.overwrite_payload(self._collection, payload=dict(payload), points=[point_id], wait=True)

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        with self._lock:
            self._client.delete(self._collection, points_selector=self._m.PointIdsList(points=list(ids)), wait=True)

    @staticmethod
    def _hit(p: Any) -> IndexHit:
        return IndexHit(id=str(p.id), score=float(getattr(p, "score", 0.0) or 0.0), payload=dict(p.payload or {}))

    def retrieve(self, ids: Sequence[str]) -> list[IndexHit]:
        if not ids:
            return []
        with self._lock:
            return [self._hit(r) for r in self._client.retrieve(self._collection, list(ids), with_payload=True)]

    def find(self, flt: IndexFilter, limit: int) -> list[IndexHit]:
        with self._lock:
            records, _ = self._client.scroll(
                self._collection, scroll_filter=self._filter(flt), limit=limit, with_payload=True
            )
        return [self._hit(r) for r in records]

    def search_dense(
        self,
        name: str,
        vector: npt.NDArray[np.float32],
        flt: IndexFilter,
        limit: int,
        fields: Sequence[str] | None = None,
    ) -> list[IndexHit]:
        with self._lock:
            result = self._client.query_points(
                self._collection,
                query=vector.tolist(),
                using=name,
                query_filter=self._filter(flt),
                limit=limit,
                with_payload=list(fields) if fields is not None else True,
            )
        return [self._hit(p) for p in result.points]

    def search_sparse(
        self, vector: SparseVector, flt: IndexFilter, limit: int, fields: Sequence[str] | None = None
    ) -> list[IndexHit]:
        if not vector:
            return []
        with self._lock:
            result = self._client.query_points(
                self._collection,
                query=self._m.SparseVector(indices=vector.indices, values=vector.values),
                using=SPARSE_NAME,
                query_filter=self._filter(flt),
                limit=limit,
                with_payload=list(fields) if fields is not None else True,
            )
        return [self._hit(p) for p in result.points]

    def rank(self, requests: Sequence[RankRequest], scores: list[list[float]] | None = None) -> list[list[Ranked]]:
        m = self._m
        batch = []
        slots: list[int] = []
        for i, r in enumerate(requests):
            if r.dense is not None:
                query: Any = r.dense.tolist()
            elif r.sparse:
                query = m.SparseVector(indices=r.sparse.indices, values=r.sparse.values)
            else:
                continue
            batch.append(
                m.QueryRequest(
                    query=query, using=r.using, filter=self._filter(r.flt), limit=r.limit, with_payload=False
                )
            )
            slots.append(i)
        out: list[list[Ranked]] = [[] for _ in requests]
        if scores is not None:
            scores[:] = [[] for _ in requests]
        if not batch:
            return out
        with self._lock:
            results = self._client.query_batch_points(self._collection, requests=batch)
        for i, result in zip(slots, results, strict=True):
            out[i] = [str(p.id) for p in result.points]
            if scores is not None:
                scores[i] = [float(p.score) for p in result.points]
        return out

    def count(self) -> int:
        with self._lock:
            if not self._client.collection_exists(self._collection):
                return 0
            return int(self._client.count(self._collection, exact=True).count)

    def close(self) -> None:
        with self._lock:
            self._client.close()
