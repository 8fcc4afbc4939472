"""The catalog in the service's processes, wired from Settings.

* Every process that searches (API, each worker, `noor sync`) opens a `LocalCatalog`: its own index, refreshed
  from the `products` table (LISTEN `noor_catalog` + polling).
* Worker processes also sync from Zoho Inventory: at start (a full sync when the table is empty, an interrupted
  run resumed, else the changes made meanwhile) and then incrementally every `catalog_sync_interval_seconds`.
  The advisory lock in `CatalogSync` keeps it to one process at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from server.components.zoho import zoho_tokens
from server.settings import Settings
from server.storage.database import make_pool
from tools.catalog.runtime import LocalCatalog
from tools.catalog.sync import CatalogSync, SyncReport
from tools.knowledge import KnowledgeBase
from tools.zoho import ZohoError, ZohoInventoryClient, ZohoRateLimiter

log = logging.getLogger(__name__)


def open_local_catalog(settings: Settings, pool: AsyncConnectionPool[Any]) -> LocalCatalog:
    return LocalCatalog.open(
        pool,
        settings.data_dir,
        qdrant_url=settings.qdrant_url,
        qdrant_api_key=settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None,
        poll_seconds=settings.catalog_refresh_seconds,
    )


def open_knowledge(settings: Settings, catalog: LocalCatalog) -> KnowledgeBase:
    """The knowledge base, sharing the catalog's e5 model and embedding cache."""
    e5 = [e for e in catalog.search.embedders if e.name == "e5"]
    return KnowledgeBase(settings.knowledge_dir, embedders=e5 or None, cache=catalog.search.cache)


class RequestCount:
    """Counts the HTTP requests an httpx client sends (Zoho requests in sync reports)."""

    def __init__(self) -> None:
        self.count = 0

    async def hook(self, request: httpx.Request) -> None:
        self.count += 1

    def __call__(self) -> int:
        return self.count


def inventory_client(
    settings: Settings, pool: AsyncConnectionPool[Any], http: httpx.AsyncClient | None = None
) -> ZohoInventoryClient:
    tokens = zoho_tokens(settings, pool, "inventory", http)
    return ZohoInventoryClient(
        base_url=settings.zoho_inventory_api_url,
        organization_id=settings.zoho_organization_id,
        tokens=tokens,
        limiter=ZohoRateLimiter(),
        http=http,
    )


