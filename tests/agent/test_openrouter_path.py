"""The OpenRouter path through the fake OpenRouter on loopback: prompts sent, usage kept, failures absorbed."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from agent.language import Language
from agent.models.chat import MAX_TOOL_ROUNDS, ChatSalesModel, FallbackModel
from agent.models.offline import OfflineModel
from prompts import Prompt, load_prompt, load_system_prompt, version_of
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter, RecordedRequest, ScriptedReply
from sandbox.zoho import FakeZoho
from tests.agent.test_sales_graph import BUDGETED
from tests.support.conversation import PRODUCTS, Conversation, Services, money
from tests.support.live import live_server
from tests.support.live_stock import live_stock, set_live_figures
from tools.live_stock import LiveStock
from tools.llm.openrouter import make_openrouter_chat_model

INVENTED_PRICE = re.compile(r"(?<![\d,.])99\.00")

MODEL = "deepseek/deepseek-v3.2"
UNDERSTAND_BUDGET = {
    "intents": ["product_search"],
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


async def test_the_turns_tokens_and_cost_count_the_understanding_call_as_well_as_the_reply(
    conversation: tuple[Conversation, FakeOpenRouter],
) -> None:
    chat, fake = conversation
    fake.script_tool_call(
        "Understanding", UNDERSTAND_BUDGET, usage={"prompt_tokens": 1200, "completion_tokens": 80, "cost": 0.0012}
    )
    fake.script_text(
        "Here are three ergonomic chairs that fit your budget. Which do you like?",
        usage={"prompt_tokens": 900, "completion_tokens": 40, "cost": 0.0009},
    )
    await chat.say(BUDGETED["en"])
    assert len(fake.chat_requests()) == 2
    meta = (await chat.state())["reply_meta"]
    assert (meta["prompt_tokens"], meta["completion_tokens"], meta["cost"]) == (2100, 120, pytest.approx(0.0021))


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


async def test_a_hanging_provider_gets_the_customer_the_offline_answer_instead(
    openrouter: tuple[FakeOpenRouter, str], services: Services
) -> None:
    fake, base_url = openrouter
    fake.reset()
    chat_model = make_openrouter_chat_model(
        DEMO_OPENROUTER_KEY, base_url=base_url, model=MODEL, timeout=30, max_retries=1
    )
    # the provider accepts both calls and then says nothing for longer than the deadlines
    fake.script_tool_call("Understanding", UNDERSTAND_BUDGET, delay_seconds=2)
    fake.script_text("Here are three chairs at 99.00 AED!", delay_seconds=2)
    model = FallbackModel(
        ChatSalesModel(chat_model, MODEL), OfflineModel(), understand_deadline=0.3, write_deadline=0.3
    )
    chat = Conversation(services, model=model)
    reply = await chat.say(BUDGETED["en"])
    state = await chat.state()
    assert len(fake.chat_requests()) == 2  # it was asked to understand and to write, and answered neither in time
    assert state["reply_meta"]["model"] == "offline"
    assert not INVENTED_PRICE.search(reply)  # 399.00 is a real price; 99.00 alone is not
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
    assert not INVENTED_PRICE.search(reply)  # 399.00 is a real price; 99.00 alone is not
    assert "500 in stock" not in reply
    for option in (await chat.state())["offered"]:
        assert money(option["price"]) in reply


# ----- prompts: persona and sales rules with a variant per language, on every request ------------------------

GREETINGS: dict[Language, list[tuple[str, str, str]]] = {  # (customer, intent, scripted reply) per turn
    "en": [
        ("Hello!", "greeting", "Hello! I'm Noor from Treejar. How can I help you today?"),
        ("Thanks, that's all", "thanks", "You're welcome! Write here any time."),
    ],
    "ar": [
        ("مرحبا", "greeting", "أهلاً وسهلاً! معك نور من تريجار. كيف أقدر أساعدك اليوم؟"),
        ("شكرا، هذا كل شي", "thanks", "العفو! تواصل معنا هنا في أي وقت."),
    ],
    "ru": [
        ("Здравствуйте!", "greeting", "Здравствуйте! Я Нур из компании Триджар. Чем могу помочь?"),
        ("Спасибо, это всё", "thanks", "Пожалуйста! Пишите сюда в любое время."),
    ],
}
VARIANT_OPENINGS: dict[Language, str] = {
    "en": "Language and tone for English",
    "ar": "اللغة والأسلوب بالعربية",
    "ru": "Язык и тон для русского",
}


async def test_an_activated_system_prompt_and_understanding_text_are_what_the_model_receives(
    conversation: tuple[Conversation, FakeOpenRouter],
) -> None:
    chat, fake = conversation
    model = chat.context.sales_model()
    assert isinstance(model, FallbackModel)
    assert isinstance(model.primary, ChatSalesModel)
    system = load_system_prompt("en").text + "\nSign every reply with 'Noor'.\n"
    understand = load_prompt("understand").text + "\nTreat 'seat' as a chair.\n"
    activated = [
        Prompt(name, text, version_of(name, text)) for name, text in (("system.en", system), ("understand", understand))
    ]
    model.primary.prompts.activate(activated, generation=1)
    fake.script_tool_call("Understanding", {"intents": ["greeting"]})
    fake.script_text("Hello! How can I help? Noor")
    await chat.say("Hello")
    understanding, write = fake.chat_requests()
    assert understanding.system_prompt == system
    assert write.system_prompt == system
    assert "Treat 'seat' as a chair." in str(understanding.body["messages"])
    assert (await chat.state())["reply_meta"]["prompt_version"] == activated[0].version


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_every_request_carries_the_persona_and_the_rules_in_the_customers_language_variant(
    conversation: tuple[Conversation, FakeOpenRouter], language: Language
) -> None:
    chat, fake = conversation
    prompt = load_system_prompt(language)
    for text, intent, answer in GREETINGS[language]:
        fake.script_tool_call("Understanding", {"intents": [intent]})
        fake.script_text(answer)
        assert await chat.say(text) == answer
        assert (await chat.state())["reply_meta"]["prompt_version"] == prompt.version
    requests = fake.chat_requests()
    assert len(requests) == 2 * len(GREETINGS[language])  # understand and write, every turn
    for request in requests:
        assert request.system_prompt == prompt.text
        assert "You are Noor, the sales consultant of Treejar" in prompt.text
        assert "Sales rules" in prompt.text
        assert VARIANT_OPENINGS[language] in prompt.text
        assert not any(VARIANT_OPENINGS[other] in prompt.text for other in VARIANT_OPENINGS if other != language)


# ----- the tool loop: live_stock(sku) while writing ----------------------------------------------------------

SKU = "MT-AGOR-200100-WHT"
ASKED = f"Thanks! By the way, is {SKU} in stock right now?"


@pytest.fixture(scope="module")
def zoho() -> Iterator[tuple[FakeZoho, str]]:
    fake = FakeZoho()
    with live_server(fake.app) as server:
        yield fake, server.url


@pytest.fixture
async def live(zoho: tuple[FakeZoho, str], pool: AsyncConnectionPool[Any]) -> AsyncIterator[LiveStock]:
    fake, url = zoho
    fake.reset()
    async with live_stock(fake, url, pool, timeout_seconds=1.0) as service:
        yield service


def tool_messages(request: RecordedRequest) -> list[dict[str, Any]]:
    return [m for m in request.body["messages"] if m["role"] == "tool"]


async def test_the_model_looks_up_live_stock_and_may_state_what_the_tool_returned(
    conversation: tuple[Conversation, FakeOpenRouter], zoho: tuple[FakeZoho, str], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    product = PRODUCTS[SKU]
    price, stock = float(product.price) + 85, product.available_stock + 4
    set_live_figures(zoho[0], product.item_id, price=price, stock=stock)
    answer = f"You're welcome! *{product.name}* ({SKU}) is {money(price)} AED excl. VAT, {stock} in stock right now."
    fake.script_tool_call("Understanding", {"intents": ["thanks"]})  # no catalog facts this turn
    fake.script_tool_call("live_stock", {"sku": SKU})
    fake.script_text(answer)
    reply = await chat.say(ASKED)
    assert reply == answer  # the guard accepted the figures: they are this turn's tool results
    _, first, second = fake.chat_requests()
    assert [t["function"]["name"] for t in first.body["tools"]] == ["live_stock"]
    (result,) = tool_messages(second)
    looked_up = json.loads(result["content"])
    assert (looked_up["price"], looked_up["available_stock"], looked_up["source"]) == (price, stock, "zoho_live")
    state = await chat.state()
    assert state["facts"]["tool_results"][0]["source"] == "zoho_live"
    assert state["reply_meta"]["cost"] > 0


async def test_a_number_the_tool_did_not_return_is_still_overruled(
    conversation: tuple[Conversation, FakeOpenRouter], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    fake.script_tool_call("Understanding", {"intents": ["thanks"]})
    fake.script_tool_call("live_stock", {"sku": SKU})
    fake.script_text(f"Good news: {SKU} is only 99.00 AED this week, 500 in stock!")
    reply = await chat.say(ASKED)
    assert not INVENTED_PRICE.search(reply)  # 399.00 is a real price; 99.00 alone is not
    assert "500" not in reply


async def test_tool_errors_reach_the_model_as_tool_results_and_the_customer_gets_an_answer(
    conversation: tuple[Conversation, FakeOpenRouter], zoho: tuple[FakeZoho, str], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    zoho[0].fail_next(50, 503, product="inventory")  # Zoho down: the catalog mirror answers, and says so
    product = PRODUCTS[SKU]
    answer = f"According to our catalog, {SKU} is {money(float(product.price))} AED. I couldn't find XX-NOPE-1."
    fake.script_tool_call("Understanding", {"intents": ["thanks"]})
    fake.script(
        ScriptedReply(
            tool_calls=[
                {"name": "live_stock", "arguments": {"sku": SKU}},
                {"name": "live_stock", "arguments": {"sku": "XX-NOPE-1"}},
                {"name": "warehouse_map", "arguments": {}},  # a tool that does not exist
                {"name": "live_stock", "arguments": {"code": SKU}},  # wrong arguments
            ]
        )
    )
    fake.script_text(answer)
    reply = await chat.say(f"Thanks! Is {SKU} available? And XX-NOPE-1?")
    assert reply == answer
    results = [json.loads(m["content"]) for m in tool_messages(fake.last_chat)]
    assert len(results) == 4
    assert results[0]["source"] == "catalog_mirror"
    assert all("error" in r for r in results[1:])
    assert len((await chat.state())["facts"]["tool_results"]) == 1  # only a result is a fact, not an error


async def test_a_figure_the_model_passed_to_a_tool_does_not_become_a_fact(
    conversation: tuple[Conversation, FakeOpenRouter], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    fake.script_tool_call("Understanding", {"intents": ["thanks"]})
    fake.script_tool_call("live_stock", {"sku": "1,999.00"})
    fake.script_text("Our best table is 1,999.00 AED!")
    reply = await chat.say("Thanks! What is your best meeting table?")
    assert "1,999.00" not in reply


async def test_tool_calls_stop_after_the_last_round_and_the_model_has_to_write(
    conversation: tuple[Conversation, FakeOpenRouter], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    product = PRODUCTS[SKU]
    answer = f"{SKU}: {money(float(product.price))} AED, {product.available_stock} in stock."
    fake.script_tool_call("Understanding", {"intents": ["thanks"]})
    for _ in range(MAX_TOOL_ROUNDS):
        fake.script_tool_call("live_stock", {"sku": SKU})
    fake.script(ScriptedReply(content=answer, tool_calls=[{"name": "live_stock", "arguments": {"sku": SKU}}]))
    reply = await chat.say(ASKED)
    assert reply == answer
    writes = fake.chat_requests()[1:]
    assert len(writes) == MAX_TOOL_ROUNDS + 1
    assert [w.body.get("tool_choice") for w in writes] == ["auto"] * MAX_TOOL_ROUNDS + ["none"]
    assert len((await chat.state())["facts"]["tool_results"]) == MAX_TOOL_ROUNDS


async def test_a_provider_failure_after_a_tool_call_still_gets_the_customer_a_correct_answer(
    conversation: tuple[Conversation, FakeOpenRouter], live: LiveStock
) -> None:
    chat, fake = conversation
    chat.context.inventory = live
    fake.script_tool_call("Understanding", {"intents": ["price_stock"], "slots": {"skus": [SKU]}})
    fake.script_tool_call("live_stock", {"sku": SKU})
    fake.script_error(429, retry_after=1)  # mid-reply: the provider gives out
    reply = await chat.say(f"How much is {SKU}? Is it in stock?")
    state = await chat.state()
    assert state["reply_meta"]["model"] == "offline"
    product = PRODUCTS[SKU]
    assert money(float(product.price)) in reply
    assert str(product.available_stock) in reply
