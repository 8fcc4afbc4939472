from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from sandbox.zoho import FakeClock, FakeZoho
from server.storage.database import make_pool
from tests.support.db import TestDatabases
from tests.support.live import LiveServer, live_server
from tools.zoho import ZohoCrmClient, ZohoInventoryClient, ZohoTokenCache

ORG = "20071234567"
START = 1_789_000_000.0  # a fixed epoch second: the fake's clock only moves when a test advances it


@dataclass
class Zoho:
    fake: FakeZoho
    server: LiveServer
    pool: AsyncConnectionPool[Any]
    http: httpx.AsyncClient

    @property
    def url(self) -> str:
        return self.server.url

    def tokens(self, product: str = "inventory", *, real_clock: bool = False, **kwargs: Any) -> ZohoTokenCache:
        options: dict[str, Any] = {
            "product": product,
            "accounts_url": self.url,
            "client_id": "demo-client-id",
            "client_secret": "demo-client-secret",
            "refresh_token": f"demo-{product}-refresh-token",
            "http": self.http,
        }
        if not real_clock:
            options["clock"] = self.fake.clock.now
        options.update(kwargs)
        pool = options.pop("pool", self.pool)
        return ZohoTokenCache(pool, **options)

    def inventory(self, tokens: ZohoTokenCache | None = None, **kwargs: Any) -> ZohoInventoryClient:
        options: dict[str, Any] = {"clock": self.fake.clock.now, "sleep": self.fake.clock.sleep, "http": self.http}
        options.update(kwargs)
        return ZohoInventoryClient(
            base_url=f"{self.url}/inventory/v1", organization_id=ORG, tokens=tokens or self.tokens(), **options
        )

    def crm(self, tokens: ZohoTokenCache | None = None, **kwargs: Any) -> ZohoCrmClient:
        options: dict[str, Any] = {"clock": self.fake.clock.now, "sleep": self.fake.clock.sleep, "http": self.http}
        options.update(kwargs)
        return ZohoCrmClient(base_url=f"{self.url}/crm/v7", tokens=tokens or self.tokens("crm"), **options)


@pytest.fixture
def fake() -> FakeZoho:
    return FakeZoho(clock=FakeClock(START))


@pytest.fixture
def fake_server(fake: FakeZoho) -> Iterator[LiveServer]:
    with live_server(fake.app) as server:
        yield server


@pytest.fixture(scope="module")
def zoho_database_url(test_databases: TestDatabases) -> str:
    """One migrated database per module (creating and dropping one per test is slow on a busy server);
    every test starts from an empty zoho_tokens table instead."""
    return test_databases.fresh()


@pytest.fixture(scope="module")
async def zoho_pool(zoho_database_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    pool = make_pool(zoho_database_url, min_size=1, max_size=10)
    await pool.open()
    yield pool
    await pool.close()


@pytest.fixture
async def zoho(fake: FakeZoho, fake_server: LiveServer, zoho_pool: AsyncConnectionPool[Any]) -> AsyncIterator[Zoho]:
    async with zoho_pool.connection() as conn:
        await conn.execute("DELETE FROM zoho_tokens")
    async with httpx.AsyncClient() as http:
        yield Zoho(fake, fake_server, zoho_pool, http)
