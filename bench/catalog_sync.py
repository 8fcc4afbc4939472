"""Catalog sync: the demo catalog from the fake Zoho (its own process, real HTTP) into Postgres and Qdrant Edge.

    uv run python -m bench.catalog_sync [--cold]

Measures, with the real Inventory client, token cache, `CatalogSync` and `LocalCatalog`:
1. a full sync of the 863 demo items: wall time, Zoho requests (from the fake's own request log), embeddings;
   by default the runtime embedding cache is seeded from the shipped `data/demo/catalog-embeddings.sqlite3`
   (what `make run` does); `--cold` starts from an empty cache (every passage embedded by both models);
2. an incremental sync with nothing changed;
3. an incremental sync after 10 items were renamed in the fake (must re-embed exactly 10) and 5 repriced;
4. another process's index built from the table (a restart, or the API process): embeddings from the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI

from bench.common import free_port, process, python, scratch_database, wait_until_healthy
from server.storage.database import make_pool
from server.storage.migrations import apply_migrations
from tools.catalog.runtime import DEMO_EMBEDDINGS, LocalCatalog
from tools.catalog.sync import CatalogSync
from tools.zoho import ZohoInventoryClient, ZohoTokenCache

ORG = "20071234567"


def fake_zoho_app() -> FastAPI:
    from sandbox.zoho import FakeZoho

    return FakeZoho().app


async def bench(database_url: str, zoho: str, cold: bool) -> None:
    pool = make_pool(database_url, min_size=1, max_size=6)
    await pool.open(wait=True)
    await apply_migrations(pool)
    data_dir = Path(tempfile.mkdtemp(prefix="noor-sync-bench-"))
    control = httpx.AsyncClient(base_url=zoho, timeout=30)

    async def zoho_requests() -> int:
        state = (await control.get("/_control/state")).json()
        return int(state["requests"])

    async with httpx.AsyncClient() as http:
        tokens = ZohoTokenCache(
            pool,
            product="inventory",
            accounts_url=zoho,
            client_id="demo-client-id",
            client_secret="demo-client-secret",
            refresh_token="demo-inventory-refresh-token",
            http=http,
        )
        client = ZohoInventoryClient(base_url=f"{zoho}/inventory/v1", organization_id=ORG, tokens=tokens, http=http)
        catalog = LocalCatalog.open(pool, data_dir, seed=None if cold else DEMO_EMBEDDINGS)
        sync = CatalogSync(pool, client, indexer=catalog)
        try:
            before = await zoho_requests()
            t0 = time.perf_counter()
            full = await sync.run()
            wall = time.perf_counter() - t0
            used = await zoho_requests() - before
            print(
                f"full sync ({'cold cache' if cold else 'seeded cache'}): {full.received} items, "
                f"{full.inserted} stored ({full.inactive} inactive), {full.pages} pages, {used} Zoho requests "
                f"(incl. OAuth), {full.index.embedded} passages embedded, {wall:.2f} s"
            )

            before = await zoho_requests()
            t0 = time.perf_counter()
            idle = await sync.run()
            print(
                f"incremental, nothing changed: {idle.received} items re-read (overlap), {idle.updated} changed, "
                f"{await zoho_requests() - before} Zoho requests, {idle.index.embedded} embedded, "
                f"{time.perf_counter() - t0:.2f} s"
            )

            await control.post("/_control/clock/advance", json={"seconds": 600})
            page = await client.list_items(per_page=200, sort_column="name")
            active = [i.model_dump(mode="json") for i in page.items if i.status == "active"]
            for item in active[:10]:
                await control.patch(f"/_control/inventory/items/{item['item_id']}", json={"name": item["name"] + " II"})
            for item in active[10:15]:
                await control.patch(
                    f"/_control/inventory/items/{item['item_id']}", json={"rate": float(item["rate"]) + 25}
                )
            before = await zoho_requests()
            t0 = time.perf_counter()
            inc = await sync.run()
            print(
                f"incremental after 10 renamed + 5 repriced: {inc.updated} changed, {inc.index.embedded} re-embedded "
                f"(must be 10), {inc.index.payload_only} payload-only, {await zoho_requests() - before} Zoho "
                f"requests, {time.perf_counter() - t0:.2f} s"
            )
            assert inc.index.embedded == 10, inc

            other = LocalCatalog.open(pool, data_dir, seed=None)
            try:
                t0 = time.perf_counter()
                report = await other.refresh()
                print(
                    f"another process's index from the table: {report.upserted} products, {report.embedded} "
                    f"embedded, {time.perf_counter() - t0:.2f} s"
                )
            finally:
                other.close()
        finally:
            catalog.close()
            await client.aclose()
            await control.aclose()
            await pool.close()
            shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true", help="start from an empty embedding cache")
    args = parser.parse_args()
    port = free_port()
    zoho = f"http://127.0.0.1:{port}"
    cmd = [python(), "-m", "uvicorn", "bench.catalog_sync:fake_zoho_app", "--factory", "--port", str(port)]
    with process([*cmd, "--log-level", "warning"]), scratch_database() as database_url:
        wait_until_healthy(f"{zoho}/_control/state")
        asyncio.run(bench(database_url, zoho, args.cold))


if __name__ == "__main__":
    main()
