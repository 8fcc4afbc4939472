"""The OpenRouter path through the fake OpenRouter on loopback: prompts sent, usage kept, failures absorbed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.models import ChatSalesModel, FallbackModel
from agent.offline import OfflineModel
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.agent.test_sales_graph import BUDGETED
from tests.support.conversation import PRODUCTS, Conversation, Services, money
from tests.support.live import live_server
from tools.llm.openrouter import make_openrouter_chat_model

MODEL = "deepseek/deepseek-v3.2"
UNDERSTAND_BUDGET = {
    "intent": "product_search",
    "slots": {"categories": ["Ergonomic & Task Chairs"], "quantity": 8, "budget_total": 6000},
}


@pytest.fixture(scope="module")
def openrouter() -> Iterator[tuple[FakeOpenRouter, str]]:
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        yield fake, f"{server.url}/api/v1"


@pytest.fixture
def conversation(openrouter: tuple[FakeOpenRouter, str], services: Services) -> tuple[Conversation, FakeOpenRouter]:
    fake, base_url = openrouter
    fake.reset()
    chat = make_openrouter_chat_model(
        DEMO_OPENROUTER_KEY,
        base_url=base_url,
        model=MODEL,
        fallback_models=["openai/gpt-4o-mini"],
        max_retries=0,
        app_url="https://noor.example",
        app_title="Noor (Treejar)",
    )
    model = FallbackModel(ChatSalesModel(chat, MODEL), OfflineModel())
    return Conversation(services, model=model), fake


async def test_the_system_prompt_and_the_facts_reach_the_model_and_usage_is_kept(
    conversation: tuple[Conversation, FakeOpenRouter],
) -> None:
    chat, fake = conversation
    fake.script_tool_call("Understanding", UNDERSTAND_BUDGET)
    fake.script_text("Here are three ergonomic chairs that fit your budget, all in stock. Which do you like?")
    reply = await chat.say(BUDGETED["en"])
    state = await chat.state()
    understand, write = fake.chat_requests()
    for request in (understand, write):
        assert request.system_prompt is not None
        assert "You are Noor, the sales consultant of Treejar" in request.system_prompt
        assert "English" in request.system_prompt
        assert request.headers.get("x-openrouter-title") == "Noor (Treejar)"
        assert request.body["models"] == [MODEL, "openai/gpt-4o-mini"]
    sent = str(write.body["messages"])
    for option in state["offered"]:
        assert option["sku"] in sent  # the model writes from the tool results it was given
    assert reply.startswith("Here are three ergonomic chairs")
    assert state["reply_meta"]["model"] == MODEL
    assert state["reply_meta"]["cost"] > 0
    assert state["reply_meta"]["prompt_tokens"] > 0


@pytest.mark.parametrize("failure", ["402", "429", "error_in_200"])
async def test_a_provider_failure_still_gets_the_customer_a_correct_answer(
    conversation: tuple[Conversation, FakeOpenRouter], failure: str
) -> None:
    chat, fake = conversation
    for _ in range(2):
        if failure == "error_in_200":
            fake.script_error(502, "upstream error during generation", status=200)
        else:
            fake.script_error(int(failure), retry_after=1 if failure == "429" else None)
    reply = await chat.say(BUDGETED["en"])
    state = await chat.state()
    assert state["reply_meta"]["model"] == "offline"
    assert state["offered"]
    for option in state["offered"]:
        assert float(PRODUCTS[option["sku"]].price) <= 750
        assert money(option["price"]) in reply


async def test_a_model_that_invents_a_price_is_overruled_by_the_guard(
    conversation: tuple[Conversation, FakeOpenRouter],
) -> None:
    chat, fake = conversation
    fake.script_tool_call("Understanding", UNDERSTAND_BUDGET)
    fake.script_text("Great news: the Zephyr chair is only 99.00 AED today, 500 in stock!")
    reply = await chat.say(BUDGETED["en"])
    assert "99.00" not in reply
    assert "500 in stock" not in reply
    for option in (await chat.state())["offered"]:
        assert money(option["price"]) in reply
