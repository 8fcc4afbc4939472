"""`POST /sandbox/clock/advance` and `/sandbox/clock/set`: the service's clock for demos and tests (sandbox only;
the routes are not mounted otherwise, so they answer 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from server.storage.clock import advance_clock, clock_now, clock_offset_seconds, set_clock
from server.web.deps import ServicesDep


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: float = Field(gt=0, le=24 * 365, description="How far to move the clock forward")


class SetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime = Field(description="The time the service should believe it is, with a UTC offset")


class ClockOut(BaseModel):
    now: datetime
    offset_seconds: float


def sandbox_clock_router(on_change: Callable[[float], None]) -> APIRouter:
    """`on_change(offset_seconds)` tells the fakes in this process (the fake Wazzup's 24-hour window)."""
    router = APIRouter(prefix="/sandbox/clock", tags=["sandbox"])

    async def answer(services: ServicesDep, moved: bool) -> ClockOut:
        async with services.pool.connection() as conn:
            offset = await clock_offset_seconds(conn)
            now = await clock_now(conn)
        if moved:
            on_change(offset)
        return ClockOut(now=now, offset_seconds=offset)

    @router.get("")
    async def read(services: ServicesDep) -> ClockOut:
        return await answer(services, moved=False)

    @router.post("/advance")
    async def advance(body: AdvanceIn, services: ServicesDep) -> ClockOut:
        async with services.pool.connection() as conn:
            await advance_clock(conn, body.hours)
        return await answer(services, moved=True)

    @router.post("/set")
    async def set_to(body: SetIn, services: ServicesDep) -> ClockOut:
        async with services.pool.connection() as conn:
            await set_clock(conn, body.at)
        return await answer(services, moved=True)

    return router
