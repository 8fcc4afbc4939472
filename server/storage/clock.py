"""The service's clock: one `now()` every process reads from Postgres (`noor_now()`, migration 0060).

SQL uses `noor_now()` directly; Python asks `Clock.now()`. Only the sandbox moves it (`advance`), to let a
demo or a test live through a day of follow-ups in seconds; in production the offset is 0.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


async def clock_now(conn: AsyncConnection[Any]) -> datetime:
    row = await (await conn.execute("SELECT noor_now() AS now")).fetchone()
    assert row is not None
    now: datetime = row["now"]
    return now


async def clock_offset_seconds(conn: AsyncConnection[Any]) -> float:
    row = await (await conn.execute("SELECT offset_seconds FROM service_clock")).fetchone()
    return float(row["offset_seconds"]) if row else 0.0


async def advance_clock(conn: AsyncConnection[Any], hours: float) -> datetime:
    """Move the service's clock forward (sandbox and tests only); returns the new now."""
    await conn.execute(
        "UPDATE service_clock SET offset_seconds = offset_seconds + %s, updated_at = now()", (hours * 3600.0,)
    )
    return await clock_now(conn)


async def set_clock(conn: AsyncConnection[Any], at: datetime) -> datetime:
    """Put the service's clock at `at` (sandbox and tests only): e.g. a Monday night in Dubai."""
    await conn.execute(
        "UPDATE service_clock SET offset_seconds = EXTRACT(EPOCH FROM (%s::timestamptz - now())), updated_at = now()",
        (at,),
    )
    return await clock_now(conn)


class Clock:
    """What the jobs ask for the time: the database's `noor_now()`, the same in every process."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self.pool = pool

    async def now(self) -> datetime:
        async with self.pool.connection() as conn:
            return await clock_now(conn)
