from __future__ import annotations

import asyncio
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from server.storage.database import make_pool
from tests.tools.zoho.conftest import Zoho
from tools.zoho import ZohoOAuthTerminalError, ZohoRefreshThrottled


async def test_two_processes_share_one_refresh(zoho: Zoho, zoho_database_url: str) -> None:
    # A second pool stands in for a second worker process: same database, separate connections and caches.
    other_pool: AsyncConnectionPool[Any] = make_pool(zoho_database_url, min_size=1, max_size=5)
    await other_pool.open()
    try:
        first = zoho.tokens()
        second = zoho.tokens(pool=other_pool)
        tokens = await asyncio.gather(*[c.get_token() for c in (first, second) for _ in range(5)])
    finally:
        await other_pool.close()
    assert len(set(tokens)) == 1
    assert zoho.fake.refresh_count("demo-inventory-refresh-token") == 1
    async with zoho.pool.connection() as conn:
        row = await (await conn.execute("SELECT * FROM zoho_tokens WHERE product = 'inventory'")).fetchone()
    assert row is not None
    assert row["access_token"] == tokens[0]
    assert row["refresh_count"] == 1
    assert "demo-inventory-refresh-token" not in str(row)  # only a hash of the refresh token is stored


async def test_refreshes_only_near_expiry(zoho: Zoho) -> None:
    cache = zoho.tokens()
    token = await cache.get_token()
    zoho.fake.clock.advance(3600 - 120)
    assert await zoho.tokens().get_token() == token  # a new process reads the row: still valid
    zoho.fake.clock.advance(61)  # now within 60 s of expiry
    fresh = await zoho.tokens().get_token()
    assert fresh != token
    assert await cache.get_token() == fresh
    assert zoho.fake.refresh_count("demo-inventory-refresh-token") == 2


async def test_products_have_separate_tokens(zoho: Zoho) -> None:
    inventory = await zoho.tokens("inventory").get()
    crm = await zoho.tokens("crm").get()
    assert inventory.token != crm.token
    assert inventory.scope is not None
    assert "ZohoInventory" in inventory.scope
    assert crm.scope is not None
    assert "ZohoCRM" in crm.scope


async def test_our_side_refuses_the_eleventh_refresh_in_ten_minutes(zoho: Zoho) -> None:
    cache = zoho.tokens()
    token = await cache.get_token()
    for _ in range(9):
        token = await cache.refresh(token)
    assert zoho.fake.refresh_count("demo-inventory-refresh-token") == 10
    with pytest.raises(ZohoRefreshThrottled, match="10 refreshes") as caught:
        await zoho.tokens().refresh(token)
    assert zoho.fake.refresh_count("demo-inventory-refresh-token") == 10  # Zoho was not asked
    assert caught.value.retry_at > zoho.fake.clock.now()
    zoho.fake.clock.advance(601)
    assert await cache.refresh(token) != token


async def test_zoho_access_denied_inside_http_200_pauses_refreshes(zoho: Zoho) -> None:
    zoho.fake.fail_next(1, 200, product="oauth", code="Access Denied")
    cache = zoho.tokens()
    with pytest.raises(ZohoRefreshThrottled, match="too many requests"):
        await cache.get_token()
    with pytest.raises(ZohoRefreshThrottled, match="paused"):
        await zoho.tokens().get_token()  # no second call to Zoho during the cool-down
    zoho.fake.clock.advance(61)
    assert await cache.get_token()


@pytest.mark.parametrize("status", [200, 400])
async def test_revoked_refresh_token_is_terminal_and_clear(zoho: Zoho, status: int) -> None:
    zoho.fake.config.oauth_error_status = status
    zoho.fake.revoke_refresh_token("demo-inventory-refresh-token")
    with pytest.raises(ZohoOAuthTerminalError, match="invalid_code") as caught:
        await zoho.tokens().get_token()
    assert caught.value.code == "invalid_code"
    assert caught.value.status == status
    async with zoho.pool.connection() as conn:
        row = await (await conn.execute("SELECT last_error FROM zoho_tokens WHERE product = 'inventory'")).fetchone()
    assert row is not None
    assert "invalid_code" in row["last_error"]


async def test_wrong_client_secret_is_terminal(zoho: Zoho) -> None:
    with pytest.raises(ZohoOAuthTerminalError, match="invalid_client_secret"):
        await zoho.tokens(client_secret="wrong").get_token()


async def test_a_new_refresh_token_discards_the_cached_access_token(zoho: Zoho) -> None:
    old = await zoho.tokens().get_token()
    zoho.fake.oauth.refresh_tokens["rotated-token"] = zoho.fake.oauth.refresh_tokens["demo-inventory-refresh-token"]
    assert await zoho.tokens(refresh_token="rotated-token").get_token() != old
