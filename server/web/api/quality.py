"""`/api/v1/quality/...`: the stored quality reviews (server/desk/quality.py) for heads of sales and admins, the
lowest scores first or one conversation's, and how each prompt version did."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from agent.quality.review import Review
from server.desk.prompt_versions import PromptDiff, PromptVersion, UnknownVersion, diff, prompt_versions
from server.desk.quality import QualityStore
from server.web.auth import HeadOfSalesSession
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1/quality", tags=["quality"])


class StoredReviewOut(BaseModel):
    id: int
    revision: int
    review: Review


class ReviewsOut(BaseModel):
    items: list[StoredReviewOut]


class PromptVersionsOut(BaseModel):
    items: list[PromptVersion]


def _out(stored: Any) -> StoredReviewOut:
    return StoredReviewOut(id=stored.id, revision=stored.revision, review=stored.review)


@router.get("/reviews")
async def lowest_reviews(
    session: HeadOfSalesSession,
    services: ServicesDep,
    below: Annotated[float, Query(ge=0, le=1.01, description="Only reviews scoring under this share")] = 1.01,
    reviewer: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ReviewsOut:
    """Reviews under `below`, the lowest first."""
    reviews = await QualityStore(services.pool).reviews(reviewer=reviewer, below_share=below, limit=limit)
    return ReviewsOut(items=[_out(r) for r in reviews])


@router.get("/conversations/{conversation_id}")
async def conversation_reviews(conversation_id: int, session: HeadOfSalesSession, services: ServicesDep) -> ReviewsOut:
    return ReviewsOut(items=[_out(r) for r in await QualityStore(services.pool).reviews(conversation_id)])


@router.get("/prompts")
async def prompts(session: HeadOfSalesSession, services: ServicesDep, reviewer: str = "offline") -> PromptVersionsOut:
    async with services.pool.connection() as conn:
        return PromptVersionsOut(items=await prompt_versions(conn, reviewer))


@router.get("/prompts/diff")
async def prompt_diff(
    session: HeadOfSalesSession,
    services: ServicesDep,
    old: Annotated[str, Query(alias="from", description="e.g. system.ar@1a2b3c4d5e6f")],
    new: Annotated[str, Query(alias="to")],
) -> PromptDiff:
    async with services.pool.connection() as conn:
        try:
            return await diff(conn, old, new)
        except UnknownVersion as exc:
            raise HTTPException(404, str(exc)) from None
