"""This process's catalog search, kept in step with the `products` table.

Qdrant Edge allows one process per folder, so every process that searches (the API, each worker, a `noor sync`)
has its own index under `<data_dir>/catalog/index-<pid>-<random>/`, locked with `flock` while the process
lives; folders whose lock is free belong to dead processes and are removed at start. Embeddings come from one
SQLite cache shared by all processes (`<data_dir>/catalog/embeddings.sqlite3`), seeded from the demo catalog's
cache shipped in the repo (`data/demo/catalog-embeddings.sqlite3`), so a restart or a fresh demo embeds nothing.
In production (`qdrant_url`) all processes share one Qdrant server collection instead.

    catalog = LocalCatalog.open(pool, data_dir)           # or qdrant_url=...
    await catalog.refresh()                               # rows past the watermark → index
    asyncio.create_task(catalog.follow(database_url))     # LISTEN noor_catalog, poll as a safety net
    hits = await catalog.search.search("black mesh chair")
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from tools.catalog.embedding import Embedder, EmbeddingCache
from tools.catalog.index import QdrantEdgeIndex, QdrantServerIndex, VectorIndex
from tools.catalog.product import Product
from tools.catalog.search import CatalogSearch, IndexReport
from tools.catalog.sync import CATALOG_CHANNEL

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_EMBEDDINGS = PROJECT_ROOT / "data" / "demo" / "catalog-embeddings.sqlite3"
CACHE_NAME = "embeddings.sqlite3"
INDEX_PREFIX = "index-"
LOCK_NAME = ".owner.lock"
#: Rows are re-read from this far before the watermark (a transaction that began earlier may commit later).
REFRESH_OVERLAP = timedelta(seconds=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seed_embedding_cache(cache_path: Path, seed_path: Path = DEMO_EMBEDDINGS) -> int:
    """Copy the shipped vectors into the runtime cache once (rows already there are kept). Returns rows added."""
    if not seed_path.exists():
        return 0
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{seed_path.name}:{seed_path.stat().st_size}:{int(seed_path.stat().st_mtime)}"
    db = sqlite3.connect(str(cache_path), timeout=30)
    try:
        db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")
        db.execute("CREATE TABLE IF NOT EXISTS seeds (stamp TEXT PRIMARY KEY)")
        if db.execute("SELECT 1 FROM seeds WHERE stamp = ?", (stamp,)).fetchone():
            return 0
        db.execute("ATTACH DATABASE ? AS seed", (str(seed_path),))
        before = db.total_changes
        db.execute("INSERT OR IGNORE INTO main.vectors SELECT model, key, vec FROM seed.vectors")
        added = db.total_changes - before
        db.execute("INSERT OR IGNORE INTO seeds VALUES (?)", (stamp,))
        db.commit()
        db.execute("DETACH DATABASE seed")
        return added
    finally:
        db.close()


def clean_stale_indexes(catalog_dir: Path) -> list[Path]:
    """Remove index folders whose owner process is gone (their lock file is free)."""
    removed: list[Path] = []
    if not catalog_dir.exists():
        return removed
    for folder in catalog_dir.glob(f"{INDEX_PREFIX}*"):
        if not folder.is_dir():
            continue
        lock = folder / LOCK_NAME
        try:
            with open(lock, "a+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # alive
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class LocalCatalog:
    """A `CatalogSearch` for this process plus the refresh from the `products` table (see the module docstring).

    Implements the sync's `Indexer`: `lock` and `index_locked`.
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        search: CatalogSearch,
        *,
        folder: Path | None = None,
        lock_handle: IO[str] | None = None,
        poll_seconds: float = 30.0,
    ) -> None:
        self.pool = pool
        self.search = search
        self.folder = folder
        self.poll_seconds = poll_seconds
        self._lock_handle = lock_handle
        self._lock: asyncio.Lock | None = None
        self.watermark: datetime | None = None
        self._skus: dict[str, str] = {}  # item_id → canonical SKU indexed for it
        self.last_report = IndexReport()

    @classmethod
    def open(
        cls,
        pool: AsyncConnectionPool[Any],
        data_dir: Path | str,
        *,
        qdrant_url: str | None = None,
        qdrant_api_key: str | None = None,
        embedders: Sequence[Embedder] | None = None,
        seed: Path | None = DEMO_EMBEDDINGS,
        poll_seconds: float = 30.0,
    ) -> LocalCatalog:
        catalog_dir = Path(data_dir) / "catalog"
        catalog_dir.mkdir(parents=True, exist_ok=True)
        cache_path = catalog_dir / CACHE_NAME
        if seed is not None:
            added = seed_embedding_cache(cache_path, seed)
            if added:
                log.info("embedding cache seeded with %s vectors from %s", added, seed.name)
        cache = EmbeddingCache(cache_path)
        folder: Path | None = None
        handle: IO[str] | None = None
        index: VectorIndex
        if qdrant_url:
            index = QdrantServerIndex.connect(qdrant_url, api_key=qdrant_api_key)
        else:
            for stale in clean_stale_indexes(catalog_dir):
                log.info("removed the index of a stopped process: %s", stale.name)
            folder = catalog_dir / f"{INDEX_PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
            folder.mkdir(parents=True)
            handle = open(folder / LOCK_NAME, "a+")  # noqa: SIM115 - held for the life of the index
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            index = QdrantEdgeIndex(folder / "qdrant")
        search = CatalogSearch(index, embedders=embedders, cache=cache)
        return cls(pool, search, folder=folder, lock_handle=handle, poll_seconds=poll_seconds)

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @property
    def ready(self) -> bool:
        return self.watermark is not None

    async def index_locked(self, products: Sequence[Product]) -> IndexReport:
        """Index products (the caller holds `lock`); a product whose SKU changed loses its old point."""
        moved = [old for p in products if (old := self._skus.get(p.item_id)) is not None and old != p.canonical_sku]
        if moved:
            await self.search.remove(moved)
        report = await self.search.index_products(products)
        for p in products:
            self._skus[p.item_id] = p.canonical_sku
        return report

    async def refresh(self) -> IndexReport:
        """Index the rows changed since the last refresh (all rows the first time)."""
        async with self.lock:
            since = self.watermark - REFRESH_OVERLAP if self.watermark is not None else None
            async with self.pool.connection() as conn:
                if since is None:
                    cursor = await conn.execute("SELECT product, updated_at FROM products ORDER BY updated_at")
                else:
                    cursor = await conn.execute(
                        "SELECT product, updated_at FROM products WHERE updated_at > %s ORDER BY updated_at", (since,)
                    )
                rows = await cursor.fetchall()
            products = [Product.model_validate(r["product"]) for r in rows]
            report = await self.index_locked(products) if products else IndexReport()
            newest = max((r["updated_at"] for r in rows), default=None)
            if newest is not None and (self.watermark is None or newest > self.watermark):
                self.watermark = newest
            elif self.watermark is None:
                self.watermark = EPOCH
            self.last_report = report
            if report.upserted or report.payload_only:
                log.info(
                    "catalog index refreshed: %s new/changed, %s price/stock, %s embedded",
                    report.upserted,
                    report.payload_only,
                    report.embedded,
                )
        return report

    async def follow(self, database_url: str) -> None:
        """Refresh on every `noor_catalog` notification, and every `poll_seconds` regardless (runs until
        cancelled)."""
        wake = asyncio.Event()

        async def listen() -> None:
            while True:
                try:
                    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
                        await conn.execute(f"LISTEN {CATALOG_CHANNEL}")
                        wake.set()  # anything committed before LISTEN took effect
                        async for _ in conn.notifies():
                            wake.set()
                except psycopg.Error as exc:
                    log.warning("catalog notifications interrupted (%s); polling meanwhile", exc)
                    await asyncio.sleep(1)

        listener = asyncio.create_task(listen(), name="catalog-listen")
        try:
            while True:
                try:
                    await self.refresh()
                except Exception:
                    log.exception("catalog index refresh failed; retrying")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=self.poll_seconds)
                wake.clear()
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    def close(self) -> None:
        self.search.close()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
