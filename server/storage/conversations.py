"""Writes on a conversation that every part shares: the channel (a person typed on the business phone), the
managers' desk (a manager took the thread) and the worker (an escalation opened)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

WORK_CHANNEL = "noor_work"
"""Postgres NOTIFY channel: a webhook delivery was stored, there is work for the workers."""


async def take_over(conn: AsyncConnection[Any], conversation_id: int, *, reason: str) -> None:
    """A person holds the thread: the bot stays silent and what is waiting is kept for the person."""
    await conn.execute(
        "UPDATE conversations SET mode = 'human', mode_reason = %s, mode_changed_at = now(), updated_at = now()"
        " WHERE id = %s AND mode = 'bot'",
        (reason, conversation_id),
    )
    await conn.execute(
        "UPDATE messages SET status = 'held' WHERE conversation_id = %s AND status = 'pending'",
        (conversation_id,),
    )
