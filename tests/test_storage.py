from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.storage.migrations import apply_migrations, migration_files


async def test_migrations_are_applied_once_and_recorded(pool: AsyncConnectionPool[Any]) -> None:
    assert await apply_migrations(pool) == []  # the template already carries every migration
    async with pool.connection() as conn:
        rows = await (await conn.execute("SELECT version FROM schema_migrations ORDER BY version")).fetchall()
    assert [row["version"] for row in rows] == [version for version, _, _ in migration_files()]
