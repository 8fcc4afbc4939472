"""The WhatsApp Business 24-hour window (docs/contracts.md §1.6): on a WABA channel (`transport: wapi`) free text
reaches a customer only within 24 hours of their last message; after that only an approved template does.

A plain WhatsApp channel has no window. Which kind the channel is, and its approved templates, come from
Wazzup (`GET /v3/channels`, `GET /v3/templates/whatsapp`), cached for a minute.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from psycopg import AsyncConnection

from tools.wazzup import WabaTemplate, WazzupClient, WazzupRetryableError

WINDOW_HOURS = 24
WABA_TRANSPORT = "wapi"

WINDOW_OPEN_SQL = f"""
SELECT COALESCE(last_inbound_at > noor_now() - interval '{WINDOW_HOURS} hours', false) AS open
  FROM conversations WHERE id = %s
"""


async def window_open(conn: AsyncConnection[Any], conversation_id: int) -> bool:
    """Whether the customer wrote within the last 24 hours (on the service's clock)."""
    row = await (await conn.execute(WINDOW_OPEN_SQL, (conversation_id,))).fetchone()
    return bool(row and row["open"])


class WabaDirectory:
    """Which channels are WABA ones and the account's approved templates, as Wazzup says (cached)."""

    def __init__(self, client: WazzupClient, ttl_seconds: float = 60.0) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self._lock = asyncio.Lock()
        self._transports: dict[str, str] = {}
        self._templates: list[WabaTemplate] = []
        self._fetched_at: float | None = None

    async def _refresh(self) -> None:
        async with self._lock:
            if self._fetched_at is not None and time.monotonic() - self._fetched_at < self.ttl:
                return
            try:
                channels = await self.client.list_channels()
                waba = any(c.get("transport") == WABA_TRANSPORT for c in channels)
                templates = [t for t in await self.client.list_templates() if t.approved] if waba else []
            except httpx.HTTPError as exc:  # the sender retries it like a failed send; the inbox carries on
                raise WazzupRetryableError(f"Wazzup channels or templates unavailable: {exc!r}") from exc
            self._transports = {str(c.get("channelId")): str(c.get("transport")) for c in channels}
            self._templates = templates
            self._fetched_at = time.monotonic()

    async def is_waba(self, channel_id: str) -> bool:
        await self._refresh()
        return self._transports.get(channel_id) == WABA_TRANSPORT

    async def templates(self, language: str | None = None) -> list[WabaTemplate]:
        """Approved templates, those in `language` first."""
        await self._refresh()
        return sorted(self._templates, key=lambda t: (t.language != language, t.name, t.language or ""))

    async def template(self, name: str, language: str | None) -> WabaTemplate | None:
        """The approved template `name` in the customer's language, else in English."""
        candidates = [t for t in await self.templates(language) if t.name == name]
        for wanted in (language, "en"):
            for template in candidates:
                if template.language == wanted:
                    return template
        return None

    async def by_id(self, template_id: str) -> WabaTemplate | None:
        return next((t for t in await self.templates() if t.template_guid == template_id), None)

    async def free_text_allowed(self, conn: AsyncConnection[Any], conversation_id: int, channel_id: str) -> bool:
        return not await self.is_waba(channel_id) or await window_open(conn, conversation_id)
