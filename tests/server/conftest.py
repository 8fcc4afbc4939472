from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import Settings
from tests.support.live import free_port, live_server
from tests.support.wazzup import NoorClient


def test_settings(database_url: str, data_dir: Path, port: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "port": port,
        "database_url": database_url,
        "data_dir": data_dir,
        "debounce_seconds": 0.3,
        "debounce_cap_seconds": 1.2,
        "poll_interval_seconds": 0.05,
        "wazzup_timeout_seconds": 0.5,
        "send_backoff_seconds": 0.05,
        "send_backoff_cap_seconds": 0.5,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def service_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    app = create_app(test_settings(database_url, tmp_path, port))
    with live_server(app, port) as server:
        yield server.url


@pytest.fixture
async def noor(service_url: str) -> AsyncIterator[NoorClient]:
    client = NoorClient(service_url)
    yield client
    await client.aclose()
