"""Escalations and human mode in the database: open (with routing), take over, reply, hand back.

The contract with the graph/worker side:

- `escalate(conn, conversation_id, decision, ...)` opens the conversation's escalation episode once: while
  an escalation is open (resolved_at IS NULL) it returns that one (`created=False`). The database numbers
  episodes (1, 2, ...); keep the returned episode in the graph's escalation record. It routes a manager
  (agent/policies/routing.py), assigns the conversation, queues the Telegram alert (alert_status 'pending', sent
  by server/worker/jobs/alerts.py `AlertDispatcher`) and, with `take_over_now=True`, puts the conversation in human
  mode (server/channels/wazzup/ingest.py `take_over`). Call it inside the transaction that queues the holding message,
  after queuing it, or pass `take_over_now=False` and take over later: a turn's reply is only queued
  while the conversation is in bot mode.
- Human mode is `conversations.mode = 'human'`; customer messages then arrive as status 'held' and are
  shown to the manager. The inbox reads `mode`, `assigned_manager_id` and the open escalation row.
- `hand_back` sets mode 'bot' (mode_reason 'handback'), resolves the open escalation, marks held messages
  'handled', inserts a `handbacks` row (note, the human episode's message id span) and NOTIFYs
  `noor_work`. The worker resumes the graph from every `handbacks` row with consumed_at IS NULL (oldest
  first) and sets consumed_at (and consumed_turn_id) in the transaction that records the result.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from agent.policies.escalation import EscalationDecision
from agent.policies.routing import RoutingDecision, route
from agent.services.commerce import EscalationTicket
from server.channels.wazzup.ingest import WORK_CHANNEL, take_over
from server.desk.managers import manager_profiles, open_loads
from server.worker.loops import WokenLoop

log = logging.getLogger(__name__)

ALERT_CHANNEL = "noor_alerts"
"""NOTIFY channel: an escalation alert is waiting to be sent."""

ThreadFilter = Literal["escalated", "mine", "all"]
_REPLY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class NoSuchConversation(LookupError):
    pass


@dataclass(frozen=True)
class OpenedEscalation:
    id: int
    conversation_id: int
    episode: int
    reason: str
    manager_id: str | None
    created: bool
    routing: RoutingDecision | None = None


async def _lock_conversation(conn: AsyncConnection[Any], conversation_id: int) -> dict[str, Any]:
    row = await (
        await conn.execute(
            "SELECT id, mode, assigned_manager_id FROM conversations WHERE id = %s FOR UPDATE", (conversation_id,)
        )
    ).fetchone()
    if row is None:
        raise NoSuchConversation(conversation_id)
    return dict(row)


async def _open_escalation_row(conn: AsyncConnection[Any], conversation_id: int) -> dict[str, Any] | None:
    row = await (
        await conn.execute(
            "SELECT * FROM escalations WHERE conversation_id = %s AND resolved_at IS NULL", (conversation_id,)
        )
    ).fetchone()
    return dict(row) if row else None


async def _last_message_id(conn: AsyncConnection[Any], conversation_id: int) -> int:
    row = await (
        await conn.execute(
            "SELECT COALESCE(max(id), 0) AS last FROM messages WHERE conversation_id = %s", (conversation_id,)
        )
    ).fetchone()
    return int(row["last"]) if row else 0


async def escalate(
    conn: AsyncConnection[Any],
    conversation_id: int,
    decision: EscalationDecision | None = None,
    *,
    reason: str | None = None,
    summary: str | None = None,
    language: str | None = None,
    categories: Iterable[str] = (),
    now: datetime | None = None,
    take_over_now: bool = True,
    fallback_manager_id: str | None = None,
) -> OpenedEscalation:
    """Open the conversation's escalation (once per episode), route it and queue its alert."""
    if decision is None and reason is None:
        raise ValueError("escalate needs a decision or a reason")
    primary = decision.reason if decision else str(reason)
    wanted = list(categories)
    async with conn.transaction():
        await _lock_conversation(conn, conversation_id)
        existing = await _open_escalation_row(conn, conversation_id)
        if existing is not None:
            return OpenedEscalation(
                existing["id"], conversation_id, existing["episode"], existing["reason"], existing["manager_id"], False
            )
        routing = route(
            await manager_profiles(conn),
            language=language,
            categories=wanted,
            now=now or datetime.now(UTC),
            loads=await open_loads(conn),
            fallback_manager_id=fallback_manager_id,
        )
        chat = None
        if routing.manager_id:
            found = await (
                await conn.execute("SELECT telegram_chat_id FROM managers WHERE id = %s", (routing.manager_id,))
            ).fetchone()
            chat = found["telegram_chat_id"] if found else None
        detail = "; ".join(f"{k}: {v}" for k, v in decision.evidence.items()) if decision else None
        row = await (
            await conn.execute(
                """
                INSERT INTO escalations (conversation_id, episode, reason, reasons, detail, summary, language,
                                         categories, manager_id, routing, started_after_message_id, alert_status)
                VALUES (%(conversation)s,
                        (SELECT COALESCE(max(episode), 0) + 1 FROM escalations
                          WHERE conversation_id = %(conversation)s),
                        %(reason)s, %(reasons)s, %(detail)s, %(summary)s, %(language)s, %(categories)s, %(manager)s,
                        %(routing)s, %(after)s, %(alert)s)
                RETURNING id, episode
                """,
                {
                    "conversation": conversation_id,
                    "reason": primary,
                    "reasons": list(decision.reasons) if decision else [primary],
                    "detail": detail,
                    "summary": summary,
                    "language": language,
                    "categories": wanted,
                    "manager": routing.manager_id,
                    "routing": routing.describe(),
                    "after": await _last_message_id(conn, conversation_id),
                    "alert": "pending" if chat is not None else "skipped",
                },
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "UPDATE conversations SET assigned_manager_id = COALESCE(%s, assigned_manager_id), updated_at = now()"
            " WHERE id = %s",
            (routing.manager_id, conversation_id),
        )
        if take_over_now:
            await take_over(conn, conversation_id, reason=f"escalation:{primary}")
        if chat is not None:
            await conn.execute(f"NOTIFY {ALERT_CHANNEL}")
    return OpenedEscalation(row["id"], conversation_id, row["episode"], primary, routing.manager_id, True, routing)


async def take_thread(conn: AsyncConnection[Any], conversation_id: int, manager_id: str) -> int:
    """A manager takes the thread: human mode, assigned to them; returns the open escalation's id."""
    async with conn.transaction():
        await _lock_conversation(conn, conversation_id)
        await take_over(conn, conversation_id, reason=f"inbox:{manager_id}")
        await conn.execute(
            "UPDATE conversations SET assigned_manager_id = %s, updated_at = now() WHERE id = %s",
            (manager_id, conversation_id),
        )
        existing = await _open_escalation_row(conn, conversation_id)
        if existing is not None:
            await conn.execute(
                "UPDATE escalations SET status = 'taken', taken_at = COALESCE(taken_at, now()),"
                " taken_by = COALESCE(taken_by, %s), manager_id = %s WHERE id = %s",
                (manager_id, manager_id, existing["id"]),
            )
            return int(existing["id"])
        row = await (
            await conn.execute(
                """
                INSERT INTO escalations (conversation_id, episode, reason, reasons, manager_id, routing, status,
                                         taken_at, taken_by, started_after_message_id, alert_status)
                VALUES (%(conversation)s,
                        (SELECT COALESCE(max(episode), 0) + 1 FROM escalations
                          WHERE conversation_id = %(conversation)s),
                        'manager_takeover', '{manager_takeover}', %(manager)s, 'taken in the inbox', 'taken',
                        now(), %(manager)s, %(after)s, 'skipped')
                RETURNING id
                """,
                {
                    "conversation": conversation_id,
                    "manager": manager_id,
                    "after": await _last_message_id(conn, conversation_id),
                },
            )
        ).fetchone()
        assert row is not None
        return int(row["id"])


@dataclass(frozen=True)
class QueuedReply:
    outbox_id: str
    message_id: int | None
    created: bool


async def queue_reply(
    conn: AsyncConnection[Any], conversation_id: int, manager_id: str, text: str, reply_id: str | None = None
) -> QueuedReply:
    """A manager's reply: an outbox row (sent through Wazzup by the sender) and a transcript row.

    Replying takes the thread if the bot held it. `reply_id` (one per form) makes a double submit harmless.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty reply")
    if reply_id is None or not _REPLY_ID.fullmatch(reply_id):
        reply_id = uuid.uuid4().hex
    outbox_id = f"mgr-{reply_id}"
    async with conn.transaction():
        conversation = await _lock_conversation(conn, conversation_id)
        if conversation["mode"] == "bot" or await _open_escalation_row(conn, conversation_id) is None:
            await take_thread(conn, conversation_id, manager_id)
        inserted = await (
            await conn.execute(
                "INSERT INTO outbox (id, conversation_id, kind, text) VALUES (%s, %s, 'text', %s)"
                " ON CONFLICT (id) DO NOTHING RETURNING id",
                (outbox_id, conversation_id, text),
            )
        ).fetchone()
        if inserted is None:
            return QueuedReply(outbox_id, None, False)
        row = await (
            await conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, kind, text, status, outbox_id, manager_id)"
                " VALUES (%s, 'out', 'manager', 'text', %s, 'queued', %s, %s) RETURNING id",
                (conversation_id, text, outbox_id, manager_id),
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "UPDATE conversations SET updated_at = now() WHERE id = %s",
            (conversation_id,),
        )
    return QueuedReply(outbox_id, int(row["id"]), True)


async def hand_back(conn: AsyncConnection[Any], conversation_id: int, manager_id: str | None, note: str) -> int | None:
    """Give the thread back to the bot with a note; returns the handbacks row id (None if the bot had it)."""
    async with conn.transaction():
        conversation = await _lock_conversation(conn, conversation_id)
        escalation = await _open_escalation_row(conn, conversation_id)
        if conversation["mode"] == "bot" and escalation is None:
            return None
        last = await _last_message_id(conn, conversation_id)
        if escalation is not None:
            await conn.execute(
                "UPDATE escalations SET status = 'resolved', resolved_at = now(), resolved_by = %s,"
                " taken_at = COALESCE(taken_at, now()), taken_by = COALESCE(taken_by, %s) WHERE id = %s",
                (manager_id, manager_id, escalation["id"]),
            )
        row = await (
            await conn.execute(
                "INSERT INTO handbacks (conversation_id, escalation_id, manager_id, note, from_message_id,"
                " to_message_id) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    conversation_id,
                    escalation["id"] if escalation else None,
                    manager_id,
                    note.strip(),
                    escalation["started_after_message_id"] if escalation else 0,
                    last,
                ),
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "UPDATE messages SET status = 'handled' WHERE conversation_id = %s AND status = 'held'", (conversation_id,)
        )
        await conn.execute(
            "UPDATE conversations SET mode = 'bot', mode_reason = 'handback', mode_changed_at = now(),"
            " updated_at = now() WHERE id = %s",
            (conversation_id,),
        )
        await conn.execute(f"NOTIFY {WORK_CHANNEL}")
    return int(row["id"])


async def mark_read(conn: AsyncConnection[Any], manager_id: str, conversation_id: int) -> None:
    await conn.execute(
        """
        INSERT INTO conversation_reads (manager_id, conversation_id, last_read_message_id)
        SELECT %(manager)s, %(conversation)s, COALESCE(max(id), 0)
          FROM messages WHERE conversation_id = %(conversation)s
        ON CONFLICT (manager_id, conversation_id) DO UPDATE
            SET last_read_message_id = GREATEST(conversation_reads.last_read_message_id, EXCLUDED.last_read_message_id)
        """,
        {"manager": manager_id, "conversation": conversation_id},
    )


# ----- reading, for the inbox and the API -----------------------------------------------------------

_FILTERS: dict[str, str] = {
    "escalated": "(e.id IS NOT NULL OR c.mode = 'human')",
    "mine": "c.assigned_manager_id = %(me)s",
    "all": "true",
}

LIST_SQL = """
SELECT c.id, c.chat_id, c.channel_id, c.customer_name, c.mode, c.mode_reason, c.language, c.assigned_manager_id,
       am.name AS assigned_manager_name, c.updated_at, c.created_at,
       e.id AS escalation_id, e.reason AS escalation_reason, e.status AS escalation_status,
       e.created_at AS escalated_at, e.episode AS escalation_episode,
       last.id AS last_message_id, last.text AS last_text, last.author AS last_author, last.kind AS last_kind,
       last.created_at AS last_at,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
           AND m.id > COALESCE(r.last_read_message_id, 0)) AS unread
  FROM conversations c
  LEFT JOIN escalations e ON e.conversation_id = c.id AND e.resolved_at IS NULL
  LEFT JOIN managers am ON am.id = c.assigned_manager_id
  LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.manager_id = %(me)s
  LEFT JOIN LATERAL (SELECT id, text, author, kind, created_at FROM messages
                      WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) last ON true
 WHERE {where}
 ORDER BY (e.id IS NOT NULL OR c.mode = 'human') DESC, COALESCE(last.created_at, c.updated_at) DESC, c.id DESC
 LIMIT %(limit)s
