"""KPIs computed from the database, never estimated: `metrics(conn, period)` → `Metrics` (totals, by ISO week in
Dubai time, by customer language). Every figure is counted from the rows that record it:

| figure | where it lives |
| --- | --- |
| conversations | customer messages (`messages`, direction 'in') in the period, one per conversation per slice |
| escalated / bot-resolved | `escalations.created_at`; a conversation with activity and no escalation is bot-resolved |
| escalation reasons | `escalations.reason` |
| first response | a conversation's first turn: first customer message → first reply part sent (`outbox.sent_at`) |
| response | the same for every turn |
| turn processing | `turns.started_at` → `turns.finished_at` (the graph, tools and model; no queueing or sending) |
| quotations, orders | `quotes` priced (totals set), and of those the sales orders (`status = 'created'`) |
| order value | the orders' own totals incl. VAT; quotes are bucketed by their creation |
| quality | `quality_reviews.share` of one reviewer (default: offline), by `reviewed_at` |
| failures | `turns` retried or failed, bot replies written by the offline model, `outbox` parts failed or retried |
| tokens and cost | bot `messages`: `model`, `prompt_tokens`, `completion_tokens`, `cost` (understanding + reply) |

Events are bucketed by their own time; the language of a slice is the conversation's. What is not recorded
anywhere is listed in `Metrics.not_recorded` rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from pydantic import BaseModel, Field, model_validator

TIMEZONE = "Asia/Dubai"
DEFAULT_WEEKS = 8
SliceKind = Literal["total", "week", "language"]

NOT_RECORDED = (
    "LLM fallbacks as such: with a provider configured, `failures.offline_replies` are the replies the offline model "
    "wrote in its place (or as the apology after a failed turn); a fallback while understanding a message is not "
    "recorded",
)


class Period(BaseModel):
    """Calendar days in Dubai time: `since` included, `until` excluded."""

    since: date
    until: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.until <= self.since:
            raise ValueError("until must be after since")
        if self.until - self.since > timedelta(days=731):
            raise ValueError("a period is at most two years")
        return self

    @classmethod
    def last_weeks(cls, weeks: int = DEFAULT_WEEKS, today: date | None = None) -> Period:
        """This ISO week and the `weeks - 1` before it, up to today included."""
        today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
        monday = today - timedelta(days=today.weekday())
        return cls(since=monday - timedelta(weeks=weeks - 1), until=today + timedelta(days=1))

    @classmethod
    def iso_week(cls, week: str) -> Period:
        """'2026-W49' → that Monday to the next."""
        year, _, number = week.upper().partition("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        return cls(since=monday, until=monday + timedelta(weeks=1))


class Latency(BaseModel):
    count: int = 0
    mean_seconds: float | None = None
    median_seconds: float | None = None
    p90_seconds: float | None = None


class Quality(BaseModel):
    reviewer: str
    reviews: int = 0
    average_share: float | None = Field(default=None, description="Points scored / points judged, 0..1")
    average_points: float | None = Field(default=None, description="On the checklist's maximum (30)")
    below_threshold: int = 0


class Failures(BaseModel):
    turns_retried: int = Field(default=0, description="Turns a worker had to run again (a crash or an error)")
    turns_failed: int = Field(default=0, description="Turns whose last attempt ended in an error")
    offline_replies: int = Field(default=0, description="Bot replies written by the offline model")
    sends_failed: int = Field(default=0, description="Outbound parts Wazzup never accepted (status failed/error)")
    sends_retried: int = Field(default=0, description="Outbound parts that needed more than one attempt")


class ModelUsage(BaseModel):
    model: str
    replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)


class Usage(BaseModel):
    replies: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    cost_per_conversation: Decimal | None = None
    tokens_per_conversation: float | None = None
    by_model: list[ModelUsage] = Field(default_factory=list)


class Kpis(BaseModel):
    conversations: int = 0
    bot_resolved: int = 0
    escalated: int = 0
    escalation_rate: float | None = None
    escalation_reasons: dict[str, int] = Field(default_factory=dict)
    first_response: Latency = Field(default_factory=Latency)
    response: Latency = Field(default_factory=Latency)
    turn_processing: Latency = Field(default_factory=Latency)
    turns: int = 0
    quotations_sent: int = Field(default=0, description="Quotes priced for the customer (totals computed)")
    orders: int = Field(default=0, description="Of those, the ones that became a Zoho sales order")
    quote_to_order: float | None = None
    order_value_aed: Decimal = Field(default=Decimal(0), description="Orders' totals including VAT")
    quality: Quality
    failures: Failures = Field(default_factory=Failures)
    usage: Usage = Field(default_factory=Usage)


class WeekKpis(Kpis):
    week: str


class LanguageKpis(Kpis):
    language: str


class Metrics(BaseModel):
    period: Period
    timezone: str = TIMEZONE
    totals: Kpis
    by_week: list[WeekKpis]
    by_language: list[LanguageKpis]
    not_recorded: list[str] = Field(default_factory=lambda: list(NOT_RECORDED))


# Every query groups its events into the three slices at once; `{ts}` is the event's timestamp column.
def _sliced(select: str, source: str, ts: str, extra_group: str = "", where: str = "true") -> str:
    group = f", {extra_group}" if extra_group else ""
    return f"""
    WITH events AS (
        SELECT to_char({ts} AT TIME ZONE %(tz)s, 'IYYY-"W"IW') AS week,
               COALESCE(c.language, 'unknown') AS language, e.*
          FROM ({source}) e JOIN conversations c ON c.id = e.conversation_id
         WHERE {ts} >= %(since)s AND {ts} < %(until)s AND {where}
    )
    SELECT CASE WHEN GROUPING(week) = 0 THEN 'week' WHEN GROUPING(language) = 0 THEN 'language' ELSE 'total' END
               AS slice,
           COALESCE(CASE WHEN GROUPING(week) = 0 THEN week END, CASE WHEN GROUPING(language) = 0 THEN language END,
                    '') AS key,
           {select}
      FROM events e
     GROUP BY GROUPING SETS (({extra_group}), (week{group}), (language{group}))
    """


def _latency_columns(expr: str, prefix: str = "") -> str:
    return (
        f"count({expr}) AS {prefix}n, avg({expr}) AS {prefix}mean,"
        f" percentile_cont(0.5) WITHIN GROUP (ORDER BY {expr}) AS {prefix}median,"
        f" percentile_cont(0.9) WITHIN GROUP (ORDER BY {expr}) AS {prefix}p90"
    )


CONVERSATIONS_SQL = _sliced(
    "count(DISTINCT conversation_id) AS conversations,"
    " count(DISTINCT conversation_id) FILTER (WHERE escalation) AS escalated",
    "SELECT conversation_id, created_at AS at, false AS escalation FROM messages WHERE direction = 'in'"
    " UNION ALL SELECT conversation_id, created_at, true FROM escalations",
    "e.at",
)

REASONS_SQL = _sliced(
    "reason, count(*) AS n", "SELECT conversation_id, created_at, reason FROM escalations", "e.created_at", "reason"
)

# Each turn: when its first customer message arrived, and when its first reply part was sent.
TURNS_SOURCE = """
SELECT t.conversation_id, t.started_at, t.finished_at, t.attempts, t.error,
       t.started_at = min(t.started_at) OVER (PARTITION BY t.conversation_id) AS first_turn,
       (SELECT min(m.created_at) FROM messages m WHERE m.id = ANY(t.inbound_ids)) AS asked_at,
       (SELECT min(o.sent_at) FROM outbox o WHERE o.turn_id = t.id) AS answered_at
  FROM turns t
