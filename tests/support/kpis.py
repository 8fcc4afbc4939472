"""A database whose KPIs are known: three conversations over ISO weeks 2026-W48 and W49 (Dubai time), one older
conversation outside them. tests/server/test_metrics.py states the answers; the admin page and the weekly report
tests show them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

DUBAI = ZoneInfo("Asia/Dubai")
MODEL = "deepseek/deepseek-v3.2"
WEEK_48 = datetime(2026, 11, 23, tzinfo=DUBAI)  # Monday
WEEK_49 = datetime(2026, 11, 30, tzinfo=DUBAI)


def at(day: datetime, hh: int, mm: int, ss: int = 0, days: int = 0) -> datetime:
    return day + timedelta(days=days, hours=hh, minutes=mm, seconds=ss)


class Seeder:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn

    async def conversation(self, chat_id: str, language: str, name: str) -> int:
        row = await (
            await self.conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id, language, customer_name)"
                " VALUES ('ch', %s, %s, %s, %s) RETURNING id",
                (chat_id, f"ch:{chat_id}", language, name),
            )
        ).fetchone()
        assert row is not None
        return int(row["id"])

    async def turn(
        self,
        conversation: int,
        asked: datetime,
        text: str,
        *,
        started: float,
        finished: float | None,
        sent: list[tuple[float | None, str, int]],
        model: str = MODEL,
        usage: tuple[int, int, str] = (0, 0, "0"),
        attempts: int = 1,
        error: str | None = None,
        reply: str = "Happy to help.",
    ) -> str:
        """A customer message at `asked`, its turn (started/finished seconds after it) and the reply's parts:
        (seconds after `asked` the part was sent or None, outbox status, attempts)."""
        message = await (
            await self.conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, text, status, created_at)"
                " VALUES (%s, 'in', 'customer', %s, 'answered', %s) RETURNING id",
                (conversation, text, asked),
            )
        ).fetchone()
        assert message is not None
        turn_id = f"{conversation}-{message['id']}"
        await self.conn.execute(
            "INSERT INTO turns (id, conversation_id, inbound_ids, started_at, finished_at, attempts, error)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                turn_id,
                conversation,
                [message["id"]],
                asked + timedelta(seconds=started),
                None if finished is None else asked + timedelta(seconds=finished),
                attempts,
                error,
            ),
        )
        await self.conn.execute("UPDATE messages SET turn_id = %s WHERE id = %s", (turn_id, message["id"]))
        for number, (after, status, tries) in enumerate(sent, start=1):
            outbox_id = f"{turn_id}-{number}"
            queued = asked + timedelta(seconds=finished or started)
            await self.conn.execute(
                "INSERT INTO outbox (id, conversation_id, turn_id, text, status, attempts, created_at, sent_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    outbox_id,
                    conversation,
                    turn_id,
                    reply,
                    status,
                    tries,
                    queued,
                    None if after is None else asked + timedelta(seconds=after),
                ),
            )
            first = number == 1
            await self.conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, text, status, turn_id, outbox_id, model,"
                " prompt_version, prompt_tokens, completion_tokens, cost, created_at)"
                " VALUES (%s, 'out', 'bot', %s, 'sent', %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    conversation,
                    reply,
                    turn_id,
                    outbox_id,
                    model,
                    "offline-en@aaaa" if model == "offline" else "system.en@1111",
                    usage[0] if first else 0,
                    usage[1] if first else 0,
                    usage[2] if first else "0",
                    queued,
                ),
            )
        return turn_id

    async def escalation(self, conversation: int, reason: str, opened: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO escalations (conversation_id, episode, reason, created_at, resolved_at, status,"
            " alert_status) VALUES (%s, 1, %s, %s, %s, 'resolved', 'skipped')",
            (conversation, reason, opened, opened + timedelta(hours=1)),
        )

    async def quote(self, conversation: int, seq: int, status: str, total: str | None, created: datetime) -> None:
        totals = None if total is None else json.dumps({"total": total, "currency": "AED"})
        await self.conn.execute(
            "INSERT INTO quotes (quote_id, thread_id, seq, status, totals, created_at)"
            " SELECT %s, thread_id, %s, %s, %s, %s FROM conversations WHERE id = %s",
            (f"WA-{conversation}-Q{seq}", seq, status, totals, created, conversation),
        )

    async def review(self, conversation: int, share: float, reviewed: datetime, summary: str = "") -> None:
        """One review by the offline reviewer, its points on one judged rule worth the checklist's 30."""
        total = round(share * 30)
        overall = {"rule": "overall", "status": "judged", "max": 30, "note": summary}
        await self.conn.execute(
            "INSERT INTO quality_reviews (conversation_id, episode, reviewer, reviewer_version, checklist, total,"
            " available, maximum, share, summary, rules, reviewed_at)"
            " VALUES (%s, 1, 'offline', 'offline@test', 'treejar@1', %s, 30, 30, %s, %s, %s, %s)",
            (conversation, total, share, summary, json.dumps([overall | {"score": total}]), reviewed),
        )


