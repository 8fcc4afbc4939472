"""Conversations REST API for managers: `/api/v1/conversations` (list, detail with transcript, reply, take, hand back).

Same auth as the inbox (server/web/auth.py): the session cookie (writes need `X-CSRF-Token`) or a bearer token.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field

from agent.policies.escalation import REASON_LABELS
from server.desk import escalations, threads
from server.desk.escalations import TemplateChoice
from server.storage import followups
from server.web.auth import ApiSession
from server.web.deps import Services, ServicesDep
from tools.wazzup import WabaTemplate, WazzupError

log = logging.getLogger(__name__)

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


class TemplateReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(min_length=1, max_length=100, description="The template's templateGuid")
    values: list[str] = Field(default_factory=list, max_length=20, description="The [[...]] values, in order")
    reply_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")


def template_json(template: WabaTemplate) -> dict[str, Any]:
    return {
        "template_id": template.template_guid,
        "name": template.name,
        "title": template.title,
        "language": template.language,
        "category": template.category,
        "text": template.template_code,
        "variables": template.variables,
    }


async def closed_window_templates(services: Services, conversation_id: int) -> list[WabaTemplate] | None:
    """None when free text may be sent; else the approved templates (the customer's language first), for a
    WABA channel whose customer last wrote more than 24 hours ago."""
    async with services.pool.connection() as conn:
        row = await (
            await conn.execute("SELECT channel_id, language FROM conversations WHERE id = %s", (conversation_id,))
        ).fetchone()
        if row is None:
            raise HTTPException(404, "no such conversation")
        try:
            if await services.waba.free_text_allowed(conn, conversation_id, row["channel_id"]):
                return None
            return await services.waba.templates(row["language"])
        except WazzupError as exc:
            # Unknown for now: the reply is accepted, and the sender holds it if the window turns out closed.
            log.warning("cannot tell whether conversation %s is in its 24-hour window: %s", conversation_id, exc)
            return None


async def chosen_template(services: Services, template_id: str, values: list[str]) -> tuple[TemplateChoice, str]:
    """The template to send and the text the customer will read; 422 for an unknown template or wrong values."""
    try:
        template = await services.waba.by_id(template_id)
    except WazzupError as exc:
        raise HTTPException(503, "Wazzup cannot list the templates right now; try again in a minute") from exc
    if template is None:
        raise HTTPException(422, "no such approved template")
    values = [v.strip() for v in values]
    if len(values) != len(template.variables) or not all(values):
        raise HTTPException(422, f"the template needs {len(template.variables)} values: {template.variables}")
    return TemplateChoice(template.template_guid, values), template.render(values)


WINDOW_CLOSED_MESSAGE = (
    "The customer last wrote more than 24 hours ago: WhatsApp only lets an approved template through. "
    "Send one of these templates; their reply reopens the conversation."
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


@router.post(
    "/{conversation_id}/reply",
    status_code=202,
    responses={409: {"description": "The 24-hour window is closed: `detail.templates` lists what can be sent"}},
)
async def reply(conversation_id: int, body: ReplyIn, session: ApiSession, services: ServicesDep) -> ReplyOut:
    templates = await closed_window_templates(services, conversation_id)
    if templates is not None:
        raise HTTPException(
            409,
            {
                "error": "window_closed",
                "message": WINDOW_CLOSED_MESSAGE,
                "templates": [template_json(t) for t in templates],
            },
        )
    async with services.pool.connection() as conn:
        try:
            queued = await escalations.queue_reply(conn, conversation_id, session.manager.id, body.text, body.reply_id)
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    return ReplyOut(outbox_id=queued.outbox_id, message_id=queued.message_id, created=queued.created)


@router.get("/{conversation_id}/templates")
async def templates(conversation_id: int, session: ApiSession, services: ServicesDep) -> dict[str, Any]:
    """Whether free text can be sent now and, when not, the templates that can."""
    closed = await closed_window_templates(services, conversation_id)
    return {
        "window_open": closed is None,
        "templates": [template_json(t) for t in closed or []],
    }


@router.post("/{conversation_id}/template", status_code=202)
async def send_template(
    conversation_id: int, body: TemplateReplyIn, session: ApiSession, services: ServicesDep
) -> ReplyOut:
    choice, text = await chosen_template(services, body.template_id, body.values)
    async with services.pool.connection() as conn:
        try:
            queued = await escalations.queue_reply(
                conn, conversation_id, session.manager.id, text, body.reply_id, template=choice
            )
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return ReplyOut(outbox_id=queued.outbox_id, message_id=queued.message_id, created=queued.created)


@router.post("/{conversation_id}/followups/{followup_id}/cancel")
async def cancel_followup(
    conversation_id: int, followup_id: int, session: ApiSession, services: ServicesDep
) -> dict[str, Any]:
    """Stop a pending follow-up (409 when it was sent or closed already)."""
    async with services.pool.connection() as conn:
        if not await followups.cancel_followup(conn, conversation_id, followup_id, session.manager.id):
            raise HTTPException(409, "this follow-up is not pending any more")
    return {"followup_id": followup_id, "status": "cancelled"}


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
