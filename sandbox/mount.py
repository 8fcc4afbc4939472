"""The fake external services, mounted under /sandbox/ in demo mode only."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from sandbox.phone import phone_router
from sandbox.wazzup import FakeWazzup


@dataclass
class Sandbox:
    wazzup: FakeWazzup

    def mount(self, app: FastAPI) -> None:
        app.include_router(phone_router(self.wazzup))
        app.mount("/sandbox/wazzup", self.wazzup.app)


def create_sandbox(*, base_url: str, webhook_token: str, wazzup_api_key: str, channel_id: str) -> Sandbox:
    return Sandbox(
        wazzup=FakeWazzup(
            api_key=wazzup_api_key,
            channel_id=channel_id,
            webhooks_uri=f"{base_url}/webhooks/wazzup?token={webhook_token}",
        )
    )
