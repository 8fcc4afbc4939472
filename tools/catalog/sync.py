"""Zoho Inventory → `products` table (migration 0004) → this process's vector index.

    sync = CatalogSync(pool, inventory_client, indexer=local_catalog)
    report = await sync.run()            # full when the table is empty, else incremental; resumes an interrupted run
    report = await sync.run(full=True)

* One process syncs at a time: a session advisory lock (`SYNC_LOCK_KEY`) held for the whole run; a second
  caller gets `status="busy"` (or waits, `wait=True`).
* Full sync: every item (active and inactive). Incremental: items modified at/after the watermark (the newest
  `last_modified_time` stored, minus `overlap`). Pages are asked for newest first: an item modified or created
  during a run moves to the front, so the pages still to come only shift forwards (an item may come twice,
  none is skipped); the watermark catches the modified one next time.
* Resumable: each page's upserts and the run's progress (`run_next_page`) commit in one transaction, so an
  interrupted run continues at the first page it did not store, with the same parameters. Upserts are keyed by
  Zoho's item_id: nothing is ever stored twice.
* Inactive items are stored with `active = false` and indexed as inactive (search never returns them). A full
  sync checks the rows it did not receive with `GET /itemdetails`: gone ones are marked `removed`.
* `updated_at` moves only when the clean product changed; every searching process refreshes its own index from
  the rows past its watermark (`tools.catalog.runtime.LocalCatalog`). The syncing process indexes the changed
  products itself, so the report says how many passages were embedded (only new or changed content).

The steps (`begin`, `fetch_page`, `store_page`, `index_page`, `finish`) are public so that the
`catalog_index` graph can run them as nodes; `run` loops over them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from tools.catalog.product import Product, product_from_zoho_item
from tools.catalog.search import IndexReport
from tools.zoho.errors import ZohoAuthError, ZohoRateLimited, ZohoServerError, ZohoTransportError
from tools.zoho.models import Item, ItemPage

log = logging.getLogger(__name__)

SYNC_LOCK_KEY = 7_130_004
SYNC_NAME = "zoho_items"
CATALOG_CHANNEL = "noor_catalog"

SyncKind = Literal["full", "incremental"]
RETRYABLE = (ZohoAuthError, ZohoRateLimited, ZohoServerError, ZohoTransportError)


class ItemSource(Protocol):
    """What the sync needs from Zoho Inventory (`tools.zoho.ZohoInventoryClient` fits)."""

    async def list_items(
        self,
        *,
        page: int = 1,
        per_page: int = 200,
        last_modified_time: datetime | str | None = None,
        sort_column: str | None = None,
        sort_order: str | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> ItemPage: ...

    async def get_items(self, item_ids: Iterable[str], *, chunk: int = 100) -> list[Item]: ...


class Indexer(Protocol):
    """A process's vector index, kept in step with the table (`tools.catalog.runtime.LocalCatalog` fits)."""

    @property
    def lock(self) -> Any: ...

    async def index_locked(self, products: Sequence[Product]) -> IndexReport: ...


class SyncReport(BaseModel):
    status: Literal["done", "busy", "failed"] = "done"
    kind: SyncKind | None = None
    run_id: int = 0
    resumed: bool = Field(False, description="Continued an interrupted run")
    since: datetime | None = None
    pages: int = Field(0, description="Item pages fetched by this call")
    received: int = Field(0, description="Items received from Zoho by this call")
    inserted: int = 0
    updated: int = Field(0, description="Stored products whose clean content changed")
    unchanged: int = 0
    inactive: int = Field(0, description="Items received inactive (stored, hidden from customers)")
    removed: int = Field(0, description="Rows no longer in Zoho (marked removed and inactive)")
    index: IndexReport = Field(default_factory=IndexReport)
    zoho_requests: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class SyncRun:
    """The state of one run between steps (what the graph carries from node to node)."""

    run_id: int
    kind: SyncKind
    since: datetime | None
    page: int
    started: float
    resumed: bool = False
    has_more: bool = True
    max_modified: datetime | None = None
    report: SyncReport = field(default_factory=SyncReport)


@dataclass
class FetchedPage:
    page: int
    items: list[dict[str, Any]]
    has_more: bool


@dataclass
class StoredPage:
    changed: list[Product]
    received: int


