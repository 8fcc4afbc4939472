"""Telegram alerts for escalations, sent exactly once per escalation across retries and processes.

An escalation row is created with alert_status 'pending' (server/desk/escalations.py). `AlertDispatcher` claims
due rows with SKIP LOCKED and a lease, builds the alert (reason, short summary, customer language, links to
the files the customer sent for it and to the thread in the inbox; HTML-escaped; one message of at most 4096
characters) and sends it through `TelegramClient` (which waits out 429 retry_after) with dedupe key
"escalation:<id>" claimed in the `alerts` table (`PostgresAlertDeduper`). A key claimed by an attempt whose
outcome is unknown (the process died mid-request) is not sent again: at most once beats twice for a person's
phone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from psycopg_pool import AsyncConnectionPool

from agent.policies.escalation import REASON_LABELS
from server.loops import WokenLoop
from tools.telegram import (
    TelegramClient,
    TelegramError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    bold,
    escape_html,
    italic,
    link,
)

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "ru": "Russian"}
LEASE_SECONDS = 60
UNKNOWN_OUTCOME_AFTER_SECONDS = 120
MAX_SUMMARY_CHARS = 1500

AlertOutcome = Literal["sent", "duplicate", "retry", "failed", "skipped"]


class PostgresAlertDeduper:
    """`AlertDeduper` over the `alerts` table: a key is claimed by one attempt, released on failure."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self.pool = pool

    async def claim(self, key: str) -> bool:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "INSERT INTO alerts (dedupe_key) VALUES (%s)"
                    " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key",
                    (key,),
                )
            ).fetchone()
        return row is not None

    async def release(self, key: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute("DELETE FROM alerts WHERE dedupe_key = %s AND status = 'claimed'", (key,))

    async def mark_sent(self, key: str, chat_id: int, message_ids: list[int]) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE alerts SET status = 'sent', sent_at = now(), chat_id = %s, message_ids = %s"
                " WHERE dedupe_key = %s",
                (chat_id, message_ids, key),
            )

    async def state(self, key: str) -> dict[str, Any] | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT status, claimed_at, now() - claimed_at AS age FROM alerts WHERE dedupe_key = %s", (key,)
                )
            ).fetchone()
        return dict(row) if row else None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


MAX_FILES = 5
CATEGORY_LABELS = {
    "floor_plan": "floor plan",
    "drawing": "drawing",
    "tender": "tender document",
    "photo": "photo",
    "document": "document",
    "voice": "voice note",
    "video": "video",
}


def _file_line(base_url: str, file: dict[str, Any]) -> str:
    """One file of the escalation: its stored copy (managers' auth) or, when it was never downloaded, the
    customer's original link and why it failed."""
    kind = CATEGORY_LABELS.get(str(file.get("category")), str(file.get("kind") or "file"))
    name = _clip(str(file.get("file_name") or f"{kind} {file['id']}"), 80)
    if file.get("status") == "downloaded":
        url = f"{base_url.rstrip('/')}/media/{file['id']}"
        return f"📎 {link(url, name)} ({escape_html(kind)})"
    problem = "too large to download" if file.get("status") == "too_large" else "could not be downloaded"
    original = str(file.get("source_uri") or "")
    shown = link(original, "original link") if original.startswith(("https://", "http://")) else ""
    return f"⚠️ {escape_html(kind)} {escape_html(problem)}" + (f": {shown}" if shown else "")


