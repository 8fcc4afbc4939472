"""Wazzup24 (WhatsApp) as Noor's channel: webhook (webhook.py), stored bodies and their ingestion (deliveries.py,
ingest.py) and the sender (sender.py), built from Settings by the composition roots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from psycopg_pool import AsyncConnectionPool

from server.channels import RawBodies
from server.channels.wazzup.deliveries import Ingestor
from server.channels.wazzup.sender import Sender
from server.channels.wazzup.webhook import webhook_router
from server.channels.wazzup.window import WabaDirectory
from server.settings import Settings
from tools.wazzup import WazzupClient


class WazzupChannel:
    name = "wazzup"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: WazzupClient | None = None
        self._waba: WabaDirectory | None = None

    def webhook_router(self, bodies: Callable[[], RawBodies]) -> APIRouter:
        return webhook_router(
            self.settings.wazzup_webhook_token.get_secret_value(),
            bodies,
            max_body_bytes=self.settings.webhook_max_body_bytes,
            max_items=self.settings.webhook_max_items,
        )

    def ingestor(
        self, pool: AsyncConnectionPool[Any], on_work: Callable[[], None], poll_interval_seconds: float
    ) -> Ingestor:
        return Ingestor(pool, on_work=on_work, poll_interval_seconds=poll_interval_seconds)

    def client(self) -> WazzupClient:
        settings = self.settings
        self._client = self._client or WazzupClient(
            settings.wazzup_api_url, settings.wazzup_api_key.get_secret_value(), timeout=settings.wazzup_timeout_seconds
        )
        return self._client

    def waba(self) -> WabaDirectory:
        """The channel's kind (WABA or not) and its approved templates: the 24-hour window's rules."""
        self._waba = self._waba or WabaDirectory(self.client())
        return self._waba

    def sender(self, pool: AsyncConnectionPool[Any]) -> Sender:
        settings = self.settings
        return Sender(
            pool,
            self.client(),
            self.waba(),
            max_attempts=settings.send_max_attempts,
            backoff_seconds=settings.send_backoff_seconds,
            backoff_cap_seconds=settings.send_backoff_cap_seconds,
            poll_interval_seconds=settings.poll_interval_seconds,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
