"""`GET /api/v1/metrics`: the KPIs of a period, from the database (server/desk/metrics.py); a head of sales or an
admin. The period: `week=2026-W49`, or `since`/`until` (Dubai days, until excluded), or the last 8 weeks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import ValidationError

from server.desk.metrics import DEFAULT_WEEKS, Metrics, Period, metrics
from server.web.auth import HeadOfSalesSession
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["metrics"])


def period_of(week: str | None, since: date | None, until: date | None, weeks: int = DEFAULT_WEEKS) -> Period:
    """The period a request asks for; 422 with the reason when it makes no sense."""
    try:
        if week is not None:
            return Period.iso_week(week)
        if since is None and until is None:
            return Period.last_weeks(weeks)
        default = Period.last_weeks(weeks)
        return Period(since=since or default.since, until=until or default.until)
    except (ValidationError, ValueError) as exc:
        raise HTTPException(422, f"bad period: {exc}") from None


@router.get("/metrics")
async def get_metrics(
    session: HeadOfSalesSession,
    services: ServicesDep,
    week: Annotated[str | None, Query(pattern=r"^\d{4}-[Ww]\d{2}$", description="An ISO week: 2026-W49")] = None,
    since: Annotated[date | None, Query(description="First day (Dubai), included")] = None,
    until: Annotated[date | None, Query(description="Last day (Dubai), excluded")] = None,
    reviewer: Annotated[str, Query(description="Whose quality reviews to average")] = "offline",
) -> Metrics:
    period = period_of(week, since, until)
    async with services.pool.connection() as conn:
        return await metrics(
            conn, period, reviewer=reviewer, low_score_below=services.settings.quality_alert_below_share
        )
