"""Conversation quality reviews in Postgres: transcripts loaded from the messages table, reviews stored.

`QualityStore(pool)` is the quality graph's store (agent/quality/context.py TranscriptStore):

- `load_transcript(conversation_id, episode=None)`: one episode (the latest by default) of a conversation,
  its messages in order with the facts each bot message's turn recorded, and the escalations opened in it.
  Episodes are split where the conversation was silent for `gap` (agent/quality/transcript.py).
- `save_review(review)`: one row per (conversation, episode, reviewer); a re-review replaces it and bumps
  `revision`.
- `reviews(...)`, `review(...)`: read them back (by conversation, or the lowest scores first).
- `to_review(reviewer)`: conversations with messages newer than that reviewer's last review of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from agent.quality.review import Review, RuleScore
from agent.quality.transcript import EPISODE_GAP, EscalationOpened, Message, Transcript, split_episodes


@dataclass(frozen=True)
class StoredReview:
    id: int
    revision: int
    review: Review


MESSAGES_SQL = """
SELECT id, direction, author, kind, COALESCE(NULLIF(text, ''), transcript, '') AS text, facts,
       COALESCE(provider_time, created_at) AS at
  FROM messages WHERE conversation_id = %s ORDER BY id
"""

ESCALATIONS_SQL = """
SELECT id, reason, reasons, started_after_message_id, status FROM escalations
 WHERE conversation_id = %s AND started_after_message_id BETWEEN %s AND %s ORDER BY started_after_message_id, id
"""

SAVE_SQL = """
INSERT INTO quality_reviews (conversation_id, episode, reviewer, reviewer_version, checklist, first_message_id,
                             last_message_id, total, available, maximum, share, summary, rules, reviewed_at)
VALUES (%(conversation_id)s, %(episode)s, %(reviewer)s, %(reviewer_version)s, %(checklist)s, %(first_message_id)s,
        %(last_message_id)s, %(total)s, %(available)s, %(maximum)s, %(share)s, %(summary)s, %(rules)s,
        COALESCE(%(reviewed_at)s, now()))
ON CONFLICT (conversation_id, episode, reviewer) DO UPDATE SET
    reviewer_version = EXCLUDED.reviewer_version, checklist = EXCLUDED.checklist,
    first_message_id = EXCLUDED.first_message_id, last_message_id = EXCLUDED.last_message_id,
    total = EXCLUDED.total, available = EXCLUDED.available, maximum = EXCLUDED.maximum, share = EXCLUDED.share,
    summary = EXCLUDED.summary, rules = EXCLUDED.rules, reviewed_at = EXCLUDED.reviewed_at,
    revision = quality_reviews.revision + 1
RETURNING revision
"""

REVIEW_COLUMNS = (
    "id, revision, conversation_id, episode, reviewer, reviewer_version, checklist, first_message_id,"
    " last_message_id, summary, rules, reviewed_at"
)

TO_REVIEW_SQL = """
SELECT c.id FROM conversations c
  JOIN LATERAL (SELECT max(m.id) AS last_id, max(m.created_at) AS last_at FROM messages m
                 WHERE m.conversation_id = c.id) m ON true
  LEFT JOIN LATERAL (SELECT max(q.last_message_id) AS reviewed FROM quality_reviews q
                      WHERE q.conversation_id = c.id AND q.reviewer = %(reviewer)s) q ON true
 WHERE m.last_id IS NOT NULL AND (q.reviewed IS NULL OR q.reviewed < m.last_id)
   AND m.last_at <= now() - make_interval(secs => %(idle)s)
 ORDER BY c.id LIMIT %(limit)s
