"""Talking to a running Noor as Wazzup would, and reading what the fake Wazzup received."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

import httpx

from server.settings import DEMO_CHANNEL_ID, DEMO_WEBHOOK_TOKEN


def inbound(
    chat_id: str,
    text: str | None,
    *,
    message_id: str | None = None,
    kind: str = "text",
    content_uri: str | None = None,
    name: str = "Customer",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "messageId": message_id or str(uuid.uuid4()),
        "dateTime": "2026-09-14T08:12:45.301Z",
        "channelId": DEMO_CHANNEL_ID,
        "chatType": "whatsapp",
        "chatId": chat_id,
        "type": kind,
        "isEcho": False,
        "status": "inbound",
        "contact": {"name": name, "phone": chat_id},
    }
    if text is not None:
        item["text"] = text
    if content_uri is not None:
        item["contentUri"] = content_uri
    return item


class NoorClient:
    """A real HTTP client for one running service (and the fake Wazzup mounted in it or beside it)."""

    def __init__(self, url: str, wazzup_url: str | None = None, token: str = DEMO_WEBHOOK_TOKEN) -> None:
        self.url = url
        self.wazzup_url = wazzup_url or f"{url}/sandbox/wazzup"
        self.token = token
        self.http = httpx.AsyncClient(timeout=30)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def webhook(self, body: Any, *, token: str | None = None, raw: bytes | None = None) -> httpx.Response:
        params = {"token": self.token if token is None else token}
        if raw is not None:
            return await self.http.post(
                f"{self.url}/webhooks/wazzup", params=params, content=raw, headers={"content-type": "application/json"}
            )
        return await self.http.post(f"{self.url}/webhooks/wazzup", params=params, json=body)

    async def say(self, chat_id: str, text: str, **kwargs: Any) -> dict[str, Any]:
        item = inbound(chat_id, text, **kwargs)
        response = await self.webhook({"messages": [item]})
        assert response.status_code == 200, response.text
        return item

    async def customer_writes(self, chat_id: str, text: str, name: str = "Customer") -> None:
        """A customer writing through the fake Wazzup (which then knows their 24-hour window opened)."""
        response = await self.http.post(
            f"{self.wazzup_url}/_control/inbound", json={"chatId": chat_id, "text": text, "name": name}
        )
        response.raise_for_status()
        assert response.json()["delivered"], response.text

    async def use_waba_channel(self) -> None:
        """Make the fake's channel a WhatsApp Business API one (24-hour window, templates)."""
        response = await self.http.post(f"{self.wazzup_url}/_control/channel", json={"transport": "wapi"})
        response.raise_for_status()

    async def sent(self, chat_id: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.wazzup_url}/sent", params={"chatId": chat_id})
        response.raise_for_status()
        sent: list[dict[str, Any]] = response.json()
        return sent

    async def wait_for_replies(self, chat_id: str, count: int = 1, timeout: float = 60.0) -> list[dict[str, Any]]:
        """What the bot sent to this chat, once there are `count` messages or the time is up."""
        deadline = time.monotonic() + timeout
        replies = await self.sent(chat_id)
        while len(replies) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            replies = await self.sent(chat_id)
        return replies

    async def settle(self, chat_id: str, seconds: float = 1.5) -> list[dict[str, Any]]:
        """Wait a little longer to catch a duplicate that would arrive late."""
        await asyncio.sleep(seconds)
        return await self.sent(chat_id)

    async def faults(self, *faults: str, stall_seconds: float | None = None) -> None:
        body: dict[str, Any] = {"faults": list(faults)}
        if stall_seconds is not None:
            body["stall_seconds"] = stall_seconds
        response = await self.http.post(f"{self.wazzup_url}/_control/faults", json=body)
        response.raise_for_status()

    async def advance_clock(self, hours: float) -> dict[str, Any]:
        """Move the service's clock forward (the sandbox's POST /sandbox/clock/advance)."""
        response = await self.http.post(f"{self.url}/sandbox/clock/advance", json={"hours": hours})
        response.raise_for_status()
        moved: dict[str, Any] = response.json()
        return moved

    async def set_clock(self, at: datetime) -> dict[str, Any]:
        response = await self.http.post(f"{self.url}/sandbox/clock/set", json={"at": at.isoformat()})
        response.raise_for_status()
        moved: dict[str, Any] = response.json()
        return moved

    async def health(self) -> httpx.Response:
        return await self.http.get(f"{self.url}/health")