ProgressCallback = Callable[[SyncRun, int], Awaitable[None] | None]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value)}")


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def products_from_items(items: Sequence[dict[str, Any]]) -> list[tuple[Product, dict[str, Any]]]:
    """Clean products (HTML stripped, stock parsed) with their raw items; the last of two items with one SKU
    wins unless it is inactive and the other active."""
    by_sku: dict[str, tuple[Product, dict[str, Any]]] = {}
    for raw in items:
        product = product_from_zoho_item(raw)
        if not product.item_id:
            continue
        previous = by_sku.get(product.canonical_sku)
        if previous is not None and previous[0].active and not product.active:
            continue
        by_sku[product.canonical_sku] = (product, raw)
    return list(by_sku.values())


_UPSERT = """
INSERT INTO products (item_id, sku, canonical_sku, compact_sku, name, name_ar, description, category, brand,
    collection, color, material, unit, price, currency, available_stock, active, removed, product, raw,
    content_hash, zoho_last_modified, seen_run, synced_at, updated_at)
VALUES (%(item_id)s, %(sku)s, %(canonical_sku)s, %(compact_sku)s, %(name)s, %(name_ar)s, %(description)s,
    %(category)s, %(brand)s, %(collection)s, %(color)s, %(material)s, %(unit)s, %(price)s, %(currency)s,
    %(available_stock)s, %(active)s, false, %(product)s, %(raw)s, %(content_hash)s, %(zoho_last_modified)s,
    %(seen_run)s, now(), clock_timestamp())
ON CONFLICT (item_id) DO UPDATE SET
    sku = EXCLUDED.sku, canonical_sku = EXCLUDED.canonical_sku, compact_sku = EXCLUDED.compact_sku,
    name = EXCLUDED.name, name_ar = EXCLUDED.name_ar, description = EXCLUDED.description,
    category = EXCLUDED.category, brand = EXCLUDED.brand, collection = EXCLUDED.collection,
    color = EXCLUDED.color, material = EXCLUDED.material, unit = EXCLUDED.unit, price = EXCLUDED.price,
    currency = EXCLUDED.currency, available_stock = EXCLUDED.available_stock, active = EXCLUDED.active,
    removed = false, product = EXCLUDED.product, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash,
    zoho_last_modified = EXCLUDED.zoho_last_modified, seen_run = EXCLUDED.seen_run, synced_at = now(),
    updated_at = CASE WHEN %(changed)s OR products.removed THEN clock_timestamp() ELSE products.updated_at END
"""


def _row(product: Product, raw: dict[str, Any], run_id: int, changed: bool) -> dict[str, Any]:
    return {
        "item_id": product.item_id,
        "sku": product.sku,
        "canonical_sku": product.canonical_sku,
        "compact_sku": product.compact_sku,
        "name": product.name,
        "name_ar": product.name_ar,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "collection": product.collection,
        "color": product.color,
        "material": product.material,
        "unit": product.unit,
        "price": product.price,
        "currency": product.currency,
        "available_stock": product.available_stock,
        "active": product.active,
        "product": Jsonb(product.model_dump(mode="json")),
        "raw": Jsonb(raw, dumps=lambda v: json.dumps(v, default=_json_default)),
        "content_hash": product.content_hash(),
        "zoho_last_modified": product.last_modified_time,
        "seen_run": run_id,
        "changed": changed,
    }


