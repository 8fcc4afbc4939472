"""The FastAPI application: webhook, health, REST API and, in demo mode, the sandbox fakes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from agent.context import Context
from agent.models import make_model
from graphs.sales import builder as sales_builder
from sandbox.mount import create_sandbox
from server import health, webhooks
from server.deps import Services
from server.dispatcher import Dispatcher
from server.sender import Sender
from server.settings import Settings, get_settings
from server.storage.database import make_pool, resolve_database_url
from server.storage.migrations import apply_migrations
from server.turns import GraphTurnRunner
from tools.wazzup import WazzupClient

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database_url = await asyncio.to_thread(resolve_database_url, settings.database_url, settings.data_dir)
        pool = make_pool(database_url, max_size=max(10, settings.workers * 3 + 4))
        await pool.open(wait=True)
        await apply_migrations(pool)
        checkpointer = AsyncPostgresSaver(pool)
        await checkpointer.setup()
        graph = sales_builder.compile(checkpointer=checkpointer, name="sales")
        model = make_model()
        wazzup = WazzupClient(
            settings.wazzup_api_url,
            settings.wazzup_api_key.get_secret_value(),
            timeout=settings.wazzup_timeout_seconds,
        )
        sender = Sender(
            pool,
            wazzup,
            max_attempts=settings.send_max_attempts,
            backoff_seconds=settings.send_backoff_seconds,
            backoff_cap_seconds=settings.send_backoff_cap_seconds,
            poll_interval_seconds=settings.poll_interval_seconds,
        )
        dispatcher = Dispatcher(
            pool,
            GraphTurnRunner(graph, Context(model=model)),
            workers=settings.workers,
            debounce_seconds=settings.debounce_seconds,
            debounce_cap_seconds=settings.debounce_cap_seconds,
            poll_interval_seconds=settings.poll_interval_seconds,
            on_reply_queued=sender.wake,
        )
        app.state.services = Services(
            settings=settings,
            pool=pool,
            database_url=database_url,
            graph=graph,
            model=model,
            dispatcher=dispatcher,
            sender=sender,
        )
        sender.start()
        dispatcher.start()
        log.info("noor is up: model=%s sandbox=%s workers=%s", model.name, settings.sandbox, settings.workers)
        try:
            yield
        finally:
            await dispatcher.stop()
            await sender.stop()
            await wazzup.aclose()
            await pool.close()

    app = FastAPI(
        title="Noor",
        summary="AI sales agent on WhatsApp for Treejar office furniture",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(webhooks.router)
    app.include_router(health.router)
    if settings.sandbox:
        app.state.sandbox = create_sandbox(
            base_url=settings.base_url,
            webhook_token=settings.wazzup_webhook_token.get_secret_value(),
            wazzup_api_key=settings.wazzup_api_key.get_secret_value(),
            channel_id=settings.wazzup_channel_id,
        )
        app.state.sandbox.mount(app)
    return app