"""


def _review_of(row: dict[str, Any]) -> StoredReview:
    review = Review(
        conversation_id=row["conversation_id"],
        episode=row["episode"],
        first_message_id=row["first_message_id"],
        last_message_id=row["last_message_id"],
        reviewer=row["reviewer"],
        reviewer_version=row["reviewer_version"],
        checklist=row["checklist"],
        rules=tuple(RuleScore.model_validate(r) for r in row["rules"]),
        summary=row["summary"],
        reviewed_at=row["reviewed_at"],
    )
    return StoredReview(id=row["id"], revision=row["revision"], review=review)


class QualityStore:
    def __init__(self, pool: AsyncConnectionPool[Any], gap: timedelta = EPISODE_GAP) -> None:
        self.pool = pool
        self.gap = gap

    async def load_transcript(self, conversation_id: int, episode: int | None = None) -> Transcript | None:
        async with self.pool.connection() as conn:
            conversation = await (
                await conn.execute(
                    "SELECT id, thread_id, customer_name FROM conversations WHERE id = %s", (conversation_id,)
                )
            ).fetchone()
            if conversation is None:
                return None
            rows = await (await conn.execute(MESSAGES_SQL, (conversation_id,))).fetchall()
            numbers = split_episodes([row["at"] for row in rows], self.gap)
            wanted = episode if episode is not None else (numbers[-1] if numbers else 1)
            span = [row for row, number in zip(rows, numbers, strict=True) if number == wanted]
            if not span:
                return None
            escalations = await (
                await conn.execute(ESCALATIONS_SQL, (conversation_id, span[0]["id"], span[-1]["id"]))
            ).fetchall()
        return Transcript(
            conversation_id=conversation_id,
            episode=wanted,
            thread_id=conversation["thread_id"],
            customer_name=conversation["customer_name"],
            messages=tuple(
                Message(
                    id=row["id"],
                    direction=row["direction"],
                    author=row["author"],
                    kind=row["kind"],
                    text=row["text"],
                    facts=row["facts"] if isinstance(row["facts"], dict) else None,
                    at=row["at"],
                )
                for row in span
            ),
            escalations=tuple(
                EscalationOpened(
                    id=row["id"],
                    reason=row["reason"],
                    reasons=tuple(row["reasons"] or ()),
                    after_message_id=row["started_after_message_id"],
                    status=row["status"],
                )
                for row in escalations
            ),
        )

    async def episodes(self, conversation_id: int) -> list[int]:
        """The episode numbers of a conversation, in order (empty when it has no message)."""
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(MESSAGES_SQL, (conversation_id,))).fetchall()
        return sorted(set(split_episodes([row["at"] for row in rows], self.gap)))

    async def save_review(self, review: Review) -> int:
        data = review.model_dump(mode="json")
        params = {**data, "reviewed_at": review.reviewed_at, "rules": Jsonb(data["rules"])}
        async with self.pool.connection() as conn:
            row = await (await conn.execute(SAVE_SQL, params)).fetchone()
        assert row is not None
        return int(row["revision"])

    async def review(self, conversation_id: int, episode: int, reviewer: str) -> StoredReview | None:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    f"SELECT {REVIEW_COLUMNS} FROM quality_reviews"
                    " WHERE conversation_id = %s AND episode = %s AND reviewer = %s",
                    (conversation_id, episode, reviewer),
                )
            ).fetchone()
        return _review_of(row) if row else None

    async def reviews(
        self,
        conversation_id: int | None = None,
        *,
        reviewer: str | None = None,
        below_share: float | None = None,
        limit: int = 100,
    ) -> list[StoredReview]:
        """Reviews of one conversation (by episode), or of all; with `below_share`, the lowest scores first."""
        where: list[str] = ["true"]
        params: list[object] = []
        if conversation_id is not None:
            where.append("conversation_id = %s")
            params.append(conversation_id)
        if reviewer is not None:
            where.append("reviewer = %s")
            params.append(reviewer)
        if below_share is not None:
            where.append("share < %s")
            params.append(below_share)
        order = "share, reviewed_at DESC" if below_share is not None else "conversation_id, episode, reviewer"
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    f"SELECT {REVIEW_COLUMNS} FROM quality_reviews WHERE {' AND '.join(where)}"
                    f" ORDER BY {order} LIMIT %s",
                    (*params, limit),
                )
            ).fetchall()
        return [_review_of(row) for row in rows]

    async def to_review(self, reviewer: str, limit: int = 100, idle_seconds: float = 0.0) -> list[int]:
        """Conversations with messages their latest review by `reviewer` has not seen (or never reviewed), quiet
        for at least `idle_seconds` (a conversation still under way is reviewed when it pauses)."""
        params = {"reviewer": reviewer, "limit": limit, "idle": idle_seconds}
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(TO_REVIEW_SQL, params)).fetchall()
        return [int(row["id"]) for row in rows]
