"""Versioned schema migrations: numbered SQL files applied once each, in order, under an advisory lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from server.storage.database import make_pool, resolve_database_url

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates this database.
MIGRATION_LOCK_KEY = 7_130_001


def migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("server.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a version number: {versions}")
    return found


TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(%s) AS ok"
LOCK_POLL_SECONDS = 0.2


async def _take_migration_lock(conn: AsyncConnection[Any]) -> None:
    """Polled, not waited for: a session blocked in pg_advisory_lock holds a snapshot, and the checkpointer's
    CREATE INDEX CONCURRENTLY under the lock waits for every such session, so both would wait forever."""
    while True:
        row = await (await conn.execute(TRY_LOCK_SQL, (MIGRATION_LOCK_KEY,))).fetchone()
        if row is not None and row["ok"]:
            return
        await asyncio.sleep(LOCK_POLL_SECONDS)


async def apply_migrations(
    pool: AsyncConnectionPool[Any], then: Callable[[], Awaitable[None]] | None = None
) -> list[str]:
    """Apply what is new, under a lock every process takes; `then` runs under the same lock (another schema
    owner's setup, e.g. the checkpointer's), so processes starting together never race."""
    applied: list[str] = []
    async with pool.connection() as conn:
        await _take_migration_lock(conn)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            rows = await (await conn.execute("SELECT version FROM schema_migrations")).fetchall()
            done = {row["version"] for row in rows}
            for version, name, text in migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(text.encode("utf-8"), prepare=False)
                    await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                applied.append(name)
                log.info("applied migration %s", name)
            if then is not None:
                await then()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied


async def prepare_database(database_url: str | None, data_dir: Path) -> str:
    """Pick the database (embedded default included) and bring its schema, checkpoint tables included, up to date."""
    # the checkpointer on first use: the web process loads it only after its workers have started
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    database_url = await asyncio.to_thread(resolve_database_url, database_url, data_dir)
    pool = make_pool(database_url, min_size=1, max_size=2)
    await pool.open(wait=True)
    try:
        await apply_migrations(pool, then=AsyncPostgresSaver(pool).setup)
    finally:
        await pool.close()
    return database_url