async def seed_known_weeks(conn: AsyncConnection[Any]) -> dict[str, int]:
    """The conversations' ids by name: en (Ahmed), ar (Fatma), ar_later (Khalid), old (Old)."""
    s = Seeder(conn)
    en = await s.conversation("971500009001", "en", "Ahmed Khan")
    await s.turn(
        en,
        at(WEEK_48, 10, 0),
        "Hi, 20 mesh chairs please",
        started=2,
        finished=3,
        sent=[(4, "read", 1)],
        usage=(1000, 200, "0.002"),
    )
    await s.turn(
        en, at(WEEK_48, 10, 5), "And delivery?", started=1, finished=3, sent=[(6, "delivered", 1)], model="offline"
    )
    await s.quote(en, 1, "created", "1050.00", at(WEEK_48, 10, 10))
    await s.review(en, 0.9, at(WEEK_48, 12, 0), "Clear and correct.")

    ar = await s.conversation("971500009002", "ar", "فاطمة")
    await s.turn(
        ar,
        at(WEEK_48, 9, 0, days=1),
        "الكرسي وصل مكسور",
        started=1,
        finished=2,
        sent=[(10, "sent", 3)],
        usage=(800, 100, "0.001"),
    )
    await s.escalation(ar, "complaint", at(WEEK_48, 9, 1, days=1))
    await s.turn(ar, at(WEEK_48, 9, 30, days=1), "؟", started=1, finished=None, sent=[], error="RuntimeError('boom')")
    await s.quote(ar, 1, "awaiting_confirmation", "2100.00", at(WEEK_48, 9, 20, days=1))
    await s.review(ar, 0.5, at(WEEK_48, 12, 0, days=1), "Stated a price no tool returned.")

    later = await s.conversation("971500009003", "ar", "خالد")
    await s.turn(
        later,
        at(WEEK_49, 11, 0),
        "أبي أكلم موظف",
        started=1,
        finished=5,
        sent=[(7, "read", 1), (None, "failed", 8)],
        attempts=2,
        usage=(1200, 300, "0.003"),
    )
    await s.escalation(later, "human_request", at(WEEK_49, 11, 1))
    await s.quote(later, 1, "created", "525.00", at(WEEK_49, 11, 30))
    await s.quote(later, 2, "collecting", None, at(WEEK_49, 11, 40))
    await s.review(later, 0.7, at(WEEK_49, 13, 0))

    old = await s.conversation("971500009004", "en", "Old")
    await s.turn(
        old,
        at(WEEK_48, 10, 0, days=-14),
        "Hello",
        started=1,
        finished=2,
        sent=[(3, "read", 1)],
        usage=(5000, 500, "0.05"),
    )
    await s.review(old, 0.1, at(WEEK_48, 11, 0, days=-14))
    return {"en": en, "ar": ar, "ar_later": later, "old": old}
