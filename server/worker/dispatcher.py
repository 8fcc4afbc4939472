"""The dispatcher: one turn at a time per chat, many chats at once, bursts grouped.

Work is claimed through Postgres so any number of worker processes can share one database: a
conversation is ready when its newest pending message is older than the debounce window (or its oldest
is older than the cap), and a worker owns it while it holds a session advisory lock on a dedicated
connection. A worker that dies loses its connection, the lock goes with it, and another worker resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.storage.checkpoints import prune_checkpoints
from server.storage.followups import FollowUpCadence
from server.worker.turns import (
    HandBack,
    PendingTurn,
    TurnResult,
    TurnRunner,
    apology,
    complete_turn,
    consume_handback,
    fail_turn,
    open_turn,
    pending_handbacks,
)

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x4E4F4F52 << 32  # "NOOR": keeps our advisory lock keys apart from anyone else's
RETRY_DELAYS_SECONDS = (2.0, 10.0)

# A conversation some worker already runs (it holds the advisory lock LOCK_NAMESPACE | id: classid, objid) is no
# candidate: without this, every idle dispatcher task tried the lock of every running conversation on each poll
# (bench/load_chaos.py: ~400 Postgres round trips per turn with 50 turns at once).
NOT_CLAIMED = f"""
NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = {LOCK_NAMESPACE >> 32}
             AND l.objid = c.id AND l.objsubid = 1
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"""

READY_CONVERSATIONS_SQL = f"""
SELECT m.conversation_id AS id
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
 WHERE m.status = 'pending' AND c.mode = 'bot' AND (c.next_turn_at IS NULL OR c.next_turn_at <= now())
   AND {NOT_CLAIMED}
 GROUP BY m.conversation_id
HAVING max(m.created_at) <= now() - make_interval(secs => %(debounce)s)
    OR min(m.created_at) <= now() - make_interval(secs => %(cap)s)
 ORDER BY min(m.created_at)
 LIMIT 32
"""

UNFINISHED_TURNS_SQL = f"""
SELECT DISTINCT t.conversation_id AS id FROM turns t JOIN conversations c ON c.id = t.conversation_id
 WHERE t.finished_at IS NULL AND c.mode = 'bot' AND (c.next_turn_at IS NULL OR c.next_turn_at <= now())
   AND {NOT_CLAIMED}
 LIMIT 32
"""

HANDED_BACK_SQL = f"""
SELECT DISTINCT h.conversation_id AS id FROM handbacks h JOIN conversations c ON c.id = h.conversation_id
 WHERE h.consumed_at IS NULL AND c.mode = 'bot' AND {NOT_CLAIMED}
 LIMIT 32
"""


class Dispatcher:
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        runner: TurnRunner,
        *,
        workers: int = 4,
        debounce_seconds: float = 1.5,
        debounce_cap_seconds: float = 6.0,
        poll_interval_seconds: float = 0.25,
        on_reply_queued: Callable[[], None] = lambda: None,
        checkpoints_kept: int = 10,
        followups: FollowUpCadence | None = None,
    ) -> None:
        self.pool = pool
        self.runner = runner
        self.workers = workers
        self.debounce = debounce_seconds
        self.cap = max(debounce_cap_seconds, debounce_seconds)
        self.poll_interval = poll_interval_seconds
        self.on_reply_queued = on_reply_queued
        self.checkpoints_kept = checkpoints_kept
        self.followups = followups
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._tasks = [asyncio.create_task(self._worker(n), name=f"dispatcher-{n}") for n in range(self.workers)]

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _worker(self, number: int) -> None:
        while not self._stopping:
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher worker %s failed; carrying on", number)
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def _candidates(self) -> list[int]:
        async with self.pool.connection() as conn:
            handed_back = await (await conn.execute(HANDED_BACK_SQL)).fetchall()
            unfinished = await (await conn.execute(UNFINISHED_TURNS_SQL)).fetchall()
            ready = await (
                await conn.execute(READY_CONVERSATIONS_SQL, {"debounce": self.debounce, "cap": self.cap})
            ).fetchall()
        seen: dict[int, None] = {row["id"]: None for row in handed_back}
        seen.update({row["id"]: None for row in unfinished})
        seen.update({row["id"]: None for row in ready})
        return list(seen)

    async def run_once(self) -> bool:
        """Claim one ready conversation and run its turn. False when there was nothing this worker could take."""
        for conversation_id in await self._candidates():
            async with self.pool.connection() as lock_conn:
                key = LOCK_NAMESPACE | conversation_id
                locked = await (await lock_conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (key,))).fetchone()
                if not locked or not locked["ok"]:
                    continue
                try:
                    await self._run_conversation(conversation_id)
                finally:
                    await lock_conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                return True
        return False

    async def _run_conversation(self, conversation_id: int) -> None:
        async with self.pool.connection() as conn:
            conversation = await (
                await conn.execute(
                    "SELECT id, thread_id, customer_name, language, mode FROM conversations WHERE id = %s",
                    (conversation_id,),
                )
            ).fetchone()
            if conversation is None or conversation["mode"] != "bot":
                return
            handbacks = await pending_handbacks(conn, dict(conversation))
        for handback in handbacks:
            # The person's context first, so the next answer builds on what they said.
            await self._resume(handback)
        async with self.pool.connection() as conn:
            turn = await open_turn(conn, dict(conversation))
        if turn is None:
            return
        try:
            result = await self.runner(turn)
        except Exception as exc:
            await self._turn_failed(turn, exc)
            return
        await self._complete(turn, result)

    async def _resume(self, handback: HandBack) -> None:
        try:
            nodes = await self.runner.resume(handback)
        except Exception:
            # The context is lost, not the conversation: the customer's next message is still answered.
            log.exception("resuming thread %s after hand-back %s failed", handback.thread_id, handback.id)
            nodes = ["failed"]
        async with self.pool.connection() as conn:
            await consume_handback(conn, handback, nodes)
        log.info("thread %s resumed after a hand-back (%s)", handback.thread_id, handback.id)

    async def _complete(self, turn: PendingTurn, result: TurnResult) -> None:
        async with self.pool.connection() as conn:
            queued = await complete_turn(conn, turn, result, self.followups)
            if self.checkpoints_kept:
                await prune_checkpoints(conn, turn.thread_id, self.checkpoints_kept)
        if queued:
            self.on_reply_queued()

    async def _turn_failed(self, turn: PendingTurn, exc: Exception) -> None:
        log.exception("turn %s failed (attempt %s)", turn.turn_id, turn.attempts, exc_info=exc)
        if turn.attempts <= len(RETRY_DELAYS_SECONDS):
            async with self.pool.connection() as conn:
                await fail_turn(conn, turn, repr(exc), RETRY_DELAYS_SECONDS[turn.attempts - 1])
            return
        # The turn keeps failing: the customer hears that we know, instead of silence.
        await self._complete(turn, await apology(turn))
