"""Selling through the webhook: the worker answers from the live catalog mirror, in the customer's language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from agent.language import Language
from prompts import load_system_prompt
from sandbox.openrouter import DEMO_OPENROUTER_KEY
from sandbox.seed import KNOWLEDGE_DIR, demo_edge_cases
from server.web.app import create_app
from tests.server.conftest import service_settings
from tests.support.conversation import PRODUCTS, money
from tests.support.live import free_port, live_server
from tests.support.wazzup import NoorClient

INVENTED_PRICE = re.compile(r"(?<![\d,.])99\.00")

if TYPE_CHECKING:
    from tests.support.db import TestDatabases

BUDGETED: dict[Language, str] = {
    "en": "I need 8 ergonomic chairs, 6,000 AED total",
    "ar": "أبي ٨ كراسي مكتب بميزانية ٦٠٠٠ درهم إجمالي",
    "ru": "Нужно 8 офисных кресел, бюджет 6000 дирхам всего",
}


def offered_skus(text: str) -> list[str]:
    """The product codes a reply shows, in the order it shows them."""
    shown = [sku for sku in PRODUCTS if f"({sku})" in text]
    return sorted(shown, key=lambda sku: text.index(f"({sku})"))


@pytest.mark.parametrize(("language", "chat"), [("en", "971500001001"), ("ar", "971500001002"), ("ru", "971500001003")])
async def test_a_budgeted_request_through_the_webhook_gets_fitting_options_with_totals(
    noor: NoorClient, language: Language, chat: str
) -> None:
    await noor.say(chat, BUDGETED[language])
    (reply,) = await noor.wait_for_replies(chat, timeout=60)
    skus = offered_skus(reply["text"])
    assert skus
    for sku in skus:
        price = float(PRODUCTS[sku].price)
        assert price <= 750
        assert PRODUCTS[sku].available_stock >= 8
        assert f"8 × {money(price)} = *{money(8 * price)}" in reply["text"]


async def test_a_correction_through_the_webhook_changes_quantity_and_total(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500001010"
    await noor.say(chat, BUDGETED["en"])
    first = await noor.wait_for_replies(chat, timeout=60)
    second_sku = offered_skus(first[0]["text"])[1]
    await noor.say(chat, "the second one")
    await noor.wait_for_replies(chat, 2, timeout=60)
    await noor.say(chat, "make it 9")
    replies = await noor.wait_for_replies(chat, 3, timeout=60)
    assert money(9 * float(PRODUCTS[second_sku].price)) in replies[2]["text"]
    with psycopg.connect(service_database_url) as conn:
        models = conn.execute(
            "SELECT DISTINCT m.model FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.chat_id = %s AND m.author = 'bot'",
            (chat,),
        ).fetchall()
    assert models == [("offline",)]


# ----- the model is never the source of a number ------------------------------------------------------------

_AMOUNT = re.compile(r"\d[\d,]*\.\d{2}")
QUOTATION_WORDS = ("quotation", "quote", "عرض سعر", "عرض أسعار", "предложение", "счёт")


def amounts_from_tools(text: str, *extra: float) -> None:
    """Every amount a reply states is a catalog price (or one a tool returned this turn)."""
    known = {money(float(p.price)) for p in PRODUCTS.values()} | {money(value) for value in extra}
    stated = set(_AMOUNT.findall(text))
    assert stated <= known, f"amounts no tool returned: {stated - known}"


def conversation_row(database_url: str, chat: str) -> tuple[str, int, int]:
    """The conversation's mode, its escalations and its bot messages."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT c.mode, (SELECT count(*) FROM escalations e WHERE e.conversation_id = c.id),"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'bot')"
            " FROM conversations c WHERE c.chat_id = %s",
            (chat,),
        ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1]), int(row[2])


# ----- an exact product code: live price and stock from Zoho, no quotation push -----------------------------

SKU = "MT-AGOR-200100-WHT"
SKU_QUESTIONS: dict[Language, str] = {
    "en": f"How much is {SKU}? Is it in stock?",
    "ar": f"كم سعر {SKU}؟ متوفر عندكم؟",
    "ru": "Сколько стоит mt agor 200100 wht? Есть в наличии?",
}


