"""The FastAPI application: webhook, health, REST API and, in demo mode, the sandbox fakes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from server.logs import mask_personal_data_in_logs
from server.settings import DEMO_INBOX_PASSWORD, Settings, get_settings
from server.storage.clock import clock_offset_seconds
from server.storage.database import make_pool, resolve_database_url
from server.storage.migrations import prepare_database

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)
# The web stack is imported in create_app: `noor` starts a worker before this process has loaded FastAPI.


def create_app(settings: Settings | None = None) -> FastAPI:
    from fastapi import FastAPI

    from sandbox.mount import create_sandbox
    from sandbox.seed import demo_managers
    from server.channels import Channel
    from server.channels.wazzup import WazzupChannel
    from server.channels.wazzup.deliveries import DeliveryWriter
    from server.components.catalog import CatalogService
    from server.components.documents import DocumentLinks
    from server.components.media import media_store
    from server.components.model import build_model
    from server.components.startup import StartupChecks
    from server.desk.accounts import revoke_password
    from server.desk.managers import seed_managers
    from server.web import documents, health
    from server.web.api import admin as admin_api
    from server.web.api import metrics as metrics_api
    from server.web.api import products as products_api
    from server.web.api import quality as quality_api
    from server.web.auth import api_session
    from server.web.deps import Services
    from server.web.errors import install_error_handlers
    from server.web.inbox_ui import router as inbox_router
    from server.web.media import media_router
    from server.web.sandbox_clock import sandbox_clock_router
    from server.worker.supervisor import WorkerSupervisor

    settings = settings or get_settings()
    mask_personal_data_in_logs()  # whoever hosts the app (`noor run`, uvicorn directly, tests): no phone in a log

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database_url = await asyncio.to_thread(resolve_database_url, settings.database_url, settings.data_dir)
        workers = None
        if settings.worker_processes > 0:
            # Start the workers at once: their imports and warm-up overlap with ours; they wait for the
            # migrations below on the same advisory lock before touching the database.
            workers = WorkerSupervisor(settings, database_url, settings.worker_processes)
            workers.start()
        await prepare_database(database_url, settings.data_dir)
        pool = make_pool(database_url, max_size=20)
        await pool.open(wait=True)
        model = build_model(settings)
        password = settings.inbox_demo_password.get_secret_value() if settings.inbox_demo_password else None
        if settings.sandbox:  # demo accounts exist only in demo mode; production accounts: `noor managers create`
            async with pool.connection() as conn, conn.transaction():
                await seed_managers(conn, demo_managers(), demo_password=password)
                app.state.sandbox.wazzup.set_clock_offset(await clock_offset_seconds(conn))  # after a restart
        else:  # a database an earlier demo ran on keeps its accounts, but not their public password
            async with pool.connection() as conn:
                revoked = await revoke_password(conn, DEMO_INBOX_PASSWORD)
            if revoked:
                log.warning(
                    "accounts on the public demo password can no longer sign in: %s (`noor managers reset-password`)",
                    ", ".join(revoked),
                )
        deliveries = DeliveryWriter(pool)
        deliveries.start()
        catalog = CatalogService(settings, pool, database_url, sync=False)  # search for the API; workers sync
        catalog.start()
        app.state.catalog = catalog
        startup_checks = StartupChecks(settings, pool)
        startup_checks.start()
        app.state.startup_checks = startup_checks
        app.state.services = Services(
            settings=settings,
            pool=pool,
            database_url=database_url,
            model=model,
            deliveries=deliveries,
            workers=workers,
            waba=wazzup.waba(),
        )
        log.info(
            "noor is up: model=%s sandbox=%s worker processes=%s",
            model.name,
            settings.sandbox,
            settings.worker_processes,
        )
        try:
            yield
        finally:
            if workers is not None:
                await workers.stop()
            await deliveries.stop()
            await startup_checks.stop()
            await catalog.stop()
            await wazzup.aclose()
            await pool.close()

    app = FastAPI(
        title="Noor",
        summary="AI sales agent on WhatsApp for Treejar office furniture",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    wazzup = WazzupChannel(settings)
    channel: Channel = wazzup
    app.include_router(channel.webhook_router(lambda: app.state.services.deliveries))
    app.include_router(health.router)
    app.include_router(inbox_router)  # managers' inbox (/inbox) and its /api/v1
    app.include_router(products_api.router)
    app.include_router(admin_api.router)
    app.include_router(metrics_api.router)
    app.include_router(quality_api.router)
    app.include_router(documents.router)
    app.include_router(media_router(media_store(settings), api_session))  # customers' files, managers only
    app.state.documents = DocumentLinks.from_settings(settings)
    if settings.sandbox:
        app.state.sandbox = create_sandbox(
            base_url=settings.base_url,
            webhook_token=settings.wazzup_webhook_token.get_secret_value(),
            wazzup_api_key=settings.wazzup_api_key.get_secret_value(),
            channel_id=settings.wazzup_channel_id,
        )
        app.state.sandbox.mount(app)
        app.include_router(sandbox_clock_router(app.state.sandbox.wazzup.set_clock_offset))
    return app
