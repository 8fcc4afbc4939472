"""The fake Wazzup as a process of its own, so the benchmarks measure Noor and not the fake."""

from __future__ import annotations

import os

from fastapi import FastAPI

from sandbox.wazzup import FakeWazzup
from server.settings import DEMO_CHANNEL_ID


def create() -> FastAPI:
    fake = FakeWazzup(
        api_key=os.environ.get("NOOR_WAZZUP_API_KEY", "demo-wazzup-key"),
        channel_id=DEMO_CHANNEL_ID,
        webhooks_uri=os.environ.get("FAKE_WAZZUP_WEBHOOK_URI") or None,
    )
    return fake.app
