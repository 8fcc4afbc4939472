from __future__ import annotations

import asyncio
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg_pool import AsyncConnectionPool

from server.storage.database import make_pool
from server.storage.migrations import apply_migrations, migration_files
from tests.support.db import TestDatabases


async def test_migrations_are_applied_once_and_recorded(pool: AsyncConnectionPool[Any]) -> None:
    assert await apply_migrations(pool) == []  # the template already carries every migration
    async with pool.connection() as conn:
        rows = await (await conn.execute("SELECT version FROM schema_migrations ORDER BY version")).fetchall()
    assert [row["version"] for row in rows] == [version for version, _, _ in migration_files()]


async def test_processes_starting_together_on_a_fresh_database_all_finish(test_databases: TestDatabases) -> None:
    """Several workers started at once on an empty database: one migrates and sets up the checkpointer (whose
    CREATE INDEX CONCURRENTLY waits for other sessions' transactions) while the others wait for it."""
    url = test_databases.empty()
    pools = [make_pool(url, min_size=1, max_size=3) for _ in range(3)]
    for pool in pools:
        await pool.open()
    try:
        starts = [apply_migrations(pool, then=AsyncPostgresSaver(pool).setup) for pool in pools]
        applied = await asyncio.wait_for(asyncio.gather(*starts), timeout=120)  # a hang fails here
    finally:
        for pool in pools:
            await pool.close()
    assert sorted(len(names) for names in applied) == [0, 0, len(migration_files())]  # applied exactly once
