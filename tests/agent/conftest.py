from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.conversation import Services, demo_services


@pytest.fixture(scope="session")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    catalog, knowledge = await demo_services(tmp_path_factory.mktemp("catalog"))
    yield catalog, knowledge
    catalog.close()
