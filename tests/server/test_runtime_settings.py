"""A tuned setting reaches a running worker: the watcher hands the effective Settings over when, and only when,
a stored value changed; a stored value a newer release no longer accepts is ignored, not fatal."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.desk import runtime_settings
from server.settings import Settings
from server.worker.jobs.runtime_settings import RuntimeSettingsWatcher


async def test_the_worker_picks_up_a_change(pool: AsyncConnectionPool[Any]) -> None:
    configured = Settings(debounce_seconds=1.5, human_idle_release_minutes=240)
    applied: list[Settings] = []
    watcher = RuntimeSettingsWatcher(pool, configured, applied.append)
    await watcher.run_pass()
    assert applied == []  # nothing tuned: the configuration stands
    async with pool.connection() as conn:
        await runtime_settings.change(conn, configured, "human_idle_release_minutes", 30, None)
        await runtime_settings.change(conn, configured, "discount_tiers", "5000:3,20000:6", None)
    await watcher.run_pass()
    assert [(s.human_idle_release_minutes, s.discount_tiers, s.debounce_seconds) for s in applied] == [
        (30.0, "5000:3,20000:6", 1.5)
    ]
    await watcher.run_pass()
    assert len(applied) == 1
    async with pool.connection() as conn:
        await conn.execute("UPDATE runtime_settings SET value = '\"soon\"' WHERE key = 'human_idle_release_minutes'")
        assert (await runtime_settings.effective(conn, configured)).human_idle_release_minutes == 240
