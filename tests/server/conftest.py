from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from evals.service import service_settings as service_settings  # re-exported: tests/server/test_documents.py
from server.web.app import create_app
from tests.support.db import TestDatabases
from tests.support.live import free_port, live_server
from tests.support.wazzup import NoorClient


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
