"""Escalations and human mode in the database: open (with routing), take over, reply, hand back.

The contract with the graph/worker side:

- `escalate(conn, conversation_id, decision, ...)` opens the conversation's escalation episode once: while
  an escalation is open (resolved_at IS NULL) it returns that one (`created=False`). The database numbers
  episodes (1, 2, ...); keep the returned episode in the graph's escalation record. It routes a manager
  (agent/policies/routing.py), assigns the conversation, queues the Telegram alert (alert_status 'pending', sent
  by server/worker/jobs/alerts.py `AlertDispatcher`) and, with `take_over_now=True`, puts the conversation in human
  mode (server/storage/conversations.py `take_over`). Call it inside the transaction that queues the holding message,
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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from agent.policies.escalation import EscalationDecision
from agent.policies.routing import RoutingDecision, route
from agent.services.commerce import EscalationTicket
from server.desk.managers import manager_profiles, open_loads
from server.storage.conversations import WORK_CHANNEL, take_over

log = logging.getLogger(__name__)

ALERT_CHANNEL = "noor_alerts"
"""NOTIFY channel: an escalation alert is waiting to be sent."""

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


@dataclass(frozen=True)
class TemplateChoice:
    """A WABA template a manager sends when the 24-hour window is closed: what goes to Wazzup."""

    template_id: str
    values: list[str]


async def queue_reply(
    conn: AsyncConnection[Any],
    conversation_id: int,
    manager_id: str,
    text: str,
    reply_id: str | None = None,
    *,
    template: TemplateChoice | None = None,
) -> QueuedReply:
    """A manager's reply: an outbox row (sent through Wazzup by the sender) and a transcript row.

    Replying takes the thread if the bot held it. `reply_id` (one per form) makes a double submit harmless.
    With `template`, the template is sent and `text` (the template filled in) is what the transcript shows.
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
                "INSERT INTO outbox (id, conversation_id, kind, text, template_id, template_values)"
                " VALUES (%s, %s, 'text', %s, %s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
                (
                    outbox_id,
                    conversation_id,
                    text,
                    template.template_id if template else None,
                    Jsonb(template.values) if template else None,
                ),
            )
        ).fetchone()
        if inserted is None:
            return QueuedReply(outbox_id, None, False)
        row = await (
            await conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, kind, text, status, outbox_id, manager_id)"
                " VALUES (%s, 'out', 'manager', %s, %s, 'queued', %s, %s) RETURNING id",
                (conversation_id, "template" if template else "text", text, outbox_id, manager_id),
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
