"""KPIs from the database: every figure checked against a seeded database whose answers are known
(tests/support/kpis.py), by week and by language, through `metrics()` and `GET /api/v1/metrics`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from server.desk.metrics import Period, metrics
from tests.support.kpis import MODEL, seed_known_weeks

PERIOD = Period(since=date(2026, 11, 23), until=date(2026, 12, 7))  # ISO weeks 2026-W48 and W49


@pytest.fixture
async def seeded(pool: AsyncConnectionPool[Any]) -> dict[str, int]:
    async with pool.connection() as conn:
        return await seed_known_weeks(conn)


async def test_the_period_totals_are_the_known_answers(pool: AsyncConnectionPool[Any], seeded: dict[str, int]) -> None:
    async with pool.connection() as conn:
        result = await metrics(conn, PERIOD)
    kpis = result.totals
    assert (kpis.conversations, kpis.escalated, kpis.bot_resolved) == (3, 2, 1)
    assert kpis.escalation_rate == pytest.approx(2 / 3, abs=1e-4)
    assert kpis.escalation_reasons == {"complaint": 1, "human_request": 1}
    assert kpis.turns == 5
    # customer message → first reply part sent: 4, 6, 10, 7 s (the failed turn sent nothing)
    assert kpis.response.model_dump() == {"count": 4, "mean_seconds": 6.75, "median_seconds": 6.5, "p90_seconds": 9.1}
    assert kpis.first_response.model_dump() == {
        "count": 3,
        "mean_seconds": 7.0,
        "median_seconds": 7.0,
        "p90_seconds": 9.4,
    }
    assert (kpis.turn_processing.count, kpis.turn_processing.mean_seconds) == (4, 2.0)
    assert (kpis.quotations_sent, kpis.orders, kpis.order_value_aed) == (3, 2, Decimal("1575.00"))
    assert kpis.quote_to_order == pytest.approx(2 / 3, abs=1e-4)
    assert kpis.quality.reviews == 3
    assert kpis.quality.average_share == pytest.approx(0.7)
    assert kpis.quality.average_points == pytest.approx(21.0)
    assert kpis.quality.below_threshold == 1
    assert kpis.failures.model_dump() == {
        "turns_retried": 1,
        "turns_failed": 1,
        "offline_replies": 1,
        "sends_failed": 1,
        "sends_retried": 2,
    }
    usage = kpis.usage
    assert (usage.replies, usage.prompt_tokens, usage.completion_tokens) == (4, 3000, 600)
    assert usage.cost == Decimal("0.006")
    assert usage.cost_per_conversation == Decimal("0.002")
    assert usage.tokens_per_conversation == 1200.0
    assert [(m.model, m.replies, m.prompt_tokens, m.cost) for m in usage.by_model] == [
        (MODEL, 3, 3000, Decimal("0.006")),
        ("offline", 1, 0, Decimal("0")),
    ]
    assert result.not_recorded  # what is not stored anywhere is said, not guessed


async def test_weeks_and_languages_split_the_same_figures(
    pool: AsyncConnectionPool[Any], seeded: dict[str, int]
) -> None:
    async with pool.connection() as conn:
        result = await metrics(conn, PERIOD)
    weeks = {w.week: w for w in result.by_week}
    assert list(weeks) == ["2026-W48", "2026-W49"]
    w48, w49 = weeks["2026-W48"], weeks["2026-W49"]
    assert (w48.conversations, w48.escalated, w48.quotations_sent, w48.orders) == (2, 1, 2, 1)
    assert (w49.conversations, w49.escalated, w49.quotations_sent, w49.orders) == (1, 1, 1, 1)
    assert w48.quality.average_share == pytest.approx(0.7)  # 0.9 and 0.5
    assert w49.quality.average_share == pytest.approx(0.7)
    assert w48.escalation_reasons == {"complaint": 1}
    assert (w48.order_value_aed, w49.order_value_aed) == (Decimal("1050.00"), Decimal("525.00"))
    languages = {k.language: k for k in result.by_language}
    assert list(languages) == ["ar", "en"]  # most conversations first
    assert (languages["ar"].conversations, languages["ar"].escalated, languages["ar"].bot_resolved) == (2, 2, 0)
    assert (languages["en"].conversations, languages["en"].bot_resolved) == (1, 1)
    assert languages["en"].failures.offline_replies == 1
    assert languages["ar"].usage.prompt_tokens == 2000


async def test_an_empty_week_is_shown_as_zero_and_older_data_stays_out(
    pool: AsyncConnectionPool[Any], seeded: dict[str, int]
) -> None:
    async with pool.connection() as conn:
        result = await metrics(conn, Period(since=date(2026, 11, 9), until=date(2026, 11, 23)))
    assert [(w.week, w.conversations) for w in result.by_week] == [("2026-W46", 1), ("2026-W47", 0)]
    assert result.by_week[1].quality.average_share is None
    assert result.totals.quality.average_share == pytest.approx(0.1)
    assert result.totals.response.model_dump() == {
        "count": 1,
        "mean_seconds": 3.0,
        "median_seconds": 3.0,
        "p90_seconds": 3.0,
    }


def test_periods_are_checked_and_iso_weeks_read() -> None:
    assert Period.iso_week("2026-W49") == Period(since=date(2026, 11, 30), until=date(2026, 12, 7))
    last = Period.last_weeks(8, today=date(2026, 12, 4))
    assert (last.since, last.until) == (date(2026, 10, 12), date(2026, 12, 5))
    with pytest.raises(ValueError, match="until must be after since"):
        Period(since=date(2026, 12, 4), until=date(2026, 12, 4))
