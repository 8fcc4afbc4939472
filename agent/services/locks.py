"""Postgres advisory locks keyed by a string, shared by the services that must not run twice at once (one deal
per opportunity, one sales order per quotation, one note per event) across processes."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


def lock_key(text: str) -> int:
    """A signed 64-bit advisory-lock key for a string (stable across processes)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def keyed_lock(
    pool: AsyncConnectionPool[Any], key: str, *, timeout_seconds: float = 60.0, poll_seconds: float = 0.05
) -> AsyncIterator[AsyncConnection[Any]]:
    """A session advisory lock on `key`, held on one pooled connection for the block (which may use it).

    Waiters poll `pg_try_advisory_lock` and hold no connection while they wait, so many callers contending
    for one key never exhaust the pool. Raises `TimeoutError` after `timeout_seconds`.
    """
    lock = lock_key(key)
    deadline = time.monotonic() + timeout_seconds
    while True:
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", (lock,))).fetchone()
            if row is not None and row["locked"]:
                try:
                    yield conn
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"advisory lock {key!r} still held after {timeout_seconds} s")
        await asyncio.sleep(poll_seconds)
