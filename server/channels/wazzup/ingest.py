"""Webhook ingestion: every item of a Wazzup body is stored once, atomically, before we answer 200.

Inbound customer messages become pending transcript rows (the dispatcher's work); echoes and statuses
update the outbox; an echo that is not ours means a person is writing from the business phone.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from psycopg import AsyncConnection
from pydantic import ValidationError

from server.storage.conversations import take_over
from tools.wazzup import WazzupMessage, WazzupStatus

log = logging.getLogger(__name__)

Outcome = Literal[
    "queued",
    "held",
    "duplicate",
    "ignored",
    "our_echo",
    "human_echo",
    "status",
    "edited",
    "deleted",
    "invalid",
]

# Outgoing statuses only move forward; "error" ends the message's life.
STATUS_RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4, "error": 5, "failed": 5}

ADVANCE_STATUS_SQL = """
UPDATE outbox SET status = %(status)s, updated_at = now(),
       last_error = COALESCE(%(error)s, last_error)
 WHERE provider_message_id = %(message_id)s
   AND (CASE status WHEN 'pending' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3
                    WHEN 'read' THEN 4 ELSE 5 END) < %(rank)s
"""


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conversations_with_work: set[int] = field(default_factory=set)

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.count(outcome)

    def merge(self, other: IngestReport) -> None:
        self.outcomes.extend(other.outcomes)
        self.errors.extend(other.errors)
        self.conversations_with_work |= other.conversations_with_work


def _text_hash(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def message_dedupe_key(message: WazzupMessage) -> tuple[str, str]:
    """The provider ids that identify an item; a redelivery with altered JSON maps to the same key."""
    if message.is_deleted:
        return "delete", f"delete:{message.message_id}"
    if message.is_edited:
        return "edit", f"edit:{message.message_id}:{_text_hash(message.text)}"
    if message.is_echo:
        return "echo", f"echo:{message.message_id}:{message.status or 'sent'}"
    return "message", f"msg:{message.message_id}"


async def _record_event(
    conn: AsyncConnection[Any], key: str, kind: str, chat_id: str | None, raw: dict[str, Any]
) -> bool:
    cursor = await conn.execute(
        "INSERT INTO inbox_events (dedupe_key, kind, chat_id, payload) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (key, kind, chat_id, json.dumps(raw, ensure_ascii=False)),
    )
    return await cursor.fetchone() is not None


async def upsert_conversation(conn: AsyncConnection[Any], message: WazzupMessage) -> dict[str, Any]:
    name = message.contact.name if message.contact and not message.is_echo else None
    cursor = await conn.execute(
        """
        INSERT INTO conversations (channel_id, chat_id, chat_type, thread_id, customer_name)
        VALUES (%(channel)s, %(chat)s, %(type)s, %(thread)s, %(name)s)
        ON CONFLICT (channel_id, chat_id) DO UPDATE SET
            customer_name = COALESCE(conversations.customer_name, EXCLUDED.customer_name), updated_at = now()
        RETURNING id, mode
        """,
        {
            "channel": message.channel_id,
            "chat": message.chat_id,
            "type": message.chat_type,
            "thread": f"{message.channel_id}:{message.chat_id}",
            "name": name,
        },
    )
    row = await cursor.fetchone()
    assert row is not None
    return dict(row)


# One statement, so one round trip and atomic: the event, the conversation and the pending message land
# together or (a redelivery) not at all.
INBOUND_SQL = """
WITH event AS (
    INSERT INTO inbox_events (dedupe_key, kind, chat_id, payload)
    VALUES (%(key)s, 'message', %(chat)s, %(payload)s)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
), conversation AS (
    INSERT INTO conversations (channel_id, chat_id, chat_type, thread_id, customer_name, last_inbound_at)
    SELECT %(channel)s, %(chat)s, %(chat_type)s, %(thread)s, %(name)s, noor_now() FROM event
    ON CONFLICT (channel_id, chat_id) DO UPDATE SET
        customer_name = COALESCE(conversations.customer_name, EXCLUDED.customer_name),
        last_inbound_at = noor_now(), updated_at = now()
    RETURNING id, mode
), message AS (
    INSERT INTO messages (conversation_id, direction, author, kind, text, content_uri,
                          provider_message_id, provider_time, status)
    SELECT id, 'in', 'customer', %(kind)s, %(text)s, %(uri)s, %(message_id)s, %(time)s,
           CASE WHEN mode = 'human' THEN 'held' ELSE 'pending' END
      FROM conversation
    ON CONFLICT (provider_message_id) WHERE provider_message_id IS NOT NULL DO NOTHING
    RETURNING conversation_id, status
)
SELECT (SELECT count(*) FROM event) AS new_event, message.conversation_id, message.status
  FROM (SELECT 1) AS one LEFT JOIN message ON true