@pytest.mark.parametrize(
    ("language", "chat", "change"), [("en", "971500002001", 11), ("ar", "971500002002", 22), ("ru", "971500002003", 33)]
)
async def test_an_exact_sku_question_gets_its_live_price_and_stock_and_no_quotation_push(
    noor: NoorClient, language: Language, chat: str, change: int
) -> None:
    product = PRODUCTS[SKU]
    price, stock = float(product.price) + change, product.available_stock + change
    zoho = f"{noor.url}/sandbox/zoho/_control"
    patched = await noor.http.patch(
        f"{zoho}/inventory/items/{product.item_id}",
        json={"rate": price, "stock_on_hand": stock, "available_stock": stock, "actual_available_stock": stock},
    )
    patched.raise_for_status()  # changed in Zoho now; the catalog mirror learns it at the next sync
    await noor.say(chat, SKU_QUESTIONS[language])
    (reply,) = await noor.wait_for_replies(chat, timeout=60)
    text = reply["text"]
    assert money(price) in text
    assert re.search(rf"(?<![\d.,]){stock}(?!\d|[.,]\d)", text)
    assert money(float(product.price)) not in text
    assert not any(word in text.lower() for word in QUOTATION_WORDS)
    amounts_from_tools(text, price)
    log = (await noor.http.get(f"{zoho}/requests", params={"product": "inventory", "limit": 1000})).json()
    assert any(r["method"] == "GET" and r["path"].endswith(f"/items/{product.item_id}") for r in log["requests"])


# ----- an item out of stock: an in-stock alternative ---------------------------------------------------------

ZERO_STOCK = next(s for s in demo_edge_cases()["zero_stock"] if s in PRODUCTS and PRODUCTS[s].category)
OUT_OF_STOCK_QUESTIONS: dict[Language, str] = {
    "en": f"Do you have {ZERO_STOCK}?",
    "ar": f"عندكم {ZERO_STOCK}؟ أبي أعرف إذا متوفر",
    "ru": f"Есть в наличии {ZERO_STOCK}?",
}


@pytest.mark.parametrize(("language", "chat"), [("en", "971500002011"), ("ar", "971500002012"), ("ru", "971500002013")])
async def test_an_out_of_stock_item_gets_an_in_stock_alternative(
    noor: NoorClient, language: Language, chat: str
) -> None:
    await noor.say(chat, OUT_OF_STOCK_QUESTIONS[language])
    (reply,) = await noor.wait_for_replies(chat, timeout=60)
    shown = offered_skus(reply["text"])
    assert shown[0] == ZERO_STOCK
    alternatives = shown[1:]
    assert alternatives
    for sku in alternatives:
        assert PRODUCTS[sku].available_stock > 0
        assert PRODUCTS[sku].category == PRODUCTS[ZERO_STOCK].category
    amounts_from_tools(reply["text"])


# ----- a delivery question: the knowledge base answers ------------------------------------------------------

DELIVERY_QUESTIONS: dict[Language, tuple[str, str]] = {
    "en": ("Do you deliver to Abu Dhabi?", "Abu Dhabi"),
    "ar": ("كم مدة التوصيل؟", "أيام عمل"),
    "ru": ("Сколько времени занимает доставка?", "рабочих дн"),
}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("language", "chat"), [("en", "971500002021"), ("ar", "971500002022"), ("ru", "971500002023")])
async def test_a_delivery_question_is_answered_from_the_knowledge_base(
    noor: NoorClient, language: Language, chat: str
) -> None:
    question, expected = DELIVERY_QUESTIONS[language]
    await noor.say(chat, question)
    (reply,) = await noor.wait_for_replies(chat, timeout=60)
    text = reply["text"]
    assert expected in text
    knowledge = _flat("\n".join(f.read_text(encoding="utf-8") for f in sorted(KNOWLEDGE_DIR.glob("*.md"))))
    assert _flat(text)[:80] in knowledge  # the answer is the knowledge base's text, not made up
    amounts_from_tools(text)


# ----- an item the shop does not sell: honest answer, related alternatives, no escalation --------------------

NOT_CARRIED: dict[Language, tuple[str, str]] = {
    "en": ("Do you sell laptops?", "don't carry"),
    "ar": ("عندكم لابتوب؟", "ما نوفر"),
    "ru": ("Продаёте ноутбуки?", "не продаём"),
}


@pytest.mark.parametrize(("language", "chat"), [("en", "971500002031"), ("ar", "971500002032"), ("ru", "971500002033")])
async def test_an_item_the_shop_does_not_sell_gets_an_honest_answer_and_alternatives_without_escalation(
    noor: NoorClient, service_database_url: str, language: Language, chat: str
) -> None:
    question, honest = NOT_CARRIED[language]
    await noor.say(chat, question)
    (reply,) = await noor.wait_for_replies(chat, timeout=60)
    text = reply["text"]
    assert honest in text
    alternatives = offered_skus(text)
    assert alternatives
    assert all(PRODUCTS[sku].available_stock > 0 for sku in alternatives)
    assert any("Monitor Arm" in PRODUCTS[sku].name or "Desk" in PRODUCTS[sku].category for sku in alternatives)
    amounts_from_tools(text)
    assert conversation_row(service_database_url, chat) == ("bot", 0, 1)


