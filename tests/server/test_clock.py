"""The service's clock (issue 13): one now() in Postgres that the sandbox moves, the same for every process."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from evals.service import service_settings
from server.storage.clock import advance_clock, clock_now
from server.web.app import create_app
from tests.support.secrets import PRODUCTION_SECRETS
from tests.support.wazzup import NoorClient


async def test_advancing_the_clock_moves_noor_now_in_every_connection(pool: AsyncConnectionPool[Any]) -> None:
    async with pool.connection() as first, pool.connection() as second:
        before = await clock_now(second)
        moved = await advance_clock(first, 25)
        assert moved - before >= timedelta(hours=25)
        assert await clock_now(second) - before >= timedelta(hours=25)


async def test_the_sandbox_clock_route_moves_the_service_clock(noor: NoorClient) -> None:
    before = (await noor.http.get(f"{noor.url}/sandbox/clock")).json()
    after = await noor.advance_clock(hours=3)
    assert datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"]) >= timedelta(hours=3)
    refused = await noor.http.post(f"{noor.url}/sandbox/clock/advance", json={"hours": -1})
    assert refused.status_code == 422


@pytest.mark.parametrize("path", ["/sandbox/clock/advance", "/sandbox/clock/set"])
async def test_the_clock_cannot_be_moved_outside_the_sandbox(path: str, tmp_path: Path) -> None:
    app = create_app(service_settings("postgresql://unused/none", tmp_path, 8999, sandbox=False, **PRODUCTION_SECRETS))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://noor") as http:
        response = await http.post(path, json={"hours": 1})
    assert response.status_code == 404
