"""Catalog sync: the fake Zoho over real HTTP → real Postgres `products` → a real Qdrant Edge index."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from sandbox.seed import demo_edge_cases, demo_items
from sandbox.zoho import FakeClock, FakeZoho
from tests.support.live import LiveServer, live_server
from tools.catalog.embedding import Embedder, default_embedders
from tools.catalog.runtime import LocalCatalog
from tools.catalog.sync import CatalogSync, SyncReport, SyncRun, sync_state
from tools.zoho import ZohoInventoryClient, ZohoServerError, ZohoTokenCache

ORG = "20071234567"
START = 1_789_000_000.0


def small_catalog(n: int = 90) -> list[dict[str, Any]]:
    """n demo items including some inactive ones and HTML descriptions."""
    items = demo_items()
    cases = demo_edge_cases()
    inactive = set(cases["inactive"][:5])
    chosen = [i for i in items if i["sku"] in inactive]
    chosen += [i for i in items if i["sku"] not in inactive][: n - len(chosen)]
    return [copy.deepcopy(i) for i in chosen]


@pytest.fixture
def fake() -> FakeZoho:
    return FakeZoho(clock=FakeClock(START))


@pytest.fixture
def fake_server(fake: FakeZoho) -> Iterator[LiveServer]:
    with live_server(fake.app) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def inventory(fake: FakeZoho, server: LiveServer, pool: AsyncConnectionPool[Any], http: httpx.AsyncClient) -> Any:
    tokens = ZohoTokenCache(
        pool,
        product="inventory",
        accounts_url=server.url,
        client_id="demo-client-id",
        client_secret="demo-client-secret",
        refresh_token="demo-inventory-refresh-token",
        http=http,
        clock=fake.clock.now,
    )
    return ZohoInventoryClient(
        base_url=f"{server.url}/inventory/v1",
        organization_id=ORG,
        tokens=tokens,
        http=http,
        clock=fake.clock.now,
        sleep=fake.clock.sleep,
    )


@pytest.fixture(scope="session")
def embedders() -> list[Embedder]:
    """The real models, loaded once for the session (only tests that embed something load them)."""
    return default_embedders()


@pytest.fixture
async def catalog(
    pool: AsyncConnectionPool[Any], tmp_path: Path, embedders: list[Embedder]
) -> AsyncIterator[LocalCatalog]:
    local = LocalCatalog.open(pool, tmp_path, embedders=embedders)
    yield local
    local.close()


def make_sync(
    fake: FakeZoho,
    server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
    **kwargs: Any,
) -> CatalogSync:
    return CatalogSync(
        pool,
        inventory(fake, server, pool, http),
        indexer=catalog,
        request_counter=lambda: fake.request_count("inventory"),
        sleep=fake.clock.sleep,
        **kwargs,
    )


async def rows(pool: AsyncConnectionPool[Any], sql: str, *args: Any) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        return list(await (await conn.execute(sql, args)).fetchall())


async def test_full_sync_stores_every_item_and_hides_inactive_ones(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    sync = make_sync(fake, fake_server, pool, http, catalog)
    report = await sync.run()

    assert report.status == "done"
    assert report.kind == "full"
    assert report.received == 863
    assert report.inserted == 863
    assert report.pages == 5
    assert report.index.embedded == 0  # the shipped demo embedding cache seeded the runtime cache
    assert report.zoho_requests == 5  # one request per page of 200
    counts = (await rows(pool, "SELECT count(*) AS n, count(*) FILTER (WHERE NOT active) AS inactive FROM products"))[0]
    assert counts == {"n": 863, "inactive": 43}
    assert await catalog.search.count() == 863

    inactive_sku = demo_edge_cases()["inactive"][0]
    assert await catalog.search.get(inactive_sku) is None  # hidden from customers
    assert await catalog.search.get(inactive_sku, include_inactive=True) is not None

    html_sku = demo_edge_cases()["html_description"][0]
    stored = (
        await rows(pool, "SELECT description, raw->>'description' AS raw FROM products WHERE sku = %s", html_sku)
    )[0]
    assert "<" in stored["raw"]
    assert "<" not in stored["description"]

    # a second run is incremental and finds nothing new
    again = await sync.run()
    assert again.kind == "incremental"
    assert again.updated == 0
    assert again.inserted == 0
    assert again.index.embedded == 0


async def test_incremental_sync_reembeds_exactly_the_edited_items(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(60)}
    sync = make_sync(fake, fake_server, pool, http, catalog)
    first = await sync.run()
    assert first.kind == "full"
    assert first.inserted == 60
    assert first.index.embedded == 0

    fake.clock.advance(3600)
    active = [i for i in fake.inventory.items.values() if i["status"] == "active"]
    for item in active[:10]:
        fake.patch_item(item["item_id"], {"name": item["name"] + " Plus"})
    for item in active[10:12]:  # price only: payload update, no embedding
        fake.patch_item(item["item_id"], {"rate": float(item["rate"]) + 10})
    before = fake.request_count("inventory")

    report = await sync.run()

    assert report.kind == "incremental"
    assert report.updated == 12
    assert report.inserted == 0
    assert report.index.embedded == 10
    assert report.index.upserted == 10
    assert report.index.payload_only == 2
    assert fake.request_count("inventory") - before == 1
    renamed = await catalog.search.get(active[0]["sku"])
    assert renamed is not None
    assert renamed.name.endswith(" Plus")
    repriced = await catalog.search.get(active[10]["sku"])
    assert repriced is not None
    assert float(repriced.price) == pytest.approx(float(active[10]["rate"]))


async def test_an_interrupted_sync_resumes_without_duplicates(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(90)}
    sync = make_sync(fake, fake_server, pool, http, catalog, per_page=20)

    def break_after_page_two(run: SyncRun, received: int) -> None:
        if run.page == 3:  # pages 1 and 2 are stored: Zoho fails from now on
            fake.fail_next(1000, 500, product="inventory", path="/items")

    with pytest.raises(ZohoServerError):
        await sync.run(progress=break_after_page_two)
    state = await sync_state(pool)
    assert state is not None
    assert not state["run_finished"]
    assert state["run_next_page"] == 3
    assert (await rows(pool, "SELECT count(*) AS n FROM products"))[0]["n"] == 40

    fake.clear_faults()
    fake.requests.clear()
    report = await sync.run()

    assert report.resumed
    assert report.kind == "full"
    assert report.pages == 3
    pages = [r.query for r in fake.requests if r.path.startswith("/inventory/v1/items")]
    assert "page=3" in pages[0]
    assert not any("page=1&" in q or "page=2&" in q for q in pages)
    total = (await rows(pool, "SELECT count(*) AS n, count(DISTINCT canonical_sku) AS skus FROM products"))[0]
    assert total == {"n": 90, "skus": 90}
    assert await catalog.search.count() == 90
    state = await sync_state(pool)
    assert state is not None
    assert state["run_finished"]
    assert state["last_full_sync_at"] is not None


async def test_401_and_429_storms_are_survived(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(50)}
    sync = make_sync(fake, fake_server, pool, http, catalog, per_page=10)

    async def storms(run: SyncRun, received: int) -> None:
        if run.page == 2:
            fake.expire_tokens()
            fake.fail_next(3, 401, product="inventory", path="/items")
        if run.page == 3:
            fake.fail_next(8, 429, product="inventory", code=44, path="/items", retry_after="2")
        if run.page == 4:
            fake.fail_next(3, 429, product="inventory", code=1070, path="/items")
            fake.fail_next(2, 503, product="inventory", path="/items")

    report = await sync.run(progress=storms)

    assert report.status == "done"
    assert report.inserted == 50
    assert report.pages == 5
    assert (await rows(pool, "SELECT count(*) AS n FROM products"))[0]["n"] == 50
    assert fake.refresh_count("demo-inventory-refresh-token") <= 6


async def test_one_process_syncs_at_a_time(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(10)}
    first = make_sync(fake, fake_server, pool, http, catalog)
    second = make_sync(fake, fake_server, pool, http, catalog)
    run = await first.begin()
    assert run is not None
    assert await second.run() == SyncReport(status="busy")
    await first.finish(run)
    assert (await second.run()).status == "done"


async def test_items_gone_from_zoho_are_hidden_after_a_full_sync(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    items = small_catalog(20)
    fake.inventory.items = {i["item_id"]: i for i in items}
    sync = make_sync(fake, fake_server, pool, http, catalog)
    await sync.run()
    gone = next(i for i in items if i["status"] == "active")
    del fake.inventory.items[gone["item_id"]]

    report = await sync.run(full=True)

    assert report.removed == 1
    row = (await rows(pool, "SELECT active, removed FROM products WHERE item_id = %s", gone["item_id"]))[0]
    assert row == {"active": False, "removed": True}
    assert await catalog.search.get(gone["sku"]) is None


async def test_another_process_index_follows_the_table_without_embedding(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
    tmp_path: Path,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(30)}
    await make_sync(fake, fake_server, pool, http, catalog).run()
    other = LocalCatalog.open(pool, tmp_path)  # same data dir: its own index folder, the shared cache
    try:
        assert other.folder != catalog.folder
        report = await other.refresh()
        assert report.upserted == 30
        assert report.embedded == 0
        assert await other.search.count() == 30
        assert (await other.refresh()).upserted == 0
    finally:
        other.close()
    assert not other.folder or not other.folder.exists()


async def test_the_catalog_index_graph_runs_the_same_sync(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
) -> None:
    from agent.nodes.catalog_index import CatalogIndexContext
    from graphs.catalog_index import graph

    fake.inventory.items = {i["item_id"]: i for i in small_catalog(45)}
    sync = make_sync(fake, fake_server, pool, http, catalog, per_page=20)

    first = await graph.ainvoke({}, context=CatalogIndexContext(sync=sync))

    assert first["report"]["kind"] == "full"
    assert first["report"]["inserted"] == 45
    assert first["report"]["pages"] == 3
    assert await catalog.search.count() == 45
    fake.clock.advance(600)
    item = next(i for i in fake.inventory.items.values() if i["status"] == "active")
    fake.patch_item(item["item_id"], {"name": "Renamed " + item["name"]})

    second = await graph.ainvoke({"full": False}, context=CatalogIndexContext(sync=sync))

    assert second["report"]["kind"] == "incremental"
    assert second["report"]["updated"] == 1
    assert second["report"]["index"]["upserted"] == 1
    state = await sync_state(pool)
    assert state is not None
    assert state["run_finished"]


def test_index_folders_of_stopped_processes_are_removed(tmp_path: Path) -> None:
    import fcntl

    from tools.catalog.runtime import LOCK_NAME, clean_stale_indexes

    catalog_dir = tmp_path / "catalog"
    dead = catalog_dir / "index-1-dead"
    alive = catalog_dir / "index-2-alive"
    for folder in (dead, alive):
        (folder / "qdrant").mkdir(parents=True)
        (folder / LOCK_NAME).touch()
    with open(alive / LOCK_NAME, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        removed = clean_stale_indexes(catalog_dir)
    assert removed == [dead]
    assert alive.exists()
    assert not dead.exists()


async def test_the_production_backend_follows_the_table_too(
    fake: FakeZoho,
    fake_server: LiveServer,
    pool: AsyncConnectionPool[Any],
    http: httpx.AsyncClient,
    catalog: LocalCatalog,
    tmp_path: Path,
) -> None:
    fake.inventory.items = {i["item_id"]: i for i in small_catalog(15)}
    await make_sync(fake, fake_server, pool, http, catalog).run()
    server = LocalCatalog.open(pool, tmp_path / "server", qdrant_url=":memory:")  # qdrant-client's local mode
    try:
        assert server.folder is None
        report = await server.refresh()
        assert report.upserted == 15
        assert report.embedded == 0
        assert await server.search.count() == 15
    finally:
        server.close()


async def test_the_catalog_index_graph_without_the_services_sync_says_what_it_needs() -> None:
    from agent.nodes.catalog_index import NoCatalogSync
    from graphs.catalog_index import graph

    with pytest.raises(NoCatalogSync, match="CatalogIndexContext"):
        await graph.ainvoke({})