# ----- the OpenRouter path through the webhook (fake OpenRouter in the service's sandbox) ----------------------

MODEL = "deepseek/deepseek-v3.2"


@pytest.fixture(scope="module")
def openrouter_service(
    test_databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A second service whose workers write with OpenRouter (the fake mounted in its own sandbox)."""
    database_url = test_databases.fresh()
    port = free_port()
    settings = service_settings(
        database_url,
        tmp_path_factory.mktemp("openrouter-service"),
        port,
        openrouter_api_key=DEMO_OPENROUTER_KEY,
        openrouter_base_url=f"http://127.0.0.1:{port}/sandbox/openrouter/api/v1",
        openrouter_model=MODEL,
    )
    with live_server(create_app(settings), port) as server:
        yield server.url, database_url


@pytest.fixture
async def noor_openrouter(openrouter_service: tuple[str, str]) -> AsyncIterator[NoorClient]:
    client = NoorClient(openrouter_service[0])
    yield client
    await client.aclose()


async def script(noor: NoorClient, *replies: dict[str, Any]) -> None:
    response = await noor.http.post(f"{noor.url}/sandbox/openrouter/_control/script", json=list(replies))
    response.raise_for_status()


def understanding(intent: str, **slots: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": "Understanding", "arguments": {"intents": [intent], "slots": slots}}]}


async def test_through_openrouter_the_prompt_reaches_every_request_and_only_tool_figures_reach_the_customer(
    noor_openrouter: NoorClient, openrouter_service: tuple[str, str]
) -> None:
    noor, database_url = noor_openrouter, openrouter_service[1]
    chat = "971500002041"
    # turn 1: the model invents a price and a stock figure; the customer gets the catalog's instead
    await script(
        noor,
        understanding("product_search", categories=["Ergonomic & Task Chairs"], quantity=8, budget_total=6000),
        {"content": "Great news: all our ergonomic chairs are only 99.00 AED today, 500 in stock!"},
    )
    await noor.say(chat, BUDGETED["en"])
    (first,) = await noor.wait_for_replies(chat, timeout=60)
    assert not INVENTED_PRICE.search(first["text"])  # 399.00 is a real price; 99.00 alone is not
    assert "500 in stock" not in first["text"]
    assert offered_skus(first["text"])
    amounts_from_tools(first["text"], *(8 * float(p.price) for p in PRODUCTS.values()))
    # turn 2: the model looks a product code up with live_stock and states the live figures
    product = PRODUCTS[SKU]
    price, stock = float(product.price) + 44, product.available_stock + 44
    patched = await noor.http.patch(
        f"{noor.url}/sandbox/zoho/_control/inventory/items/{product.item_id}",
        json={"rate": price, "stock_on_hand": stock, "available_stock": stock, "actual_available_stock": stock},
    )
    patched.raise_for_status()
    answer = f"You're welcome! *{product.name}* ({SKU}) is {money(price)} AED excl. VAT, {stock} in stock right now."
    await script(
        noor,
        understanding("thanks"),
        {"tool_calls": [{"name": "live_stock", "arguments": {"sku": SKU}}]},
        {"content": answer},
    )
    await noor.say(chat, f"Thanks! And is {SKU} in stock right now?")
    replies = await noor.wait_for_replies(chat, 2, timeout=60)
    assert replies[1]["text"] == answer
    # every request the fake received carried the system prompt; each reply records model, prompt version and cost
    requests = (await noor.http.get(f"{noor.url}/sandbox/openrouter/api/v1/_requests")).json()
    chats = [r for r in requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 5  # understand + write, understand + write with a tool call + write
    prompt = load_system_prompt("en")
    for request in chats:
        assert request["body"]["messages"][0] == {"role": "system", "content": prompt.text}
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT m.model, m.prompt_version, m.cost FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.chat_id = %s AND m.author = 'bot' ORDER BY m.id",
            (chat,),
        ).fetchall()
    assert [row[0] for row in stored] == [MODEL, MODEL]
    assert stored[0][1].startswith(f"{prompt.version}+guard:offline-en@")  # rewritten by the guard, and says so
    assert stored[1][1] == prompt.version
    assert all(float(row[2]) > 0 for row in stored)