class CatalogSync:
    """Full and incremental sync of Zoho Inventory items into `products` (see the module docstring).

    Args:
        pool: psycopg AsyncConnectionPool (dict rows, autocommit) on the migrated database.
        source: the Zoho Inventory client.
        indexer: this process's index (optional: without it only the table is written; every searching
            process picks the changes up from the table anyway).
        per_page: items per Zoho request (≤ 200).
        overlap: incremental syncs re-ask for this much before the watermark (clock skew, same-second edits).
        request_counter: optional callable returning how many Zoho requests were sent so far (for reports).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        source: ItemSource,
        *,
        indexer: Indexer | None = None,
        per_page: int = 200,
        overlap: timedelta = timedelta(minutes=2),
        request_counter: Callable[[], int] | None = None,
        page_retries: int = 3,
        retry_seconds: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pool = pool
        self.source = source
        self.indexer = indexer
        self.per_page = per_page
        self.overlap = overlap
        self.request_counter = request_counter
        self.page_retries = page_retries
        self.retry_seconds = retry_seconds
        self.sleep = sleep
        self._lock_conn: AsyncConnection[Any] | None = None
        self._lock_cm: Any = None

    # --- the lock -------------------------------------------------------------------------------

    async def _acquire(self, wait: bool) -> bool:
        cm = self.pool.connection()
        conn = await cm.__aenter__()
        try:
            if wait:
                await conn.execute("SELECT pg_advisory_lock(%s)", (SYNC_LOCK_KEY,))
                got = True
            else:
                row = await (await conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (SYNC_LOCK_KEY,))).fetchone()
                got = bool(row and row["got"])
        except BaseException:
            await cm.__aexit__(None, None, None)
            raise
        if not got:
            await cm.__aexit__(None, None, None)
            return False
        self._lock_conn, self._lock_cm = conn, cm
        return True

    async def _release(self) -> None:
        conn, cm = self._lock_conn, self._lock_cm
        self._lock_conn = self._lock_cm = None
        if conn is None or cm is None:
            return
        try:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SYNC_LOCK_KEY,))
        finally:
            await cm.__aexit__(None, None, None)

    # --- steps ----------------------------------------------------------------------------------

    def _requests(self) -> int:
        return self.request_counter() if self.request_counter else 0

    async def begin(self, full: bool | None = None, wait: bool = False) -> SyncRun | None:
        """Take the lock and start (or resume) a run. None when another process holds the lock.

        `full=None`: resume an interrupted run if any, else full when nothing was synced yet, else incremental.
        `full=True` resumes an interrupted full run or starts a new one; `full=False` never starts a full run
        unless nothing was ever synced (an interrupted full run is resumed either way)."""
        if not await self._acquire(wait):
            return None
        try:
            state = await self._state()
            started = time.perf_counter()
            requests = self._requests()
            if (
                not state["run_finished"]
                and state["run_kind"]
                and (full is None or state["run_kind"] == "full" or not full)
            ):
                run = SyncRun(
                    run_id=state["run_id"],
                    kind=state["run_kind"],
                    since=state["run_since"],
                    page=state["run_next_page"],
                    started=started,
                    resumed=True,
                    max_modified=state["run_max_modified"],
                )
                log.info("resuming %s catalog sync run %s at page %s", run.kind, run.run_id, run.page)
            else:
                empty = await self._empty()
                kind: SyncKind = "full" if full or state["watermark"] is None or empty else "incremental"
                since = None if kind == "full" else state["watermark"] - self.overlap
                run = SyncRun(run_id=state["run_id"] + 1, kind=kind, since=since, page=1, started=started)
                async with self.pool.connection() as conn:
                    await conn.execute(
                        "UPDATE catalog_sync_state SET run_id = %s, run_kind = %s, run_since = %s,"
                        " run_started_at = now(), run_next_page = 1, run_items = 0, run_changed = 0,"
                        " run_max_modified = NULL, run_finished = false, updated_at = now() WHERE name = %s",
                        (run.run_id, run.kind, run.since, SYNC_NAME),
                    )
            run.report = SyncReport(kind=run.kind, run_id=run.run_id, resumed=run.resumed, since=run.since)
            run.report.zoho_requests = -requests  # made relative in finish()
            return run
        except BaseException:
            await self._release()
            raise

    async def _state(self) -> dict[str, Any]:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO catalog_sync_state (name) VALUES (%s) ON CONFLICT (name) DO NOTHING", (SYNC_NAME,)
            )
            row = await (
                await conn.execute("SELECT * FROM catalog_sync_state WHERE name = %s", (SYNC_NAME,))
            ).fetchone()
        assert row is not None
        return dict(row)

    async def _empty(self) -> bool:
        async with self.pool.connection() as conn:
            row = await (await conn.execute("SELECT NOT EXISTS (SELECT 1 FROM products) AS empty")).fetchone()
        return bool(row and row["empty"])

    async def fetch_page(self, run: SyncRun) -> FetchedPage:
        """One page of items, newest modification first (see the module docstring for why).

        The client already refreshes a rejected token once, backs off on 429 and retries 5xx; when it still
        gives up (a storm), the page is tried again `page_retries` times after a growing pause."""
        attempt = 0
        while True:
            try:
                result = await self.source.list_items(
                    page=run.page,
                    per_page=self.per_page,
                    last_modified_time=run.since,
                    sort_column="last_modified_time",
                    sort_order="D",
                    filters={"filter_by": "Status.All"},
                )
                break
            except RETRYABLE as exc:
                if attempt >= self.page_retries or (isinstance(exc, ZohoRateLimited) and exc.code == 45):
                    raise
                wait = self.retry_seconds * 2**attempt
                attempt += 1
                log.warning("catalog sync: page %s failed (%s); trying again in %.0fs", run.page, exc, wait)
                await self.sleep(wait)
        items = [i.model_dump(mode="json") for i in result.items]
        has_more = bool(result.page_context.has_more_page) and bool(items)
        run.report.pages += 1
        run.report.received += len(items)
        return FetchedPage(page=run.page, items=items, has_more=has_more)

    async def store_page(self, run: SyncRun, page: FetchedPage) -> StoredPage:
        """Upsert the page's products and record the run's progress in one transaction."""
        pairs = products_from_items(page.items)
        max_modified = run.max_modified
        for product, _ in pairs:
            max_modified = _later(max_modified, product.last_modified_time)
        changed = await self._upsert(pairs, run, next_page=page.page + 1, max_modified=max_modified)
        run.max_modified = max_modified
        run.report.inactive += sum(1 for product, _ in pairs if not product.active)
        run.page = page.page + 1
        run.has_more = page.has_more
        return StoredPage(changed=changed, received=len(pairs))

    async def _upsert(
        self,
        pairs: list[tuple[Product, dict[str, Any]]],
        run: SyncRun,
        *,
        next_page: int,
        max_modified: datetime | None,
    ) -> list[Product]:
        changed: list[Product] = []
        async with self.pool.connection() as conn, conn.transaction():
            existing: dict[str, dict[str, Any]] = {}
            if pairs:
                rows = await (
                    await conn.execute(
                        "SELECT item_id, canonical_sku, product, removed FROM products"
                        " WHERE item_id = ANY(%s) OR canonical_sku = ANY(%s) FOR UPDATE",
                        ([p.item_id for p, _ in pairs], [p.canonical_sku for p, _ in pairs]),
                    )
                ).fetchall()
                by_sku = {p.canonical_sku: p.item_id for p, _ in pairs}
                stale = []
                for row in rows:
                    owner = by_sku.get(row["canonical_sku"])
                    if owner is not None and owner != row["item_id"]:
                        stale.append(row["item_id"])  # the SKU now belongs to another Zoho item
                    else:
                        existing[row["item_id"]] = row
                if stale:
                    log.warning("catalog sync: SKUs moved to other Zoho items; dropping rows %s", stale)
                    await conn.execute("DELETE FROM products WHERE item_id = ANY(%s)", (stale,))
            params = []
            for product, raw in pairs:
                old = existing.get(product.item_id)
                dumped = product.model_dump(mode="json")
                is_changed = old is None or old["product"] != dumped or bool(old["removed"])
                if old is None:
                    run.report.inserted += 1
                elif is_changed:
                    run.report.updated += 1
                else:
                    run.report.unchanged += 1
                if is_changed:
                    changed.append(product)
                params.append(_row(product, raw, run.run_id, is_changed))
            if params:
                async with conn.cursor() as cur:
                    await cur.executemany(_UPSERT, params)
            await conn.execute(
                "UPDATE catalog_sync_state SET run_next_page = %s, run_items = run_items + %s,"
                " run_changed = run_changed + %s, run_max_modified = %s, updated_at = now() WHERE name = %s",
                (next_page, len(pairs), len(changed), max_modified, SYNC_NAME),
            )
        return changed

    async def index_page(self, run: SyncRun, stored: StoredPage) -> IndexReport:
        """Index the page's changed products in this process (under the indexer's lock), then tell the others."""
        report = IndexReport()
        if self.indexer is not None and stored.changed:
            report = await self.indexer.index_locked(stored.changed)
            _add(run.report.index, report)
        if stored.changed:
            await self.notify()
        return report

    async def store_and_index(self, run: SyncRun, page: FetchedPage) -> StoredPage:
        """`store_page` then `index_page`, holding the indexer's lock across both, so that this process's own
        refresh cannot index the rows first (the report would then miss what was embedded)."""
        if self.indexer is None:
            stored = await self.store_page(run, page)
            await self.index_page(run, stored)
            return stored
        async with self.indexer.lock:
            stored = await self.store_page(run, page)
            if stored.changed:
                _add(run.report.index, await self.indexer.index_locked(stored.changed))
        if stored.changed:
            await self.notify()
        return stored

    async def notify(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute("SELECT pg_notify(%s, 'changed')", (CATALOG_CHANNEL,))

    async def reconcile(self, run: SyncRun) -> None:
        """After a full run: rows not received are checked one by one with Zoho (bulk item details); those
        Zoho no longer has are marked removed (inactive); any it still has are stored."""
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "SELECT item_id FROM products WHERE seen_run IS DISTINCT FROM %s AND NOT removed", (run.run_id,)
                )
            ).fetchall()
        missing = [r["item_id"] for r in rows]
        if not missing:
            return
        found = await self.source.get_items(missing)
        items = [i.model_dump(mode="json") for i in found]
        if items:
            # not a page of the listing: the recorded next page stays where it is
            run.report.received += len(items)
            await self.store_and_index(run, FetchedPage(page=run.page - 1, items=items, has_more=False))
        gone = sorted(set(missing) - {str(i.get("item_id")) for i in items})
        if not gone:
            return
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "UPDATE products SET active = false, removed = true, updated_at = clock_timestamp(),"
                    " product = jsonb_set(product, '{active}', 'false') WHERE item_id = ANY(%s) RETURNING product",
                    (gone,),
                )
            ).fetchall()
        run.report.removed += len(rows)
        products = [Product.model_validate(r["product"]) for r in rows]
        if self.indexer is not None and products:
            async with self.indexer.lock:
                _add(run.report.index, await self.indexer.index_locked(products))
        await self.notify()

    async def finish(self, run: SyncRun, error: BaseException | None = None) -> SyncReport:
        """Close the run (or record why it stopped: it resumes next time) and release the lock."""
        try:
            report = run.report
            report.zoho_requests += self._requests()
            report.seconds = round(time.perf_counter() - run.started, 3)
            async with self.pool.connection() as conn:
                if error is not None:
                    report.status = "failed"
                    report.error = f"{type(error).__name__}: {error}"
                    await conn.execute(
                        "UPDATE catalog_sync_state SET last_error = %s, last_error_at = now(), updated_at = now()"
                        " WHERE name = %s",
                        (report.error, SYNC_NAME),
                    )
                else:
                    column = "last_full_sync_at" if run.kind == "full" else "last_incremental_sync_at"
                    await conn.execute(
                        f"UPDATE catalog_sync_state SET run_finished = true, {column} = now(),"
                        " watermark = GREATEST(watermark, %s), last_report = %s, last_error = NULL,"
                        " updated_at = now() WHERE name = %s",
                        (run.max_modified, Jsonb(report.model_dump(mode="json")), SYNC_NAME),
                    )
            return report
        finally:
            await self._release()

    # --- the loop -------------------------------------------------------------------------------

    async def run(
        self, full: bool | None = None, *, wait: bool = False, progress: ProgressCallback | None = None
    ) -> SyncReport:
        """One sync (see `begin` for the choice of kind). Failures are recorded and re-raised; the next call
        resumes where this one stopped."""
        run = await self.begin(full, wait=wait)
        if run is None:
            return SyncReport(status="busy")
        try:
            while run.has_more:
                page = await self.fetch_page(run)
                await self.store_and_index(run, page)
                if progress is not None:
                    result = progress(run, len(page.items))
                    if result is not None:
                        await result
            if run.kind == "full":
                await self.reconcile(run)
        except BaseException as exc:
            await self.finish(run, exc)
            raise
        return await self.finish(run)


def _add(total: IndexReport, part: IndexReport) -> None:
    total.total += part.total
    total.upserted += part.upserted
    total.payload_only += part.payload_only
    total.unchanged += part.unchanged
    total.embedded += part.embedded


async def sync_state(pool: AsyncConnectionPool[Any]) -> dict[str, Any] | None:
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT * FROM catalog_sync_state WHERE name = %s", (SYNC_NAME,))).fetchone()
    return dict(row) if row else None