def escalation_alert_text(
    escalation: dict[str, Any],
    conversation: dict[str, Any],
    manager_name: str | None,
    base_url: str,
    summary: str,
    files: list[dict[str, Any]] | None = None,
) -> str:
    """The alert as Telegram HTML; every value from a customer or the database is escaped. ``files``: the
    ``media`` rows the customer sent for this escalation (a floor plan, an RFQ, a file we could not fetch)."""
    reason = str(escalation["reason"])
    label = REASON_LABELS.get(reason, reason.replace("_", " "))
    language = escalation.get("language") or conversation.get("language")
    customer = _clip(str(conversation.get("customer_name") or "Customer"), 80)
    lines = [
        f"🔔 {bold('Escalation #' + str(escalation['id']))} · {escape_html(label)}",
        f"{bold('Customer:')} {escape_html(customer)} · +{escape_html(str(conversation['chat_id']))}",
        f"{bold('Language:')} {escape_html(LANGUAGE_NAMES.get(str(language), str(language or 'unknown')))}",
    ]
    if manager_name:
        routing = escalation.get("routing")
        lines.append(
            f"{bold('Assigned to:')} {escape_html(manager_name)}"
            + (f" ({escape_html(_clip(str(routing), 80))})" if routing else "")
        )
    if escalation.get("detail"):
        lines.append(f"{bold('Why:')} {escape_html(_clip(str(escalation['detail']), 300))}")
    if summary:
        lines.append(f"{bold('Summary:')} {italic(_clip(summary, MAX_SUMMARY_CHARS))}")
    for file in (files or [])[:MAX_FILES]:
        lines.append(_file_line(base_url, file))
    url = f"{base_url.rstrip('/')}/inbox/threads/{conversation['id']}"
    lines.append(link(url, "Open the thread in the inbox"))
    return "\n".join(lines)


async def escalation_files(conn: Any, escalation: dict[str, Any]) -> list[dict[str, Any]]:
    """Files of the conversation received for this escalation: after the previous escalation was opened and
    before this one (the media step stores a file before the turn that escalates runs)."""
    rows = await (
        await conn.execute(
            """
            SELECT id, kind, status, category, file_name, source_uri FROM media
             WHERE conversation_id = %(conversation)s AND created_at <= %(opened)s
               AND created_at > COALESCE((SELECT max(created_at) FROM escalations
                                           WHERE conversation_id = %(conversation)s AND id < %(id)s), '-infinity')
               AND (category IS DISTINCT FROM 'voice' OR status <> 'downloaded')
             ORDER BY id DESC LIMIT %(limit)s
            """,
            {
                "conversation": escalation["conversation_id"],
                "opened": escalation["created_at"],
                "id": escalation["id"],
                "limit": MAX_FILES,
            },
        )
    ).fetchall()
    return [dict(r) for r in reversed(rows)]


async def _summary(conn: Any, conversation_id: int, given: str | None) -> str:
    if given:
        return given
    rows = await (
        await conn.execute(
            "SELECT text FROM messages WHERE conversation_id = %s AND direction = 'in' AND text IS NOT NULL"
            " ORDER BY id DESC LIMIT 3",
            (conversation_id,),
        )
    ).fetchall()
    return " / ".join(f"“{_clip(r['text'], 400)}”" for r in reversed(rows))


@dataclass
class AlertResult:
    escalation_id: int
    outcome: AlertOutcome
    error: str | None = None


