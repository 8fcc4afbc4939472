"""`noor sync` (server/catalog.py `sync_once`): one sync from Zoho with a progress bar, the real Inventory client
and token cache against the fake Zoho over loopback HTTP, a fresh database and this process's own index."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sandbox.seed import demo_items
from sandbox.zoho import FakeClock, FakeZoho
from server.catalog import sync_once
from server.settings import Settings
from tests.support.live import live_server

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