"""


async def list_threads(
    conn: AsyncConnection[Any], manager_id: str, thread_filter: ThreadFilter = "escalated", limit: int = 100
) -> list[dict[str, Any]]:
    sql = LIST_SQL.format(where=_FILTERS[thread_filter])
    rows = await (await conn.execute(sql.encode(), {"me": manager_id, "limit": limit})).fetchall()
    return [dict(row) for row in rows]


async def thread_counts(conn: AsyncConnection[Any], manager_id: str) -> dict[str, int]:
    row = await (
        await conn.execute(
            """
            SELECT count(*) FILTER (WHERE e.id IS NOT NULL OR c.mode = 'human') AS escalated,
                   count(*) FILTER (WHERE c.assigned_manager_id = %(me)s) AS mine,
                   count(*) AS "all"
              FROM conversations c LEFT JOIN escalations e ON e.conversation_id = c.id AND e.resolved_at IS NULL
            """,
            {"me": manager_id},
        )
    ).fetchone()
    return {k: int(v) for k, v in dict(row or {}).items()}


async def thread_detail(conn: AsyncConnection[Any], conversation_id: int) -> dict[str, Any] | None:
    row = await (
        await conn.execute(
            "SELECT c.*, am.name AS assigned_manager_name FROM conversations c"
            " LEFT JOIN managers am ON am.id = c.assigned_manager_id WHERE c.id = %s",
            (conversation_id,),
        )
    ).fetchone()
    if row is None:
        return None
    detail = dict(row)
    escalations = await (
        await conn.execute(
            "SELECT e.*, m.name AS manager_name FROM escalations e LEFT JOIN managers m ON m.id = e.manager_id"
            " WHERE e.conversation_id = %s ORDER BY e.episode DESC",
            (conversation_id,),
        )
    ).fetchall()
    detail["escalations"] = [dict(e) for e in escalations]
    detail["escalation"] = next((dict(e) for e in escalations if e["resolved_at"] is None), None)
    handbacks = await (
        await conn.execute(
            "SELECT h.id, h.note, h.manager_id, m.name AS manager_name, h.created_at, h.consumed_at FROM handbacks h"
            " LEFT JOIN managers m ON m.id = h.manager_id WHERE h.conversation_id = %s ORDER BY h.id DESC",
            (conversation_id,),
        )
    ).fetchall()
    detail["handbacks"] = [dict(h) for h in handbacks]
    detail.update(await _commerce(conn, str(detail["thread_id"])))
    return detail


async def _table_exists(conn: AsyncConnection[Any], name: str) -> bool:
    row = await (await conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,))).fetchone()
    return bool(row and row["present"])


async def _commerce(conn: AsyncConnection[Any], thread_id: str) -> dict[str, Any]:
    """Quotes and CRM links of the thread, from the quotes/CRM tables when they exist (migration 0007)."""
    found: dict[str, Any] = {"quotes": [], "crm_contact_id": None, "crm_deals": [], "customer": None}
    if await _table_exists(conn, "quotes"):
        rows = await (
            await conn.execute(
                "SELECT quote_id, status, totals, salesorder_id, salesorder_number, inventory_contact_id, updated_at"
                " FROM quotes WHERE thread_id = %s ORDER BY seq DESC LIMIT 10",
                (thread_id,),
            )
        ).fetchall()
        found["quotes"] = [dict(r) for r in rows]
    if await _table_exists(conn, "crm_contacts"):
        row = await (
            await conn.execute("SELECT contact_id FROM crm_contacts WHERE thread_id = %s", (thread_id,))
        ).fetchone()
        found["crm_contact_id"] = row["contact_id"] if row else None
    if await _table_exists(conn, "crm_deals"):
        rows = await (
            await conn.execute(
                "SELECT deal_id, deal_name, stage, amount, closed FROM crm_deals WHERE thread_id = %s"
                " ORDER BY opportunity DESC LIMIT 5",
                (thread_id,),
            )
        ).fetchall()
        found["crm_deals"] = [dict(r) for r in rows]
    if await _table_exists(conn, "customer_links"):
        row = await (
            await conn.execute("SELECT record FROM customer_links WHERE thread_id = %s", (thread_id,))
        ).fetchone()
        found["customer"] = row["record"] if row else None
    return found


async def thread_messages(
    conn: AsyncConnection[Any], conversation_id: int, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    rows = await (
        await conn.execute(
            """
            SELECT m.id, m.direction, m.author, m.manager_id, mg.name AS manager_name, m.kind, m.text, m.content_uri,
                   m.status, m.created_at, o.status AS delivery_status
              FROM messages m
              LEFT JOIN managers mg ON mg.id = m.manager_id
              LEFT JOIN outbox o ON o.id = m.outbox_id
             WHERE m.conversation_id = %s AND m.id > %s
             ORDER BY m.id
             LIMIT %s
            """,
            (conversation_id, after_id, limit),
        )
    ).fetchall()
    return [dict(r) for r in rows]


async def list_escalations(
    conn: AsyncConnection[Any], *, status: Literal["open", "resolved", "all"] = "open", limit: int = 100
) -> list[dict[str, Any]]:
    where = {"open": "e.resolved_at IS NULL", "resolved": "e.resolved_at IS NOT NULL", "all": "true"}[status]
    rows = await (
        await conn.execute(
            f"""
            SELECT e.id, e.conversation_id, e.episode, e.reason, e.reasons, e.detail, e.summary, e.language,
                   e.manager_id, m.name AS manager_name, e.routing, e.status, e.created_at, e.taken_at, e.taken_by,
                   e.resolved_at, e.resolved_by, e.alert_status, e.alert_sent_at,
                   c.chat_id, c.customer_name, c.mode
              FROM escalations e JOIN conversations c ON c.id = e.conversation_id
              LEFT JOIN managers m ON m.id = e.manager_id
             WHERE {where}
             ORDER BY e.id DESC LIMIT %s
            """.encode(),
            (limit,),
        )
    ).fetchall()
    return [dict(r) for r in rows]


class PostgresEscalationDesk:
    """The graph's `EscalationDesk`: opens the escalation of the turn's conversation (routed, alert queued).

    Human mode starts when the turn commits its holding message (server/worker/turns.py `complete_turn`), so the
    customer gets that one message and the bot is silent afterwards."""

    def __init__(self, pool: AsyncConnectionPool[Any], *, fallback_manager_id: str | None = None) -> None:
        self.pool = pool
        self.fallback_manager_id = fallback_manager_id

    async def open(
        self,
        thread_id: str,
        decision: EscalationDecision,
        *,
        summary: str,
        language: str,
        categories: list[str],
    ) -> EscalationTicket:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute("SELECT id FROM conversations WHERE thread_id = %s", (thread_id,))
            ).fetchone()
            if row is None:
                raise NoSuchConversation(thread_id)
            opened = await escalate(
                conn,
                row["id"],
                decision,
                summary=summary,
                language=language,
                categories=categories,
                take_over_now=False,
                fallback_manager_id=self.fallback_manager_id,
            )
        return EscalationTicket(opened.episode, opened.manager_id, opened.created)


IDLE_THREADS_SQL = """
SELECT c.id FROM conversations c
 WHERE c.mode = 'human' AND c.mode_changed_at <= now() - make_interval(secs => %(idle)s)
   AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id
                    AND m.created_at > now() - make_interval(secs => %(idle)s))
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
        async with self.pool.connection() as conn:
            released = await release_idle_threads(conn, self.idle_seconds)
        if released:
            log.info("released idle threads %s back to the bot", released)
            self.on_released()
        return False
