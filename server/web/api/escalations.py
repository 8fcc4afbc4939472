"""Escalations REST API: `/api/v1/escalations` (list, take, hand back) with the inbox's auth."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.encoders import jsonable_encoder

from agent.policies.escalation import REASON_LABELS
from server.desk import escalations, threads
from server.web.api.conversations import HandBackIn, HandBackOut, TakeOut
from server.web.auth import ApiSession
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1/escalations", tags=["escalations"])


@router.get("")
async def list_escalations(
    session: ApiSession,
    services: ServicesDep,
    status: Literal["open", "resolved", "all"] = "open",
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    async with services.pool.connection() as conn:
        rows = await threads.list_escalations(conn, status=status, limit=limit)
    items = [jsonable_encoder(r) | {"label": REASON_LABELS.get(r["reason"], r["reason"])} for r in rows]
    return {"items": items, "status": status}


async def _conversation_of(services: Any, escalation_id: int) -> int:
    async with services.pool.connection() as conn:
        row = await (
            await conn.execute("SELECT conversation_id FROM escalations WHERE id = %s", (escalation_id,))
        ).fetchone()
    if row is None:
        raise HTTPException(404, "no such escalation")
    return int(row["conversation_id"])


@router.post("/{escalation_id}/take")
async def take(escalation_id: int, session: ApiSession, services: ServicesDep) -> TakeOut:
    conversation_id = await _conversation_of(services, escalation_id)
    async with services.pool.connection() as conn:
        return TakeOut(escalation_id=await escalations.take_thread(conn, conversation_id, session.manager.id))


@router.post("/{escalation_id}/handback")
async def hand_back(escalation_id: int, body: HandBackIn, session: ApiSession, services: ServicesDep) -> HandBackOut:
    conversation_id = await _conversation_of(services, escalation_id)
    async with services.pool.connection() as conn:
        row = await (
            await conn.execute("SELECT resolved_at FROM escalations WHERE id = %s", (escalation_id,))
        ).fetchone()
        if row is not None and row["resolved_at"] is not None:
            raise HTTPException(409, "this escalation was already handed back")
        handback_id = await escalations.hand_back(conn, conversation_id, session.manager.id, body.note)
    return HandBackOut(handback_id=handback_id)
