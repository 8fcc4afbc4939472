"""Conversations REST API for managers: `/api/v1/conversations` (list, detail with transcript, reply, take, hand back).

Same auth as the inbox (server/web/auth.py): the session cookie (writes need `X-CSRF-Token`) or a bearer token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agent.policies.escalation import REASON_LABELS
from server.desk import escalations, threads
from server.web.auth import ApiSession
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

DUBAI = ZoneInfo("Asia/Dubai")


def dubai_time(value: datetime | None) -> str:
    return value.astimezone(DUBAI).strftime("%d %b %H:%M") if value else ""


def author_name(row: dict[str, Any], customer_name: str | None) -> str:
    if row["author"] == "customer":
        return customer_name or "Customer"
    if row["author"] == "bot":
        return "Noor (bot)"
    return str(row.get("manager_name") or "Manager (phone)")


def message_json(row: dict[str, Any], customer_name: str | None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "direction": row["direction"],
        "author": row["author"],
        "author_name": author_name(row, customer_name),
        "manager_id": row.get("manager_id"),
        "kind": row["kind"],
        "text": row["text"],
        "content_uri": row["content_uri"],
        "status": row["status"],
        "delivery_status": row.get("delivery_status"),
        "created_at": row["created_at"].isoformat(),
        "time": dubai_time(row["created_at"]),
    }


def thread_json(row: dict[str, Any]) -> dict[str, Any]:
    data = jsonable_encoder(row)
    reason = row.get("escalation_reason")
    data["escalation_label"] = REASON_LABELS.get(reason, reason) if reason else None
    data["last_time"] = dubai_time(row.get("last_at") or row.get("updated_at"))
    return dict(data)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    reply_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$", description="Idempotency key: the same id is sent once"
    )


class ReplyOut(BaseModel):
    outbox_id: str
    message_id: int | None
    created: bool


class HandBackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=4000, description="What the bot should know to carry on")


class HandBackOut(BaseModel):
    handback_id: int | None
    mode: Literal["bot"] = "bot"


class TakeOut(BaseModel):
    escalation_id: int
    mode: Literal["human"] = "human"


@router.get("")
async def list_conversations(
    session: ApiSession,
    services: ServicesDep,
    filter: Literal["escalated", "mine", "all"] = "escalated",
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    async with services.pool.connection() as conn:
        rows = await threads.list_threads(conn, session.manager.id, filter, limit)
        counts = await threads.thread_counts(conn, session.manager.id)
    return {"items": [thread_json(r) for r in rows], "counts": counts, "filter": filter}


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: int,
    session: ApiSession,
    services: ServicesDep,
    after_id: int = Query(default=0, ge=0, description="Only messages after this id (live updates)"),
    mark_read: bool = False,
) -> dict[str, Any]:
    async with services.pool.connection() as conn:
        detail = await threads.thread_detail(conn, conversation_id)
        if detail is None:
            raise HTTPException(404, "no such conversation")
        messages = await threads.thread_messages(conn, conversation_id, after_id)
        if mark_read and messages:
            await escalations.mark_read(conn, session.manager.id, conversation_id)
    escalation = detail.get("escalation")
    return {
        "conversation": jsonable_encoder(
            {k: v for k, v in detail.items() if k not in ("escalations", "handbacks")}
            | {"escalation_label": REASON_LABELS.get(escalation["reason"]) if escalation else None}
        ),
        "escalations": jsonable_encoder(detail["escalations"]),
        "handbacks": jsonable_encoder(detail["handbacks"]),
        "messages": [message_json(m, detail.get("customer_name")) for m in messages],
    }


@router.post("/{conversation_id}/reply", status_code=202)
async def reply(conversation_id: int, body: ReplyIn, session: ApiSession, services: ServicesDep) -> ReplyOut:
    async with services.pool.connection() as conn:
        try:
            queued = await escalations.queue_reply(conn, conversation_id, session.manager.id, body.text, body.reply_id)
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    return ReplyOut(outbox_id=queued.outbox_id, message_id=queued.message_id, created=queued.created)


@router.post("/{conversation_id}/take")
async def take(conversation_id: int, session: ApiSession, services: ServicesDep) -> TakeOut:
    async with services.pool.connection() as conn:
        try:
            escalation_id = await escalations.take_thread(conn, conversation_id, session.manager.id)
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return TakeOut(escalation_id=escalation_id)


@router.post("/{conversation_id}/handback")
async def hand_back(conversation_id: int, body: HandBackIn, session: ApiSession, services: ServicesDep) -> HandBackOut:
    async with services.pool.connection() as conn:
        try:
            handback_id = await escalations.hand_back(conn, conversation_id, session.manager.id, body.note)
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return HandBackOut(handback_id=handback_id)