async def send_escalation_alert(
    pool: AsyncConnectionPool[Any],
    client: TelegramClient,
    escalation_id: int,
    base_url: str,
    deduper: PostgresAlertDeduper | None = None,
) -> AlertResult:
    """Send one escalation's alert (idempotent) and record the outcome on the escalation row."""
    deduper = deduper or PostgresAlertDeduper(pool)
    key = f"escalation:{escalation_id}"
    async with pool.connection() as conn:
        escalation = await (await conn.execute("SELECT * FROM escalations WHERE id = %s", (escalation_id,))).fetchone()
        if escalation is None:
            raise LookupError(escalation_id)
        conversation = await (
            await conn.execute("SELECT * FROM conversations WHERE id = %s", (escalation["conversation_id"],))
        ).fetchone()
        manager = None
        if escalation["manager_id"]:
            manager = await (
                await conn.execute(
                    "SELECT name, telegram_chat_id FROM managers WHERE id = %s", (escalation["manager_id"],)
                )
            ).fetchone()
        summary = await _summary(conn, escalation["conversation_id"], escalation["summary"])
        files = await escalation_files(conn, dict(escalation))
    assert conversation is not None
    if manager is None or manager["telegram_chat_id"] is None:
        await _record(pool, escalation_id, "skipped", "no Telegram chat for the manager")
        return AlertResult(escalation_id, "skipped")
    chat_id = int(manager["telegram_chat_id"])
    text = escalation_alert_text(dict(escalation), dict(conversation), manager["name"], base_url, summary, files)
    if client.deduper is None:
        client.deduper = deduper
    try:
        sent = await client.send_message(chat_id, text, max_parts=1, dedupe_key=key)
    except TelegramRetryAfter as exc:
        await _record(pool, escalation_id, "pending", str(exc), retry_in=float(exc.retry_after or 5))
        return AlertResult(escalation_id, "retry", str(exc))
    except (TelegramServerError, TelegramNetworkError) as exc:
        # the request may have reached Telegram: the key was released, so a retry may duplicate; rare and bounded
        await _record(pool, escalation_id, "pending", str(exc), retry_in=5.0)
        return AlertResult(escalation_id, "retry", str(exc))
    except TelegramError as exc:
        await _record(pool, escalation_id, "failed", str(exc))
        return AlertResult(escalation_id, "failed", str(exc))
    if sent:
        await deduper.mark_sent(key, chat_id, [m.message_id for m in sent])
        await _record(pool, escalation_id, "sent", None)
        return AlertResult(escalation_id, "sent")
    state = await deduper.state(key)
    in_flight = state is not None and state["status"] == "claimed"
    if in_flight and state is not None and state["age"].total_seconds() < UNKNOWN_OUTCOME_AFTER_SECONDS:
        await _record(pool, escalation_id, "pending", "another attempt is sending it", retry_in=5.0)
        return AlertResult(escalation_id, "retry")
    note = None if state is not None and state["status"] == "sent" else "outcome of an earlier attempt unknown"
    await _record(pool, escalation_id, "sent", note)
    return AlertResult(escalation_id, "duplicate", note)


async def _record(
    pool: AsyncConnectionPool[Any], escalation_id: int, status: str, error: str | None, retry_in: float = 0.0
) -> None:
    async with pool.connection() as conn:
        await conn.execute(
            """
            UPDATE escalations SET alert_status = %(status)s, alert_error = %(error)s, alert_lease_until = NULL,
                   alert_sent_at = CASE WHEN %(status)s = 'sent' THEN COALESCE(alert_sent_at, now())
                                        ELSE alert_sent_at END,
                   alert_next_attempt_at = now() + make_interval(secs => %(retry)s)
             WHERE id = %(id)s
            """,
            {"status": status, "error": error, "retry": retry_in, "id": escalation_id},
        )


CLAIM_SQL = """
UPDATE escalations SET alert_status = 'sending', alert_attempts = alert_attempts + 1,
       alert_lease_until = now() + make_interval(secs => %(lease)s)
 WHERE id IN (SELECT id FROM escalations
               WHERE ((alert_status = 'pending' AND alert_next_attempt_at <= now())
                      OR (alert_status = 'sending' AND alert_lease_until < now()))
               ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
RETURNING id, alert_attempts
"""


class AlertDispatcher(WokenLoop):
    """Sends due escalation alerts; any number of processes may run one (rows are claimed with a lease)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        client: TelegramClient,
        base_url: str,
        *,
        poll_interval_seconds: float = 1.0,
        max_attempts: int = 8,
    ) -> None:
        super().__init__("alerts", poll_interval_seconds)
        self.pool = pool
        self.client = client
        self.base_url = base_url
        self.max_attempts = max_attempts
        self.deduper = PostgresAlertDeduper(pool)

    async def run_pass(self) -> bool:
        return bool(await self.send_due())

    async def send_due(self, limit: int = 8) -> list[AlertResult]:
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(CLAIM_SQL, {"lease": LEASE_SECONDS, "limit": limit})).fetchall()
        results = []
        for row in rows:
            result = await send_escalation_alert(self.pool, self.client, row["id"], self.base_url, self.deduper)
            if result.outcome == "retry" and row["alert_attempts"] >= self.max_attempts:
                await _record(self.pool, row["id"], "failed", f"gave up after {row['alert_attempts']} attempts")
                result = AlertResult(row["id"], "failed", result.error)
            if result.outcome == "failed":
                log.warning("escalation %s alert failed: %s", row["id"], result.error)
            results.append(result)
        return results