class CatalogService:
    """The catalog parts of one process: the local index (always) and, with `sync=True`, the scheduled sync."""

    def __init__(self, settings: Settings, pool: AsyncConnectionPool[Any], database_url: str, *, sync: bool) -> None:
        self.settings = settings
        self.pool = pool
        self.database_url = database_url
        self.local = open_local_catalog(settings, pool)
        self.knowledge = open_knowledge(settings, self.local)
        self.inventory: ZohoInventoryClient | None = None
        self.sync: CatalogSync | None = None
        self.zoho_requests = RequestCount()
        self._http: httpx.AsyncClient | None = None
        if sync:
            self._http = httpx.AsyncClient(event_hooks={"request": [self.zoho_requests.hook]})
            self.inventory = inventory_client(settings, pool, self._http)
            self.sync = CatalogSync(pool, self.inventory, indexer=self.local, request_counter=self.zoho_requests)
        self._tasks: list[asyncio.Task[None]] = []
        self.started = asyncio.Event()
        """Set once the start-up sync is done and this process's index holds its result: a worker answers no
        customer before (at most `catalog_ready_wait_seconds`), so the first quotation after a start finds every
        product instead of a catalog half loaded."""
        self.last_sync: SyncReport | None = None

    @property
    def search(self) -> Any:
        return self.local.search

    def start(self) -> None:
        """Background tasks (needs the pool open)."""
        self._tasks.append(asyncio.create_task(self.local.follow(self.database_url), name="catalog-follow"))
        self._tasks.append(asyncio.create_task(self._build_knowledge(), name="knowledge-build"))
        self._tasks.append(asyncio.create_task(self._warm_up(), name="catalog-warm-up"))
        if self.sync is not None:
            self._tasks.append(asyncio.create_task(self._schedule(), name="catalog-sync"))
        else:
            self.started.set()

    async def _warm_up(self) -> None:
        """Load the embedding models now, so that the first customer's search does not wait for them."""
        for embedder in self.local.search.embedders:
            try:
                await asyncio.to_thread(embedder.embed_queries, ["office chair"])
            except Exception:
                log.exception("could not load the %s embedding model", embedder.name)

    async def _build_knowledge(self) -> None:
        try:
            chunks = await self.knowledge.build()
        except Exception:
            log.exception("knowledge base build failed (it is built again on first use)")
        else:
            log.info("knowledge base: %s chunks from %s", chunks, self.settings.knowledge_dir)

    async def _schedule(self) -> None:
        assert self.sync is not None
        settings = self.settings
        if settings.catalog_sync_on_start:
            # a full sync when the table is empty, an interrupted run resumed, else the changes made while the
            # service was down (another worker's sync is waited for); the Zoho fake may still be starting (it lives
            # in the API process): retry until it answers
            delay = 1.0
            while True:
                try:
                    await self._run(None, wait=True)
                    break
                except Exception:
                    log.info("catalog start-up sync: retrying in %.0fs", delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 60.0)
        await self._started()
        while True:
            await asyncio.sleep(settings.catalog_sync_interval_seconds)
            with contextlib.suppress(Exception):
                await self._run(False)

    async def _started(self) -> None:
        if not self.started.is_set():
            with contextlib.suppress(Exception):  # another worker's sync reached this index through the table
                await self.local.refresh()
            self.started.set()

    async def _run(self, full: bool | None, *, wait: bool = False) -> None:
        assert self.sync is not None
        try:
            report = await self.sync.run(full, wait=wait)
        except ZohoError as exc:
            log.warning("catalog sync stopped: %s (the next run resumes it)", exc)
            raise
        except Exception:
            log.exception("catalog sync failed (the next run resumes it)")
            raise
        self.last_sync = report
        if report.status == "done" and (report.inserted or report.updated or report.removed or report.kind == "full"):
            log.info(
                "catalog %s sync: %s received, %s new, %s changed, %s removed, %s embedded, %s Zoho requests, %.1fs",
                report.kind,
                report.received,
                report.inserted,
                report.updated,
                report.removed,
                report.index.embedded,
                report.zoho_requests,
                report.seconds,
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.inventory is not None:
            await self.inventory.aclose()
        if self._http is not None:
            await self._http.aclose()
        await asyncio.to_thread(self.local.close)


async def sync_once(settings: Settings, database_url: str, *, full: bool, show_progress: bool = True) -> SyncReport:
    """`noor sync [--full]`: one sync from Zoho with a progress bar; this process indexes the changes (so the
    report says how many passages were embedded) and the running service's processes pick them up from the
    table. Waits if another process is syncing."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    pool = make_pool(database_url, min_size=1, max_size=4)
    await pool.open(wait=True)
    local = open_local_catalog(settings, pool)
    counter = RequestCount()
    http = httpx.AsyncClient(event_hooks={"request": [counter.hook]})
    inventory = inventory_client(settings, pool, http)
    try:
        await local.refresh()
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT count(*) AS n FROM products")).fetchone()
        known = int(row["n"]) if row else 0
        sync = CatalogSync(pool, inventory, indexer=local, request_counter=counter)
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, disable=not show_progress) as progress:
            task = progress.add_task("Zoho items", total=(known or None) if full else None, detail="")

            def advance(run: Any, received: int) -> None:
                report = run.report
                kind = f"{run.kind}{' (resumed)' if run.resumed else ''}"
                progress.update(
                    task,
                    advance=received,
                    description=f"{kind} sync",
                    detail=f"page {run.page - 1} · {report.inserted} new · {report.updated} changed · "
                    f"{report.index.embedded} embedded",
                )

            report = await sync.run(full or None, wait=True, progress=advance)
            progress.update(task, total=progress.tasks[0].completed)
        return report
    finally:
        await inventory.aclose()
        await http.aclose()
        await asyncio.to_thread(local.close)
        await pool.close()
