"""The weekly report: from Monday `weekly_report_hour` (Dubai), last week's report (PDF with the KPIs, charts and the
lowest-scored conversations linked to the inbox; server/desk/reports.py) goes to every head of sales with a Telegram
chat, once per week and person: dedupe key "weekly-report:<week>:<chat id>" in the `alerts` table, as for the
other alerts. A service started later in the week sends last week's report if nobody has yet."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg_pool import AsyncConnectionPool

from server.desk.metrics import TIMEZONE, Period
from server.desk.reports import build_dashboard, previous_week, report_caption, report_pdf
from server.loops import WokenLoop
from server.worker.jobs.alerts import PostgresAlertDeduper
from tools.telegram import TelegramClient, TelegramError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError

log = logging.getLogger(__name__)

RECIPIENTS_SQL = """
SELECT id, telegram_chat_id FROM managers h
 WHERE access = 'head_of_sales' AND disabled_at IS NULL AND telegram_chat_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM alerts WHERE dedupe_key = 'weekly-report:' || %s || ':' || h.telegram_chat_id)
 ORDER BY id
"""


def due_week(now: datetime, hour: int) -> str | None:
    """Last week once this week's Monday `hour` (Dubai) has passed, else None."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    if local.weekday() == 0 and local.hour < hour:
        return None
    return previous_week(local)


class WeeklyReporter(WokenLoop):
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        client: TelegramClient,
        base_url: str,
        *,
        hour: int,
        below_share: float,
        poll_interval_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(ZoneInfo(TIMEZONE)),
    ) -> None:
        super().__init__("weekly-report", poll_interval_seconds)
        self.pool = pool
        self.client = client
        self.base_url = base_url
        self.hour = hour
        self.below_share = below_share
        self.clock = clock
        self.deduper = PostgresAlertDeduper(pool)

    async def run_pass(self) -> bool:
        await self.send_due()
        return False

    async def send_due(self) -> dict[int, str]:
        """Send the due week's report to whoever has not had it; the outcome per chat id."""
        week = due_week(self.clock(), self.hour)
        if week is None:
            return {}
        async with self.pool.connection() as conn:
            recipients = await (await conn.execute(RECIPIENTS_SQL, (week,))).fetchall()
            if not recipients:
                return {}
            dashboard = await build_dashboard(
                conn, Period.iso_week(week), self.base_url, threshold=self.below_share, now=self.clock()
            )
        document = report_pdf(dashboard)
        if self.client.deduper is None:
            self.client.deduper = self.deduper
        outcomes: dict[int, str] = {}
        for recipient in recipients:
            chat_id = int(recipient["telegram_chat_id"])
            key = f"weekly-report:{week}:{chat_id}"
            try:
                sent = await self.client.send_document(
                    chat_id,
                    f"noor-report-{week}.pdf",
                    document,
                    report_caption(dashboard, week),
                    parse_mode=None,
                    mime_type="application/pdf",
                    dedupe_key=key,
                )
            except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
                log.warning("weekly report %s to %s: %s; retrying later", week, chat_id, exc)
                outcomes[chat_id] = "retry"
                continue
            except TelegramError as exc:  # refused for good: not retried every pass
                log.warning("weekly report %s to %s failed: %s", week, chat_id, exc)
                await self.deduper.claim(key)
                outcomes[chat_id] = "failed"
                continue
            if sent is None:
                outcomes[chat_id] = "duplicate"
                continue
            await self.deduper.mark_sent(key, chat_id, [sent.message_id])
            outcomes[chat_id] = "sent"
        return outcomes
