"""Follow-ups in Postgres (migration 0062): scheduled when a turn ends, superseded when the customer writes, sent
by the workers' follow-up job (server/worker/jobs/followups.py), listed and cancelled from the inbox.

One reminder per quotation, one nudge per conversation's cart: the subject key is unique, so a row that was sent,
cancelled or skipped never comes back; only one the customer's own message superseded is armed again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

QUOTE_AWAITING_ANSWER = frozenset({"quote_confirm", "quote_sent"})
"""The turn's facts after which the customer owes us an answer on a quotation (agent/nodes/quote.py)."""
QUOTATION_STATUSES = ("awaiting_confirmation", "confirmed", "created")
"""A quote in one of these is a quotation the customer saw: no cart nudge then."""


@dataclass(frozen=True)
class FollowUpCadence:
    quote_delay_hours: float
    cart_delay_hours: float


SCHEDULE_SQL = """
INSERT INTO followups (conversation_id, kind, subject_key, quote_id, due_at)
VALUES (%(conversation)s, %(kind)s, %(key)s, %(quote)s, noor_now() + make_interval(secs => %(delay)s))
ON CONFLICT (subject_key) DO UPDATE SET due_at = EXCLUDED.due_at, status = 'pending', reason = NULL,
       updated_at = noor_now()
 WHERE followups.status = 'superseded'
"""


async def record_opt_out(conn: AsyncConnection[Any], conversation_id: int) -> None:
    """The customer asked not to be messaged: kept on the conversation; nothing unprompted goes to them again."""
    await conn.execute(
        "UPDATE conversations SET opted_out_at = COALESCE(opted_out_at, noor_now()) WHERE id = %s", (conversation_id,)
    )
    await conn.execute(
        "UPDATE followups SET status = 'skipped', reason = 'the customer opted out', updated_at = noor_now()"
        " WHERE conversation_id = %s AND status = 'pending'",
        (conversation_id,),
    )


async def schedule_after_turn(
    conn: AsyncConnection[Any],
    conversation_id: int,
    thread_id: str,
    state: Mapping[str, Any],
    cadence: FollowUpCadence,
) -> None:
    """After the bot answered: what waited for the customer's answer is moot; arm what this turn calls for."""
    await conn.execute(
        "UPDATE followups SET status = 'superseded', reason = 'the customer wrote again', updated_at = noor_now()"
        " WHERE conversation_id = %s AND status = 'pending'",
        (conversation_id,),
    )
    facts = state.get("facts") or {}
    if facts.get("kind") == "opted_out":
        await record_opt_out(conn, conversation_id)
        return
    opted = await (
        await conn.execute("SELECT opted_out_at FROM conversations WHERE id = %s", (conversation_id,))
    ).fetchone()
    if opted is not None and opted["opted_out_at"] is not None:
        return
    quote = await (
        await conn.execute(
            "SELECT quote_id, status FROM quotes WHERE thread_id = %s ORDER BY seq DESC LIMIT 1", (thread_id,)
        )
    ).fetchone()
    if quote is not None and facts.get("kind") in QUOTE_AWAITING_ANSWER:
        await conn.execute(
            SCHEDULE_SQL,
            {
                "conversation": conversation_id,
                "kind": "quote_reminder",
                "key": f"quote:{quote['quote_id']}",
                "quote": quote["quote_id"],
                "delay": cadence.quote_delay_hours * 3600,
            },
        )
    elif (state.get("cart") or state.get("offered")) and (quote is None or quote["status"] not in QUOTATION_STATUSES):
        await conn.execute(
            SCHEDULE_SQL,
            {
                "conversation": conversation_id,
                "kind": "cart_nudge",
                "key": f"cart:{conversation_id}",
                "quote": None,
                "delay": cadence.cart_delay_hours * 3600,
            },
        )


async def list_followups(conn: AsyncConnection[Any], conversation_id: int) -> list[dict[str, Any]]:
    rows = await (
        await conn.execute(
            "SELECT id, kind, quote_id, due_at, status, reason, sent_as, outbox_id, cancelled_by, created_at"
            " FROM followups WHERE conversation_id = %s ORDER BY id DESC LIMIT 20",
            (conversation_id,),
        )
    ).fetchall()
    return [dict(r) for r in rows]


async def cancel_followup(conn: AsyncConnection[Any], conversation_id: int, followup_id: int, manager_id: str) -> bool:
    """A manager stops a pending follow-up; False when it is not pending any more (sent, skipped...)."""
    row = await (
        await conn.execute(
            "UPDATE followups SET status = 'cancelled', reason = 'cancelled from the inbox', cancelled_by = %s,"
            " updated_at = noor_now() WHERE id = %s AND conversation_id = %s AND status = 'pending' RETURNING id",
            (manager_id, followup_id, conversation_id),
        )
    ).fetchone()
    return row is not None
