from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import Settings
from tests.support.db import TestDatabases
from tests.support.live import free_port, live_server
from tests.support.wazzup import NoorClient


def service_settings(database_url: str, data_dir: Path, port: int, **overrides: object) -> Settings:
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


@pytest.fixture(scope="module")
def service_database_url(test_databases: TestDatabases) -> str:
    """One database for the module's service; tests keep apart by using chats of their own."""
    return test_databases.fresh()


@pytest.fixture(scope="module")
def service_url(service_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Noor as `noor run` starts it (API + a worker process), with the sandbox, on a loopback port."""
    port = free_port()
    app = create_app(service_settings(service_database_url, tmp_path_factory.mktemp("service"), port))
    with live_server(app, port) as server:
        yield server.url


@pytest.fixture
async def noor(service_url: str) -> AsyncIterator[NoorClient]:
    client = NoorClient(service_url)
    yield client
    await client.aclose()
