"""The worker's heartbeat: a row in `worker_heartbeats` refreshed every few seconds, read by /health/ready."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from typing import Any

from psycopg import Error as PsycopgError
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

#: Rows of workers killed long ago are removed by the next worker that starts.
FORGET_AFTER = "1 day"


class Heartbeat:
    def __init__(self, pool: AsyncConnectionPool[Any], interval_seconds: float) -> None:
        self.pool = pool
        self.interval = interval_seconds
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.worker_id = f"{self.host}:{self.pid}"
        self._task: asyncio.Task[None] | None = None

    async def beat(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO worker_heartbeats (worker_id, host, pid) VALUES (%s, %s, %s)"
                " ON CONFLICT (worker_id) DO UPDATE SET beat_at = now()",
                (self.worker_id, self.host, self.pid),
            )

    async def start(self) -> None:
        """The first beat now (the worker is alive from here), then one every `interval` seconds."""
        async with self.pool.connection() as conn:
            await conn.execute(f"DELETE FROM worker_heartbeats WHERE beat_at < now() - interval '{FORGET_AFTER}'")
        await self.beat()
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except PsycopgError as exc:  # the database is down: the beat goes stale, which is the truth
                log.warning("worker heartbeat not written: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(PsycopgError):
            async with self.pool.connection() as conn:
                await conn.execute("DELETE FROM worker_heartbeats WHERE worker_id = %s", (self.worker_id,))


def main() -> None:
    """`python -m server.worker.heartbeat`: exit 0 when a worker on this host beat recently, else 1 (the worker
    containers' health check in compose.yaml)."""
    import psycopg

    from server.settings import get_settings

    settings = get_settings()
    if not settings.database_url:
        raise SystemExit("NOOR_DATABASE_URL is not set")
    with psycopg.connect(settings.database_url, connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT max(beat_at) > now() - make_interval(secs => %s) FROM worker_heartbeats WHERE host = %s",
            (settings.worker_heartbeat_stale_seconds, socket.gethostname()),
        ).fetchone()
    if not (row and row[0]):
        raise SystemExit(
            f"no worker heartbeat on {socket.gethostname()} in the last {settings.worker_heartbeat_stale_seconds:g} s"
        )


if __name__ == "__main__":
    main()
