from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from server.storage.database import make_pool
from tests.support.db import TestDatabases


@pytest.fixture(scope="session")
def test_databases() -> Iterator[TestDatabases]:
    databases = TestDatabases()
    databases.create_template()
    yield databases
    databases.drop_all()


@pytest.fixture
def database_url(test_databases: TestDatabases) -> str:
    """A fresh, migrated database of its own for one test."""
    return test_databases.fresh()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    pool = make_pool(database_url, min_size=1, max_size=10)
    await pool.open()
    yield pool
    await pool.close()
