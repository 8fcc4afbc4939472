"""Webhook deliveries: stored raw before the 200 (group-committed), ingested by the workers afterwards.

Acknowledging only needs the body to be durable. Everything else (parsing items, deduplication by
provider ids, conversations, statuses) runs in a worker, where each step is idempotent, so a worker
that dies mid-way simply ingests the same delivery again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.channels.wazzup.ingest import IngestReport, ingest_body
from server.loops import WokenLoop
from server.storage.conversations import WORK_CHANNEL

log = logging.getLogger(__name__)

STORE_SQL = f"""
WITH stored AS (INSERT INTO webhook_deliveries (body) SELECT jsonb_array_elements(%s::jsonb) RETURNING id)
SELECT pg_notify('{WORK_CHANNEL}', '') FROM (SELECT count(*) FROM stored) AS batch
"""


class DeliveryWriter:
    """Stores concurrent deliveries in one statement: a request waits for its own durable write, never longer
    than the write already in flight."""

    def __init__(self, pool: AsyncConnectionPool[Any], max_batch: int = 256) -> None:
        self.pool = pool
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="delivery-writer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def store(self, body: str) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((body, done))
        await done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.pool.connection() as conn:
                    # The bodies were checked to be JSON objects: one JSON array of them is one parameter.
                    await conn.execute(STORE_SQL, ("[" + ",".join(body for body, _ in batch) + "]",))
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


CLAIM_SQL = """
SELECT id, body FROM webhook_deliveries WHERE processed_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""


async def ingest_pending(pool: AsyncConnectionPool[Any], batch_size: int = 100) -> IngestReport:
    """Ingest stored deliveries; several workers can run this at once (rows are claimed SKIP LOCKED)."""
    total = IngestReport()
    async with pool.connection() as conn, conn.transaction():
        rows = await (await conn.execute(CLAIM_SQL, (batch_size,))).fetchall()
        for row in rows:
            report = await ingest_body(conn, row["body"])
            if report.errors:
                log.warning("webhook delivery %s: skipped items: %s", row["id"], "; ".join(report.errors))
            await conn.execute(
                "UPDATE webhook_deliveries SET processed_at = now(), report = %s WHERE id = %s",
                (json.dumps(asdict(report), default=sorted), row["id"]),
            )
            total.merge(report)
    return total


class Ingestor(WokenLoop):
    """The worker's loop over stored deliveries; wakes the dispatcher when customers wrote."""

    def __init__(
        self, pool: AsyncConnectionPool[Any], on_work: Callable[[], None], poll_interval_seconds: float = 0.25
    ) -> None:
        super().__init__("ingestor", poll_interval_seconds)
        self.pool = pool
        self.on_work = on_work

    async def run_pass(self) -> bool:
        report = await ingest_pending(self.pool)
        if report.conversations_with_work:
            self.on_work()
        return bool(report.outcomes)  # there may be more
