"""The idle-release job: a thread a person took but nobody touched for a while goes back to the bot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from server.desk.escalations import hand_back
from server.loops import WokenLoop

log = logging.getLogger(__name__)


IDLE_THREADS_SQL = """
SELECT c.id FROM conversations c
 WHERE c.mode = 'human' AND c.mode_changed_at <= noor_now() - make_interval(secs => %(idle)s)
   AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
                    AND m.created_at > noor_now() - make_interval(secs => %(idle)s))
 ORDER BY c.id LIMIT 32
"""


async def release_idle_threads(conn: AsyncConnection[Any], idle_seconds: float) -> list[int]:
    """Hand threads nobody touched for `idle_seconds` back to the bot. Customer messages the person left
    unanswered become pending again, so the bot answers them; otherwise the customer hears nothing."""
    released = []
    for row in await (await conn.execute(IDLE_THREADS_SQL, {"idle": idle_seconds})).fetchall():
        async with conn.transaction():
            unanswered = await (
                await conn.execute(
                    "SELECT id FROM messages WHERE conversation_id = %(c)s AND status = 'held' AND id > ("
                    " SELECT COALESCE(max(id), 0) FROM messages WHERE conversation_id = %(c)s AND direction = 'out')",
                    {"c": row["id"]},
                )
            ).fetchall()
            minutes = round(idle_seconds / 60)
            if await hand_back(conn, row["id"], None, f"released automatically after {minutes} min without activity"):
                await conn.execute(
                    "UPDATE messages SET status = 'pending' WHERE id = ANY(%s)", ([m["id"] for m in unanswered],)
                )
                released.append(int(row["id"]))
    return released


class IdleReleaser(WokenLoop):
    """Ends human mode in threads nobody touched for a while (see `release_idle_threads`)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        idle_seconds: float,
        on_released: Callable[[], None],
        poll_interval_seconds: float = 60.0,
    ) -> None:
        super().__init__("idle-release", poll_interval_seconds)
        self.pool = pool
        self.idle_seconds = idle_seconds
        self.on_released = on_released

    async def run_pass(self) -> bool:
        if not self.idle_seconds:  # 0: never (a runtime setting may turn it on later)
            return False
        async with self.pool.connection() as conn:
            released = await release_idle_threads(conn, self.idle_seconds)
        if released:
            log.info("released idle threads %s back to the bot", released)
            self.on_released()
        return False
