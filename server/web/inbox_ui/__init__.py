"""The managers' inbox at /inbox (server-rendered, Jinja2) and its REST API: `router` is what server/web/app.py
includes."""

from __future__ import annotations

from fastapi import APIRouter

from server.web.api import conversations as api_conversations
from server.web.api import escalations as api_escalations
from server.web.api import sessions as api_sessions
from server.web.inbox_ui import admin, pages


def _router() -> APIRouter:
    combined = APIRouter()
    combined.include_router(pages.router)
    combined.include_router(admin.router)
    combined.include_router(api_sessions.router)
    combined.include_router(api_conversations.router)
    combined.include_router(api_escalations.router)
    return combined


router = _router()

__all__ = ["router"]
