"""A provider outage through the fake OpenRouter: each turn is still answered (offline model); when the outage
persists, a person takes the thread (reason provider_outage), once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.models.chat import ChatSalesModel, FallbackModel
from agent.models.offline import OfflineModel
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.support.conversation import Conversation, Services
from tests.support.live import live_server
from tools.llm.openrouter import make_openrouter_chat_model

MODEL = "deepseek/deepseek-v3.2"


@pytest.fixture
def outage() -> Iterator[tuple[FakeOpenRouter, str]]:
    fake = FakeOpenRouter()
    fake.set_model_down(MODEL)
    with live_server(fake.app) as server:
        yield fake, f"{server.url}/api/v1"


async def test_a_persisting_provider_outage_hands_the_thread_to_a_person(
    outage: tuple[FakeOpenRouter, str], services: Services
) -> None:
    fake, base_url = outage
    chat_model = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, base_url=base_url, model=MODEL, max_retries=0)
    chat = Conversation(services, model=FallbackModel(ChatSalesModel(chat_model, MODEL), OfflineModel()))

    first = await chat.say("I need 8 ergonomic chairs, 6,000 AED total")
    assert "AED" in first  # the offline model stood in
    assert (await chat.state())["provider_failures"] == 1
    await chat.say("the second one")
    assert (await chat.state()).get("escalation", {}).get("active") is not True

    await chat.say("make it 9")
    state = await chat.state()
    assert state["escalation"]["active"] is True
    assert state["escalation"]["reason"] == "provider_outage"
    assert fake.chat_requests()  # the provider was tried every turn
