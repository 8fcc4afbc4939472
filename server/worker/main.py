"""The worker process's composition root: settings, pool, clients, the model and the services built once and handed
to the graph through its Context; then the loops (ingest, dispatch, send) and the jobs (idle release, alerts).

Turns are CPU work (the graph, checkpoint serialisation). In the API process they would compete for
the GIL with webhook acknowledgements, so they run in `noor worker` processes that `noor run` starts
and supervises. Processes coordinate only through Postgres: claims by advisory lock, wake-ups by
LISTEN/NOTIFY (with polling as the safety net).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import httpx
import psycopg
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from agent.context import Context
from agent.models.base import SalesModel
from agent.models.offline import OfflineModel
from agent.policies.business_hours import BusinessHours
from agent.quality.offline import OfflineReviewer
from agent.quality.review import Reviewer
from graphs.sales import builder as sales_builder
from prompts import PromptSource
from server.channels import Channel
from server.channels.wazzup import WazzupChannel
from server.components.catalog import CatalogService
from server.components.commerce import build_commerce, discount_policy
from server.components.documents import DocumentLinks
from server.components.media import media_store
from server.components.model import build_judge
from server.desk import prompt_versions
from server.desk.escalations import ALERT_CHANNEL, PostgresEscalationDesk
from server.desk.quality import QualityStore
from server.settings import Settings
from server.storage.conversations import WORK_CHANNEL
from server.storage.database import make_pool
from server.storage.followups import FollowUpCadence
from server.worker.dispatcher import Dispatcher
from server.worker.heartbeat import Heartbeat
from server.worker.jobs.alerts import AlertDispatcher, PostgresAlertDeduper
from server.worker.jobs.followups import FollowUpSender, FollowUpTemplates
from server.worker.jobs.idle_release import IdleReleaser
from server.worker.jobs.quality_alerts import LowScoreAlerter
from server.worker.jobs.quality_review import QualityReviewer
from server.worker.jobs.retention import RetentionJob
from server.worker.jobs.runtime_settings import RuntimeSettingsWatcher
from server.worker.jobs.weekly_report import WeeklyReporter
from server.worker.media import build_media_service
from server.worker.turns import GraphTurnRunner
from tools.live_stock import LiveStock
from tools.telegram import TelegramClient

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(
        self, settings: Settings, database_url: str, model: SalesModel, prompts: PromptSource | None = None
    ) -> None:
        """`prompts`: the source `model` reads its prompts from; each turn first brings it in step with the versions
        activated in the admin. None: the model's own (the files; nothing activated is followed)."""
        self.settings = settings
        self.prompts = prompts
        self.database_url = database_url
        self.pool = make_pool(database_url, max_size=settings.workers * 3 + 4)
        wazzup = WazzupChannel(settings)
        self.channel: Channel = wazzup
        self.sender = self.channel.sender(self.pool)
        # this process's catalog index and knowledge base; the scheduled Zoho sync runs here (one worker at a time)
        self.catalog = CatalogService(settings, self.pool, database_url, sync=True)
        self.http = httpx.AsyncClient()
        self.media = build_media_service(settings, self.pool)
        context = Context(
            model=model,
            catalog=self.catalog.search,
            knowledge=self.catalog.knowledge,
            commerce=build_commerce(settings, self.pool, inventory=self.catalog.inventory, http=self.http),
            desk=PostgresEscalationDesk(self.pool, fallback_manager_id=settings.escalation_fallback_manager_id),
            order_value_threshold_aed=settings.escalation_order_value_aed,
            writer=OfflineModel(prompts=prompts),  # the guard's rewrites use the active templates too
        )
        if self.catalog.inventory is not None:  # live price/stock of one SKU, on the sync's client and rate limiter
            context.inventory = LiveStock(self.catalog.inventory)
        self.graph = sales_builder.compile(checkpointer=AsyncPostgresSaver(self.pool), name="sales")
        self.dispatcher = Dispatcher(
            self.pool,
            GraphTurnRunner(self.graph, context, self.media, before_turn=self.sync_prompts if prompts else None),
            workers=settings.workers,
            debounce_seconds=settings.debounce_seconds,
            debounce_cap_seconds=settings.debounce_cap_seconds,
            poll_interval_seconds=settings.poll_interval_seconds,
            on_reply_queued=self.sender.wake,
            checkpoints_kept=settings.checkpoints_kept,
            followups=FollowUpCadence(settings.followup_quote_delay_hours, settings.followup_cart_delay_hours)
            if settings.followups_enabled
            else None,
        )
        self.ingestor = self.channel.ingestor(self.pool, self.dispatcher.wake, settings.poll_interval_seconds)
        idle_seconds = settings.human_idle_release_minutes * 60
        self.releaser = IdleReleaser(  # always there: idle release may be turned on at run time
            self.pool, idle_seconds, self.dispatcher.wake, poll_interval_seconds=min(60.0, idle_seconds / 4 or 60.0)
        )
        # reminders after quotations and nudges after abandoned carts (issue 13), in business hours only
        self.followups = (
            FollowUpSender(
                self.pool,
                wazzup.waba(),
                BusinessHours(
                    timezone=settings.followup_timezone,
                    days=frozenset(settings.followup_business_days),
                    start_hour=settings.followup_business_start_hour,
                    end_hour=settings.followup_business_end_hour,
                ),
                FollowUpTemplates(settings.followup_quote_template, settings.followup_cart_template),
                crm=context.commerce.crm if context.commerce else None,
                on_queued=self.sender.wake,
                poll_interval_seconds=settings.followup_poll_seconds,
            )
            if settings.followups_enabled
            else None
        )
        self.telegram = TelegramClient(
            settings.telegram_api_url,
            settings.telegram_bot_token.get_secret_value(),
            deduper=PostgresAlertDeduper(self.pool),
            max_retry_after=30.0,
        )
        self.alerts = AlertDispatcher(
            self.pool, self.telegram, settings.base_url, poll_interval_seconds=settings.alert_poll_seconds
        )
        self.context = context
        self.runtime_settings = RuntimeSettingsWatcher(self.pool, settings, self.apply_runtime_settings)
        judge = build_judge(settings, prompts)
        reviewers: list[Reviewer] = [OfflineReviewer(), *([judge] if judge else [])]
        self.quality = [
            QualityReviewer(
                QualityStore(self.pool),
                reviewer,
                idle_seconds=settings.quality_review_idle_minutes * 60,
                poll_interval_seconds=settings.quality_review_poll_seconds,
            )
            for reviewer in (reviewers if settings.quality_review_idle_minutes else [])
        ]
        # the head of sales hears of low quality scores and gets the weekly report (issue 12)
        self.low_scores = (
            LowScoreAlerter(
                self.pool,
                self.telegram,
                settings.base_url,
                below_share=settings.quality_alert_below_share,
                poll_interval_seconds=settings.quality_alert_poll_seconds,
            )
            if settings.quality_alert_below_share
            else None
        )
        self.weekly_report = (
            WeeklyReporter(
                self.pool,
                self.telegram,
                settings.base_url,
                hour=settings.weekly_report_hour,
                below_share=settings.quality_alert_below_share,
                poll_interval_seconds=settings.weekly_report_poll_seconds,
            )
            if settings.weekly_report_enabled
            else None
        )
        # --- storage retention (issue 16): superseded checkpoints, expired media and quotation PDFs
        self.retention = RetentionJob(
            self.pool,
            media_store(settings),
            DocumentLinks.from_settings(settings),
            checkpoints_kept=settings.checkpoints_kept,
            media_retention_days=settings.media_retention_days,
            document_retention_days=settings.document_retention_days,
            poll_interval_seconds=settings.retention_poll_seconds,
        )
        self.heartbeat = Heartbeat(self.pool, settings.worker_heartbeat_seconds)
        self._listener: asyncio.Task[None] | None = None
        self._warm_up: asyncio.Task[None] | None = None

    async def sync_prompts(self) -> None:
        assert self.prompts is not None
        async with self.pool.connection() as conn:
            if await prompt_versions.sync(conn, self.prompts):
                log.info("prompt versions activated: %s", ", ".join(self.prompts.overrides()) or "none (the files)")

    def apply_runtime_settings(self, settings: Settings) -> None:
        """The settings a manager tunes at run time (server/desk/runtime_settings.py), into the running parts."""
        self.dispatcher.debounce = settings.debounce_seconds
        self.dispatcher.cap = max(settings.debounce_cap_seconds, settings.debounce_seconds)
        self.releaser.idle_seconds = settings.human_idle_release_minutes * 60
        self.context.order_value_threshold_aed = settings.escalation_order_value_aed
        if self.context.commerce is not None:
            self.context.commerce.policy = discount_policy(settings)

    async def start(self) -> None:
        await self.pool.open(wait=True)
        self.catalog.start()
        self.sender.start()
        with contextlib.suppress(TimeoutError):  # a start-up sync that takes longer only delays the first turns
            await asyncio.wait_for(self.catalog.started.wait(), timeout=self.settings.catalog_ready_wait_seconds)
        async with self.pool.connection() as conn:
            await prompt_versions.record_current_texts(conn)  # the files' versions, to compare and activate later
        await self.runtime_settings.run_pass()  # the tuned values before the first turn
        self.runtime_settings.start()
        self.dispatcher.start()
        self.ingestor.start()
        self.releaser.start()
        self.alerts.start()
        self._warm_up = asyncio.create_task(self.media.warm_up(), name="speech-warm-up")
        for reviewing in self.quality:
            reviewing.start()
        for job in (self.low_scores, self.weekly_report, self.followups):
            if job:
                job.start()
        self.retention.start()
        self._listener = asyncio.create_task(self._listen(), name="listen")
        await self.heartbeat.start()  # alive for /health/ready only now that it takes turns

    async def stop(self) -> None:
        await self.heartbeat.stop()
        if self._listener:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._warm_up:
            self._warm_up.cancel()
            await asyncio.gather(self._warm_up, return_exceptions=True)
        await self.alerts.stop()
        await self.retention.stop()
        for job in (self.low_scores, self.weekly_report, self.followups):
            if job:
                await job.stop()
        for reviewing in self.quality:
            await reviewing.stop()
        await self.releaser.stop()
        await self.runtime_settings.stop()
        await self.ingestor.stop()
        await self.dispatcher.stop()
        await self.sender.stop()
        await self.catalog.stop()
        await self.channel.aclose()
        await self.media.aclose()
        await self.http.aclose()
        await self.telegram.aclose()
        await self.pool.close()

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {WORK_CHANNEL}")
                    await conn.execute(f"LISTEN {ALERT_CHANNEL}")
                    async for notice in conn.notifies():
                        if notice.channel == ALERT_CHANNEL:
                            self.alerts.wake()
                        else:
                            self.ingestor.wake()
            except psycopg.Error as exc:
                log.warning("work notifications interrupted (%s); polling meanwhile", exc)
                await asyncio.sleep(1)


async def serve_worker(settings: Settings, database_url: str, model: SalesModel, prompts: PromptSource) -> None:
    """Run one worker process until SIGTERM/SIGINT, or until the process that started it is gone."""
    pipeline = Pipeline(settings, database_url, model, prompts)
    await pipeline.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    parent = int(os.environ.get("NOOR_PARENT_PID", "0"))
    log.info("noor worker %s is up: %s concurrent turns", os.getpid(), settings.workers)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)
        if parent and os.getppid() != parent:
            log.warning("the service that started this worker is gone; stopping")
            break
    await pipeline.stop()
