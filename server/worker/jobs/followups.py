"""The follow-up job: sends the follow-ups that are due (server/storage/followups.py), exactly once.

Any number of workers run it: a due row is claimed FOR UPDATE SKIP LOCKED, and the row's outbox part
('fu-<id>') is queued in the same transaction that marks it sent, so two workers never send one follow-up and a
crash sends it once on the next pass. The sender then delivers it like any reply (idempotent crmMessageId).

Never to a customer who opted out, never to a thread a person holds, never outside business hours (the row
waits for the next opening), and outside the 24-hour window of a WABA channel only as the approved template.
Each follow-up sent leaves a note on the CRM deal (else the contact).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from agent.policies.business_hours import BusinessHours
from agent.services.crm import CrmSync
from prompts import load_texts
from server.channels.wazzup.window import WINDOW_HOURS, WabaDirectory
from server.loops import WokenLoop
from server.storage.clock import clock_now

log = logging.getLogger(__name__)

CLAIM_SQL = f"""
SELECT f.id, f.kind, f.quote_id, f.conversation_id, c.mode, c.opted_out_at, c.language, c.customer_name,
       c.channel_id, c.thread_id,
       COALESCE(c.last_inbound_at > noor_now() - interval '{WINDOW_HOURS} hours', false) AS window_open
  FROM followups f JOIN conversations c ON c.id = f.conversation_id
 WHERE f.status = 'pending' AND f.due_at <= noor_now()
 ORDER BY f.due_at, f.id
 LIMIT %s
   FOR UPDATE OF f SKIP LOCKED
"""

KIND_LABELS = {"quote_reminder": "reminder about the quotation", "cart_nudge": "nudge about the products discussed"}


@dataclass(frozen=True)
class FollowUpTemplates:
    """The approved WABA template per follow-up kind (Settings), for a closed 24-hour window."""

    quote_reminder: str
    cart_nudge: str

    def name(self, kind: str) -> str:
        return self.quote_reminder if kind == "quote_reminder" else self.cart_nudge


class FollowUpSender(WokenLoop):
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        waba: WabaDirectory,
        hours: BusinessHours,
        templates: FollowUpTemplates,
        *,
        crm: CrmSync | None = None,
        on_queued: Callable[[], None] = lambda: None,
        poll_interval_seconds: float = 30.0,
        batch_size: int = 16,
    ) -> None:
        super().__init__("followups", poll_interval_seconds)
        self.pool = pool
        self.waba = waba
        self.hours = hours
        self.templates = templates
        self.crm = crm
        self.on_queued = on_queued
        self.batch_size = batch_size

    async def run_pass(self) -> bool:
        queued = await self.send_due()
        if queued:
            self.on_queued()
        await self.note_sent()
        return False  # the next due row may be hours away: poll

    async def send_due(self) -> list[int]:
        """Queue every follow-up due now; returns the ids queued for sending."""
        queued: list[int] = []
        async with self.pool.connection() as conn, conn.transaction():
            rows = await (await conn.execute(CLAIM_SQL, (self.batch_size,))).fetchall()
            if not rows:
                return queued
            now = await clock_now(conn)
            for row in rows:
                if row["opted_out_at"] is not None:
                    await _close(conn, row["id"], "skipped", "the customer opted out")
                elif row["mode"] == "human":
                    await _close(conn, row["id"], "skipped", "a person holds the thread")
                elif not self.hours.is_open(now):
                    await conn.execute(
                        "UPDATE followups SET due_at = %s, reason = 'waiting for business hours',"
                        " updated_at = noor_now() WHERE id = %s",
                        (self.hours.next_open(now), row["id"]),
                    )
                elif await self._queue(conn, dict(row)):
                    queued.append(int(row["id"]))
        if queued:
            log.info("follow-ups queued: %s", queued)
        return queued

    async def _queue(self, conn: AsyncConnection[Any], row: dict[str, Any]) -> bool:
        texts, version = load_texts("followups")
        language = row["language"] if row["language"] in texts else "en"
        wording = texts[language]
        name = row["customer_name"]
        text = wording[row["kind"]].format(name_part=f", {name}" if name else "", quote_id=row["quote_id"] or "")
        template_id: str | None = None
        values: list[str] | None = None
        if not row["window_open"] and await self.waba.is_waba(row["channel_id"]):
            template = await self.waba.template(self.templates.name(row["kind"]), language)
            if template is None:
                await _close(conn, row["id"], "skipped", "the 24-hour window is closed and no approved template fits")
                return False
            known = {"name": name or wording["customer"], "quote": row["quote_id"] or ""}
            values = [known.get(variable, "") for variable in template.variables]
            if not all(values):
                await _close(conn, row["id"], "skipped", f"template {template.name} needs values we do not have")
                return False
            template_id, text = template.template_guid, template.render(values)
        outbox_id = f"fu-{row['id']}"
        await conn.execute(
            "INSERT INTO outbox (id, conversation_id, kind, text, template_id, template_values)"
            " VALUES (%s, %s, 'text', %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (outbox_id, row["conversation_id"], text, template_id, None if values is None else Jsonb(values)),
        )
        await conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, kind, text, status, outbox_id, model,"
            " prompt_version) VALUES (%s, 'out', 'bot', %s, %s, 'queued', %s, 'followup', %s)",
            (row["conversation_id"], "template" if template_id else "text", text, outbox_id, version),
        )
        await conn.execute(
            "UPDATE followups SET status = 'sent', outbox_id = %s, sent_as = %s, reason = NULL, updated_at = noor_now()"
            " WHERE id = %s",
            (outbox_id, "template" if template_id else "text", row["id"]),
        )
        return True

    async def note_sent(self) -> None:
        """The CRM note of each follow-up sent (written once per follow-up; retried on the next pass)."""
        if self.crm is None:
            return
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "SELECT f.id, f.kind, f.quote_id, f.sent_as, c.thread_id FROM followups f"
                    " JOIN conversations c ON c.id = f.conversation_id"
                    " WHERE f.status = 'sent' AND f.crm_noted_at IS NULL ORDER BY f.id LIMIT %s",
                    (self.batch_size,),
                )
            ).fetchall()
        for row in rows:
            about = f" {row['quote_id']}" if row["quote_id"] else ""
            reason = (
                f"Noor sent one {KIND_LABELS[row['kind']]}{about}: the customer had not answered"
                f" (sent as {'an approved WhatsApp template' if row['sent_as'] == 'template' else 'a message'})."
            )
            try:
                noted = await self.crm.note_followup(row["thread_id"], key=f"followup:{row['id']}", content=reason)
            except Exception:
                log.exception("CRM note for follow-up %s failed; retrying on the next pass", row["id"])
                continue
            async with self.pool.connection() as conn:
                await conn.execute(
                    "UPDATE followups SET crm_noted_at = noor_now(), reason = %s WHERE id = %s",
                    (None if noted else "no CRM record to note on", row["id"]),
                )


async def _close(conn: AsyncConnection[Any], followup_id: int, status: str, reason: str) -> None:
    await conn.execute(
        "UPDATE followups SET status = %s, reason = %s, updated_at = noor_now() WHERE id = %s",
        (status, reason, followup_id),
    )