"""


async def _ingest_inbound(
    conn: AsyncConnection[Any], message: WazzupMessage, raw: dict[str, Any], key: str, report: IngestReport
) -> Outcome:
    row = await (
        await conn.execute(
            INBOUND_SQL,
            {
                "key": key,
                "chat": message.chat_id,
                "payload": json.dumps(raw, ensure_ascii=False),
                "channel": message.channel_id,
                "chat_type": message.chat_type,
                "thread": f"{message.channel_id}:{message.chat_id}",
                "name": message.contact.name if message.contact else None,
                "kind": message.type,
                "text": message.text,
                "uri": message.content_uri,
                "message_id": message.message_id,
                "time": message.date_time,
            },
        )
    ).fetchone()
    assert row is not None
    if not row["new_event"]:
        return "duplicate"
    if row["status"] == "held":
        return "held"
    report.conversations_with_work.add(row["conversation_id"])
    return "queued"


async def _match_our_echo(conn: AsyncConnection[Any], message: WazzupMessage) -> bool:
    """Our own send coming back. By messageId when the 201 was stored already, else by content: the echo
    can overtake the 201 answer, and a send that timed out waits as 'pending' for a retry that Wazzup
    will refuse as a repeat, though the message went out."""
    status = message.status or "sent"
    cursor = await conn.execute(
        ADVANCE_STATUS_SQL + " RETURNING id",
        {
            "status": status,
            "error": None,
            "message_id": message.message_id,
            "rank": STATUS_RANK.get(status, 2),
        },
    )
    if await cursor.fetchone() is not None:
        return True
    known = await conn.execute("SELECT 1 FROM outbox WHERE provider_message_id = %s", (message.message_id,))
    if await known.fetchone() is not None:
        return True
    cursor = await conn.execute(
        """
        UPDATE outbox SET provider_message_id = %(message_id)s, updated_at = now(),
               status = CASE WHEN status IN ('pending', 'sending') THEN 'sent' ELSE status END
         WHERE id = (
                SELECT o.id FROM outbox o JOIN conversations c ON c.id = o.conversation_id
                 WHERE c.channel_id = %(channel)s AND c.chat_id = %(chat)s
                   AND o.provider_message_id IS NULL AND o.attempts > 0
                   AND o.status IN ('pending', 'sending', 'sent')
                   AND o.text IS NOT DISTINCT FROM %(text)s
                 ORDER BY o.seq LIMIT 1 FOR UPDATE OF o)
        RETURNING id
        """,
        {
            "message_id": message.message_id,
            "channel": message.channel_id,
            "chat": message.chat_id,
            "text": message.text,
        },
    )
    return await cursor.fetchone() is not None


async def _ingest_echo(conn: AsyncConnection[Any], message: WazzupMessage) -> Outcome:
    if await _match_our_echo(conn, message):
        return "our_echo"
    seen = await conn.execute("SELECT 1 FROM messages WHERE provider_message_id = %s", (message.message_id,))
    if await seen.fetchone() is not None:
        return "human_echo"  # a later status of a manager's message we already recorded
    conversation = await upsert_conversation(conn, message)
    await conn.execute(
        """
        INSERT INTO messages (conversation_id, direction, author, kind, text, content_uri,
                              provider_message_id, provider_time, status)
        VALUES (%s, 'out', 'manager', %s, %s, %s, %s, %s, 'sent')
        """,
        (
            conversation["id"],
            message.type,
            message.text,
            message.content_uri,
            message.message_id,
            message.date_time,
        ),
    )
    await take_over(conn, conversation["id"], reason="manager_echo")
    return "human_echo"


async def _ingest_edit_or_delete(conn: AsyncConnection[Any], message: WazzupMessage) -> Outcome:
    if message.is_deleted:
        await conn.execute(
            "UPDATE messages SET status = 'deleted' WHERE provider_message_id = %s AND status = 'pending'",
            (message.message_id,),
        )
        return "deleted"
    await conn.execute(
        "UPDATE messages SET text = %s WHERE provider_message_id = %s AND status = 'pending'",
        (message.text, message.message_id),
    )
    return "edited"


async def ingest_message(conn: AsyncConnection[Any], raw: dict[str, Any], report: IngestReport) -> Outcome:
    message = WazzupMessage.model_validate(raw)
    kind, key = message_dedupe_key(message)
    if kind == "message" and message.chat_type == "whatsapp":
        return await _ingest_inbound(conn, message, raw, key, report)
    async with conn.transaction():
        if not await _record_event(conn, key, kind, message.chat_id, raw):
            return "duplicate"
        if kind == "message":
            return "ignored"  # group chats and other channels: kept, not answered
        if kind == "echo":
            return await _ingest_echo(conn, message)
        return await _ingest_edit_or_delete(conn, message)


def _status_params(status: WazzupStatus) -> dict[str, Any]:
    return {
        "status": status.status,
        "error": json.dumps(status.error, ensure_ascii=False) if status.error else None,
        "message_id": status.message_id,
        "rank": STATUS_RANK.get(status.status, 0),
    }


async def apply_status(conn: AsyncConnection[Any], status: WazzupStatus) -> None:
    await conn.execute(ADVANCE_STATUS_SQL, _status_params(status))


STATUS_SQL = f"""
WITH event AS (
    INSERT INTO inbox_events (dedupe_key, kind, chat_id, payload)
    VALUES (%(key)s, 'status', NULL, %(payload)s)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
), advanced AS ({ADVANCE_STATUS_SQL} AND EXISTS (SELECT 1 FROM event) RETURNING outbox.id)
SELECT (SELECT count(*) FROM event) AS new_event
"""


async def ingest_status(conn: AsyncConnection[Any], raw: dict[str, Any]) -> Outcome:
    """One statement: the status event is recorded once and advances our outbox row if it is news."""
    status = WazzupStatus.model_validate(raw)
    params = {"key": f"status:{status.message_id}:{status.status}", "payload": json.dumps(raw, ensure_ascii=False)}
    row = await (await conn.execute(STATUS_SQL, {**params, **_status_params(status)})).fetchone()
    return "status" if row and row["new_event"] else "duplicate"


async def ingest_body(conn: AsyncConnection[Any], body: dict[str, Any]) -> IngestReport:
    """Every item of one webhook body; a bad item is reported and skipped, the others still land."""
    report = IngestReport()
    for raw in _items(body, "messages", report):
        try:
            report.outcomes.append(await ingest_message(conn, raw, report))
        except ValidationError as exc:
            report.outcomes.append("invalid")
            report.errors.append(f"messages item: {_first_error(exc)}")
    for raw in _items(body, "statuses", report):
        try:
            report.outcomes.append(await ingest_status(conn, raw))
        except ValidationError as exc:
            report.outcomes.append("invalid")
            report.errors.append(f"statuses item: {_first_error(exc)}")
    return report


def _items(body: dict[str, Any], key: str, report: IngestReport) -> list[dict[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        report.errors.append(f"{key} must be a list")
        return []
    good = [item for item in value if isinstance(item, dict)]
    if len(good) != len(value):
        report.errors.append(f"{key}: {len(value) - len(good)} item(s) are not objects")
        report.outcomes.extend(["invalid"] * (len(value) - len(good)))
    return good


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}"
