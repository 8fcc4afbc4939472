"""The catalog sync as the service runs it (server/components/catalog.py): `noor sync` with its progress bar and the
workers' schedule, with the real Inventory client and token cache against the fake Zoho over loopback HTTP, a fresh
database and this process's own index."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.seed import demo_items
from sandbox.zoho import FakeClock, FakeZoho
from server.components.catalog import CatalogService, sync_once
from server.settings import Settings
from server.storage.database import make_pool
from tests.support.live import live_server
from tools.catalog.sync import SyncReport

START = 1_789_000_000.0


async def test_noor_sync_shows_a_progress_bar_then_syncs_only_the_changes(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeZoho(clock=FakeClock(START))
    items = [copy.deepcopy(i) for i in demo_items() if i["status"] == "active"][:30]
    fake.inventory.items = {i["item_id"]: i for i in items}
    with live_server(fake.app) as server:
        settings = Settings(
            data_dir=tmp_path,
            zoho_accounts_url=server.url,
            zoho_inventory_url=f"{server.url}/inventory/v1",
            openrouter_api_key=None,
        )
        report = await sync_once(settings, database_url, full=True)
        assert (report.status, report.kind, report.inserted) == ("done", "full", 30)
        shown = capsys.readouterr().err
        assert "full sync" in shown
        assert "30/30" in shown
        assert "30 new" in shown

        fake.clock.advance(600)
        report = await sync_once(settings, database_url, full=False)
        assert (report.status, report.kind, report.inserted, report.updated) == ("done", "incremental", 0, 0)
        assert "incremental sync" in capsys.readouterr().err


async def _next_sync(service: CatalogService, wanted: Callable[[SyncReport], bool]) -> SyncReport:
    for _ in range(80):  # 4 s
        if service.last_sync is not None and wanted(service.last_sync):
            return service.last_sync
        await asyncio.sleep(0.05)
    raise AssertionError(f"no such sync; the last one: {service.last_sync}")


async def test_workers_sync_at_start_then_on_schedule(database_url: str, tmp_path: Path) -> None:
    """The worker's schedule (`CatalogService._schedule`): a full sync at start on an empty table, then an
    incremental one every `catalog_sync_interval_seconds` that brings a price changed in Zoho."""
    fake = FakeZoho(clock=FakeClock(START))
    items = [copy.deepcopy(i) for i in demo_items() if i["status"] == "active"][:20]
    fake.inventory.items = {i["item_id"]: i for i in items}
    pool = make_pool(database_url, min_size=1, max_size=4)
    await pool.open(wait=True)
    with live_server(fake.app) as server:
        settings = Settings(
            data_dir=tmp_path,
            zoho_accounts_url=server.url,
            zoho_inventory_url=f"{server.url}/inventory/v1",
            openrouter_api_key=None,
            catalog_sync_interval_seconds=0.2,
        )
        service = CatalogService(settings, pool, database_url, sync=True)
        schedule = asyncio.create_task(service._schedule())
        try:
            first = await _next_sync(service, lambda r: True)
            assert (first.kind, first.inserted) == ("full", 20)
            fake.clock.advance(300)
            fake.patch_item(items[0]["item_id"], {"rate": 4321.0})
            later = await _next_sync(service, lambda r: r.kind == "incremental" and r.updated > 0)
            assert later.updated == 1
            async with pool.connection() as conn:
                cur = await conn.execute("SELECT price FROM products WHERE item_id = %s", (items[0]["item_id"],))
                row = await cur.fetchone()
            assert row is not None
            assert float(row["price"]) == 4321.0
        finally:
            schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schedule
            await service.stop()
            await pool.close()
