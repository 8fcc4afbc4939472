"""The sender: delivers outbox parts to Wazzup in order per conversation, exactly once.

On a WABA channel free text never leaves outside the customer's 24-hour window: such a part is 'held' (shown in
the inbox) rather than refused by Wazzup; a template part (template_id) is sent as the template.

Each part's stable outbox id is Wazzup's crmMessageId, so a retry after a 429, a 5xx or a timeout is
recognised by Wazzup ("repeatedCrmMessageId") instead of sending twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.channels.wazzup.ingest import apply_status
from server.channels.wazzup.window import WINDOW_HOURS, WabaDirectory
from server.loops import WokenLoop
from tools.wazzup import (
    SendMessageRequest,
    WazzupClient,
    WazzupDuplicate,
    WazzupError,
    WazzupRateLimited,
    WazzupStatus,
    WazzupWindowClosed,
    quick_replies,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 60

# The next part of a conversation waits until the one before it has left the outbox queue.
CLAIM_SQL = """
UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = now(),
       lease_until = now() + make_interval(secs => %(lease)s)
 WHERE id IN (
    SELECT o.id FROM outbox o
     WHERE ((o.status = 'pending' AND o.next_attempt_at <= now())
            OR (o.status = 'sending' AND o.lease_until < now()))
       AND NOT EXISTS (SELECT 1 FROM outbox earlier
                        WHERE earlier.conversation_id = o.conversation_id AND earlier.seq < o.seq
                          AND earlier.status IN ('pending', 'sending'))
     ORDER BY o.seq
     LIMIT %(limit)s
     FOR UPDATE SKIP LOCKED)
RETURNING id, conversation_id, kind, text, content_uri, template_id, template_values, buttons, attempts
"""

CHATS_SQL = f"""
SELECT id, channel_id, chat_id, chat_type,
       COALESCE(last_inbound_at > noor_now() - interval '{WINDOW_HOURS} hours', false) AS window_open
  FROM conversations WHERE id = ANY(%s)
"""

WINDOW_CLOSED_NOTE = "held: the customer's 24-hour window is closed and free text cannot be sent; send a template"


class Sender(WokenLoop):
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        client: WazzupClient,
        waba: WabaDirectory,
        *,
        max_attempts: int = 8,
        backoff_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
        poll_interval_seconds: float = 0.25,
        batch_size: int = 16,
    ) -> None:
        super().__init__("sender", poll_interval_seconds)
        self.pool = pool
        self.client = client
        self.waba = waba
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.backoff_cap = backoff_cap_seconds
        self.batch_size = batch_size

    async def run_pass(self) -> bool:
        return await self.send_due() > 0

    async def send_due(self) -> int:
        """Send every part that is due now; returns how many were attempted."""
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(CLAIM_SQL, {"lease": LEASE_SECONDS, "limit": self.batch_size})).fetchall()
            if not rows:
                return 0
            chats = {
                r["id"]: r
                for r in await (await conn.execute(CHATS_SQL, ([row["conversation_id"] for row in rows],))).fetchall()
            }
        await asyncio.gather(*(self._send_one(dict(row), chats[row["conversation_id"]]) for row in rows))
        return len(rows)

    async def _send_one(self, part: dict[str, Any], chat: dict[str, Any]) -> None:
        template = part["template_id"] is not None
        try:
            # one channel lookup (cached): the window's rule and the quick replies only exist on WABA
            waba = not template and await self.waba.is_waba(chat["channel_id"])
            if waba and not chat["window_open"]:
                raise WazzupWindowClosed(WINDOW_CLOSED_NOTE)  # refused before Wazzup would refuse it
            request = SendMessageRequest(
                channel_id=chat["channel_id"],
                chat_type=chat["chat_type"],
                chat_id=chat["chat_id"],
                text=None if template else part["text"],
                content_uri=part["content_uri"],
                template_id=part["template_id"],
                template_values=part["template_values"],
                # elsewhere the text goes alone: it asks its question in words
                buttons_object=quick_replies(part["buttons"]) if waba and part["buttons"] else None,
                crm_message_id=part["id"],
            )
            result = await self.client.send_message(request)
        except WazzupWindowClosed:
            await self._hold(part["id"])
        except WazzupDuplicate:
            # Wazzup already has this crmMessageId: an earlier attempt went through. Its echo brings the id.
            await self._mark_sent(part["id"], None, note="already accepted by Wazzup (repeated crmMessageId)")
        except WazzupError as exc:
            await self._retry_or_fail(part, exc)
        else:
            await self._mark_sent(part["id"], result.message_id)

    async def _mark_sent(self, outbox_id: str, message_id: str | None, note: str | None = None) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                """
                UPDATE outbox SET provider_message_id = COALESCE(provider_message_id, %s),
                       status = CASE WHEN status IN ('pending', 'sending') THEN 'sent' ELSE status END,
                       sent_at = COALESCE(sent_at, now()), lease_until = NULL, last_error = %s, updated_at = now()
                 WHERE id = %s
                """,
                (message_id, note, outbox_id),
            )
            if message_id:
                # Statuses that overtook the 201 answer were kept as events; apply them now.
                early = await (
                    await conn.execute(
                        "SELECT payload FROM inbox_events WHERE kind = 'status' AND payload ->> 'messageId' = %s"
                        " ORDER BY id",
                        (message_id,),
                    )
                ).fetchall()
                for row in early:
                    await apply_status(conn, WazzupStatus.model_validate(row["payload"]))

    async def _hold(self, outbox_id: str) -> None:
        """Free text the window no longer allows waits, visibly, for a person (or a template) instead."""
        log.info("outbox %s held: the 24-hour window is closed", outbox_id)
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'held', last_error = %s, lease_until = NULL, updated_at = now()"
                " WHERE id = %s",
                (WINDOW_CLOSED_NOTE, outbox_id),
            )

    def _delay(self, attempts: int, exc: WazzupError) -> float:
        if isinstance(exc, WazzupRateLimited) and exc.retry_after:
            return min(exc.retry_after, self.backoff_cap)
        return min(self.backoff * 2.0 ** (int(attempts) - 1), self.backoff_cap)

    async def _retry_or_fail(self, part: dict[str, Any], exc: WazzupError) -> None:
        give_up = not exc.retryable or part["attempts"] >= self.max_attempts
        log.warning(
            "send of %s failed (attempt %s, %s): %s",
            part["id"],
            part["attempts"],
            "giving up" if give_up else "will retry",
            exc,
        )
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE outbox SET status = %s, last_error = %s, lease_until = NULL, updated_at = now(),"
                " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
                (
                    "failed" if give_up else "pending",
                    str(exc)[:1000],
                    self._delay(part["attempts"], exc),
                    part["id"],
                ),
            )
