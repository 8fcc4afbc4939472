"""Low-score alerts: a quality review scoring under the threshold (`quality_alert_below_share`) tells every head of
sales with a Telegram chat, once per review and person, across retries and worker processes.

The dedupe key "quality-review:<review id>:<chat id>" is claimed in the `alerts` table before the send (the pattern
of server/worker/jobs/alerts.py): a review already alerted is never alerted again, a re-review of the same episode
(same row) neither. A send that fails in a way a retry can fix releases the key and is tried on a later pass; a
chat Telegram refuses for good (blocked, not found) keeps its key claimed, so it is not retried forever. Only
reviews of the last `LOOKBACK_DAYS` are considered: lowering the threshold does not page anyone about last year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from psycopg_pool import AsyncConnectionPool

from server.loops import WokenLoop
from server.worker.jobs.alerts import LANGUAGE_NAMES, PostgresAlertDeduper
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

LOOKBACK_DAYS = 7
MAX_LOST_RULES = 4

DUE_SQL = """
SELECT q.id, q.conversation_id, q.episode, q.share, q.total, q.available, q.maximum, q.summary, q.rules, q.reviewer,
       c.chat_id AS customer_chat, c.customer_name, c.language, h.id AS head_id, h.telegram_chat_id AS head_chat
  FROM quality_reviews q
  JOIN conversations c ON c.id = q.conversation_id
  JOIN managers h ON h.access = 'head_of_sales' AND h.disabled_at IS NULL AND h.telegram_chat_id IS NOT NULL
 WHERE q.share IS NOT NULL AND q.share < %(threshold)s AND q.reviewed_at > now() - make_interval(days => %(days)s)
   AND NOT EXISTS (SELECT 1 FROM alerts a
                    WHERE a.dedupe_key = 'quality-review:' || q.id || ':' || h.telegram_chat_id)
 ORDER BY q.id, h.id LIMIT %(limit)s
"""

Outcome = Literal["sent", "duplicate", "retry", "failed"]


@dataclass(frozen=True)
class LowScoreAlert:
    review_id: int
    chat_id: int
    outcome: Outcome


def low_score_text(row: dict[str, Any], base_url: str) -> str:
    """Telegram HTML; every value from the customer or a reviewer is escaped."""
    lost = sorted(
        (r for r in row["rules"] if r.get("status") == "judged" and (r.get("score") or 0) < r["max"]),
        key=lambda r: (r.get("score") or 0) - r["max"],
    )[:MAX_LOST_RULES]
    customer = str(row["customer_name"] or "Customer")[:80]
    language = LANGUAGE_NAMES.get(str(row["language"]), str(row["language"] or "unknown"))
    points = round(float(row["share"]) * row["maximum"], 1)
    headline = f"Low quality score: {float(row['share']) * 100:.0f}%"
    lines = [
        f"⚠️ {bold(headline)} ({points}/{row['maximum']}, {escape_html(str(row['reviewer']))} review)",
        f"{bold('Customer:')} {escape_html(customer)} · +{escape_html(str(row['customer_chat']))} · "
        f"{escape_html(language)}",
    ]
    if row["summary"]:
        lines.append(f"{bold('Summary:')} {italic(str(row['summary'])[:600])}")
    for rule in lost:
        note = f": {escape_html(str(rule.get('note') or '')[:200])}" if rule.get("note") else ""
        lines.append(f"• {escape_html(str(rule['rule']))} {rule.get('score') or 0}/{rule['max']}{note}")
    lines.append(link(f"{base_url.rstrip('/')}/inbox/threads/{row['conversation_id']}", "Open the conversation"))
    return "\n".join(lines)


class LowScoreAlerter(WokenLoop):
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        client: TelegramClient,
        base_url: str,
        *,
        below_share: float,
        poll_interval_seconds: float,
        batch_size: int = 10,
    ) -> None:
        super().__init__("low-score-alerts", poll_interval_seconds)
        self.pool = pool
        self.client = client
        self.base_url = base_url
        self.below_share = below_share
        self.batch_size = batch_size
        self.deduper = PostgresAlertDeduper(pool)

    async def run_pass(self) -> bool:
        sent = await self.send_due()
        return len(sent) == self.batch_size and all(a.outcome != "retry" for a in sent)

    async def send_due(self) -> list[LowScoreAlert]:
        params = {"threshold": self.below_share, "days": LOOKBACK_DAYS, "limit": self.batch_size}
        async with self.pool.connection() as conn:
            rows = [dict(r) for r in await (await conn.execute(DUE_SQL, params)).fetchall()]
        return [await self._send(row) for row in rows]

    async def _send(self, row: dict[str, Any]) -> LowScoreAlert:
        chat_id = int(row["head_chat"])
        key = f"quality-review:{row['id']}:{chat_id}"
        if self.client.deduper is None:
            self.client.deduper = self.deduper
        try:
            sent = await self.client.send_message(
                chat_id, low_score_text(row, self.base_url), max_parts=1, dedupe_key=key
            )
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
            log.warning("low-score alert for review %s: %s; retrying later", row["id"], exc)
            return LowScoreAlert(row["id"], chat_id, "retry")
        except TelegramError as exc:  # refused for good: keep the key so it is not tried on every pass
            log.warning("low-score alert for review %s to chat %s failed: %s", row["id"], chat_id, exc)
            await self.deduper.claim(key)
            return LowScoreAlert(row["id"], chat_id, "failed")
        if not sent:
            return LowScoreAlert(row["id"], chat_id, "duplicate")
        await self.deduper.mark_sent(key, chat_id, [m.message_id for m in sent])
        return LowScoreAlert(row["id"], chat_id, "sent")
