"""The managers' inbox at /inbox (server-rendered, Jinja2), its REST API and the escalation alerts.

`router` is what server/web/app.py includes. Its lifespan runs after the app's own (the database is ready):
it seeds the managers from the demo data, and starts the Telegram `AlertDispatcher`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from sandbox.seed import demo_managers
from server.desk.managers import seed_managers
from server.web.api import conversations as api_conversations
from server.web.api import escalations as api_escalations
from server.web.api import sessions as api_sessions
from server.web.deps import Services
from server.web.inbox_ui import pages
from server.worker.jobs.alerts import AlertDispatcher, PostgresAlertDeduper
from tools.telegram import TelegramClient


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    services: Services = app.state.services
    settings = services.settings
    password = settings.inbox_demo_password.get_secret_value() if settings.inbox_demo_password else None
    async with services.pool.connection() as conn, conn.transaction():
        await seed_managers(conn, demo_managers(), demo_password=password if settings.sandbox else None)
    telegram = TelegramClient(
        settings.telegram_api_url,
        settings.telegram_bot_token.get_secret_value(),
        deduper=PostgresAlertDeduper(services.pool),
        max_retry_after=30.0,
    )
    alerts = AlertDispatcher(
        services.pool, telegram, settings.base_url, poll_interval_seconds=settings.alert_poll_seconds
    )
    alerts.start()
    app.state.alerts = alerts
    try:
        yield
    finally:
        await alerts.stop()
        await telegram.aclose()


def _router() -> APIRouter:
    combined = APIRouter(lifespan=lifespan)
    combined.include_router(pages.router)
    combined.include_router(api_sessions.router)
    combined.include_router(api_conversations.router)
    combined.include_router(api_escalations.router)
    return combined


router = _router()

__all__ = ["router"]
