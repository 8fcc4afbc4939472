"""The live-stock service on the real Zoho Inventory client against a fake Zoho on loopback, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from sandbox.zoho import FakeZoho
from tools.live_stock import DEFAULT_TIMEOUT_SECONDS, LiveStock
from tools.zoho import ZohoInventoryClient, ZohoTokenCache


@asynccontextmanager
async def live_stock(
    fake: FakeZoho, url: str, pool: AsyncConnectionPool[Any], timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> AsyncIterator[LiveStock]:
    async with httpx.AsyncClient() as http:
        tokens = ZohoTokenCache(
            pool,
            product="inventory",
            accounts_url=url,
            client_id=fake.config.client_id,
            client_secret=fake.config.client_secret,
            refresh_token="demo-inventory-refresh-token",
            http=http,
        )
        client = ZohoInventoryClient(
            base_url=f"{url}/inventory/v1", organization_id=fake.config.organization_id, tokens=tokens, http=http
        )
        yield LiveStock(client, timeout_seconds=timeout_seconds)


def set_live_figures(fake: FakeZoho, item_id: str, *, price: float, stock: int) -> None:
    """Change an item in the fake Zoho as a Zoho user would (the catalog mirror does not see it until a sync)."""
    changed = fake.patch_item(
        item_id, {"rate": price, "stock_on_hand": stock, "available_stock": stock, "actual_available_stock": stock}
    )
    assert changed is not None