"""
RESPONSE = "extract(epoch FROM e.answered_at - e.asked_at)"
PROCESSING = "extract(epoch FROM e.finished_at - e.started_at)"
TURNS_SQL = _sliced(
    f"count(*) AS turns, {_latency_columns(RESPONSE)}, {_latency_columns(PROCESSING, 'p_')},"
    " count(*) FILTER (WHERE e.attempts > 1) AS retried,"
    " count(*) FILTER (WHERE e.error IS NOT NULL AND e.error NOT LIKE 'a person took%%') AS failed",
    TURNS_SOURCE,
    "e.started_at",
)
FIRST_RESPONSE_SQL = _sliced(_latency_columns(RESPONSE), TURNS_SOURCE, "e.started_at", where="e.first_turn")

QUOTES_SQL = _sliced(
    "count(*) AS quotations, count(*) FILTER (WHERE status = 'created') AS orders,"
    " COALESCE(sum((totals ->> 'total')::numeric) FILTER (WHERE status = 'created'), 0) AS order_value",
    "SELECT c.id AS conversation_id, q.created_at AS quoted_at, q.status, q.totals FROM quotes q"
    " JOIN conversations c ON c.thread_id = q.thread_id WHERE q.totals IS NOT NULL",
    "e.quoted_at",
)

QUALITY_SQL = _sliced(
    "count(*) AS reviews, avg(share) AS share, avg(share * maximum) AS points,"
    " count(*) FILTER (WHERE share < %(threshold)s) AS below",
    "SELECT conversation_id, reviewed_at, share, maximum FROM quality_reviews"
    " WHERE reviewer = %(reviewer)s AND share IS NOT NULL",
    "e.reviewed_at",
)

USAGE_SQL = _sliced(
    "model, count(*) AS replies, COALESCE(sum(prompt_tokens), 0) AS prompt_tokens,"
    " COALESCE(sum(completion_tokens), 0) AS completion_tokens, COALESCE(sum(cost), 0) AS cost",
    # one row per reply: a reply sent in several parts carries its usage on the first
    "SELECT DISTINCT ON (turn_id) conversation_id, created_at, COALESCE(model, 'unknown') AS model, prompt_tokens,"
    " completion_tokens, cost FROM messages WHERE author = 'bot' ORDER BY turn_id, id",
    "e.created_at",
    "model",
)

SENDS_SQL = _sliced(
    "count(*) FILTER (WHERE status IN ('failed', 'error')) AS failed, count(*) FILTER (WHERE attempts > 1) AS retried",
    "SELECT conversation_id, created_at, status, attempts FROM outbox",
    "e.created_at",
)


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _latency(row: dict[str, Any], prefix: str = "") -> Latency:
    return Latency(
        count=int(row[f"{prefix}n"]),
        mean_seconds=_seconds(row[f"{prefix}mean"]),
        median_seconds=_seconds(row[f"{prefix}median"]),
        p90_seconds=_seconds(row[f"{prefix}p90"]),
    )


def _ratio(part: int | Decimal, whole: int) -> float | None:
    return round(float(part) / whole, 4) if whole else None


async def metrics(
    conn: AsyncConnection[Any], period: Period, *, reviewer: str = "offline", low_score_below: float = 0.6
) -> Metrics:
    tz = ZoneInfo(TIMEZONE)
    params = {
        "tz": TIMEZONE,
        "since": datetime.combine(period.since, datetime.min.time(), tz),
        "until": datetime.combine(period.until, datetime.min.time(), tz),
        "reviewer": reviewer,
        "threshold": low_score_below,
    }
    slices: dict[tuple[str, str], Kpis] = defaultdict(lambda: Kpis(quality=Quality(reviewer=reviewer)))

    async def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await (await conn.execute(sql, params)).fetchall()]

    for row in await rows(CONVERSATIONS_SQL):
        kpis = slices[row["slice"], row["key"]]
        kpis.conversations, kpis.escalated = int(row["conversations"]), int(row["escalated"])
        kpis.bot_resolved = kpis.conversations - kpis.escalated
        kpis.escalation_rate = _ratio(kpis.escalated, kpis.conversations)
    for row in await rows(REASONS_SQL):
        slices[row["slice"], row["key"]].escalation_reasons[row["reason"]] = int(row["n"])
    for row in await rows(TURNS_SQL):
        kpis = slices[row["slice"], row["key"]]
        kpis.turns = int(row["turns"])
        kpis.response, kpis.turn_processing = _latency(row), _latency(row, "p_")
        kpis.failures.turns_retried, kpis.failures.turns_failed = int(row["retried"]), int(row["failed"])
    for row in await rows(FIRST_RESPONSE_SQL):
        slices[row["slice"], row["key"]].first_response = _latency(row)
    for row in await rows(QUOTES_SQL):
        kpis = slices[row["slice"], row["key"]]
        kpis.quotations_sent, kpis.orders = int(row["quotations"]), int(row["orders"])
        kpis.quote_to_order = _ratio(kpis.orders, kpis.quotations_sent)
        kpis.order_value_aed = Decimal(row["order_value"]).quantize(Decimal("0.01"))
    for row in await rows(QUALITY_SQL):
        slices[row["slice"], row["key"]].quality = Quality(
            reviewer=reviewer,
            reviews=int(row["reviews"]),
            average_share=None if row["share"] is None else round(float(row["share"]), 4),
            average_points=None if row["points"] is None else round(float(row["points"]), 2),
            below_threshold=int(row["below"]),
        )
    for row in await rows(USAGE_SQL):
        usage = slices[row["slice"], row["key"]].usage
        model = ModelUsage(
            model=row["model"],
            replies=int(row["replies"]),
            prompt_tokens=int(row["prompt_tokens"]),
            completion_tokens=int(row["completion_tokens"]),
            cost=Decimal(row["cost"]),
        )
        usage.by_model.append(model)
        usage.replies += model.replies
        usage.prompt_tokens += model.prompt_tokens
        usage.completion_tokens += model.completion_tokens
        usage.cost += model.cost
        if model.model == "offline":
            slices[row["slice"], row["key"]].failures.offline_replies = model.replies
    for row in await rows(SENDS_SQL):
        failures = slices[row["slice"], row["key"]].failures
        failures.sends_failed, failures.sends_retried = int(row["failed"]), int(row["retried"])
    for kpis in slices.values():
        kpis.usage.by_model.sort(key=lambda m: (-m.replies, m.model))
        if kpis.conversations:
            kpis.usage.cost_per_conversation = (kpis.usage.cost / kpis.conversations).quantize(Decimal("0.000001"))
            tokens = kpis.usage.prompt_tokens + kpis.usage.completion_tokens
            kpis.usage.tokens_per_conversation = round(tokens / kpis.conversations, 1)
    return Metrics(
        period=period,
        totals=slices["total", ""],
        by_week=[WeekKpis(week=week, **slices["week", week].model_dump()) for week in _weeks(period)],
        by_language=sorted(
            (
                LanguageKpis(language=key, **kpis.model_dump())
                for (kind, key), kpis in slices.items()
                if kind == "language"
            ),
            key=lambda k: (-k.conversations, k.language),
        ),
    )


def _weeks(period: Period) -> list[str]:
    """Every ISO week the period touches, empty ones included (a plot shows the gap)."""
    weeks: list[str] = []
    day = period.since
    while day < period.until:
        year, number, _ = day.isocalendar()
        key = f"{year}-W{number:02d}"
        if key not in weeks:
            weeks.append(key)
        day += timedelta(days=1)
    return weeks
