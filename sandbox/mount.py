"""The fake external services, mounted under /sandbox/ in demo mode only.

Each fake is reached by the real clients over HTTP, like the real service, at the URL Settings derives
when the service's own URL is not configured (e.g. Zoho Inventory at /sandbox/zoho/inventory/v1).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from sandbox.openai_audio import FakeOpenAIAudio
from sandbox.openrouter import FakeOpenRouter
from sandbox.phone import phone_router
from sandbox.telegram import FakeTelegram
from sandbox.wazzup import FakeWazzup
from sandbox.zoho import FakeZoho


@dataclass
class Sandbox:
    wazzup: FakeWazzup
    zoho: FakeZoho
    telegram: FakeTelegram
    openrouter: FakeOpenRouter
    openai: FakeOpenAIAudio

    def mount(self, app: FastAPI) -> None:
        app.include_router(phone_router(self.wazzup))
        app.mount("/sandbox/wazzup", self.wazzup.app)
        app.mount("/sandbox/zoho", self.zoho.app)
        app.mount("/sandbox/telegram", self.telegram.app)
        app.mount("/sandbox/openrouter", self.openrouter.app)
        app.mount("/sandbox/openai", self.openai.app)


def create_sandbox(*, base_url: str, webhook_token: str, wazzup_api_key: str, channel_id: str) -> Sandbox:
    return Sandbox(
        wazzup=FakeWazzup(
            api_key=wazzup_api_key,
            channel_id=channel_id,
            webhooks_uri=f"{base_url}/webhooks/wazzup?token={webhook_token}",
        ),
        zoho=FakeZoho(),
        telegram=FakeTelegram(),
        openrouter=FakeOpenRouter(),  # like the real one: 401 for any key but the demo key
        openai=FakeOpenAIAudio(),
    )
