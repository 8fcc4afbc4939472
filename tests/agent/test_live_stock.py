"""An exact product code gets the price and stock Zoho Inventory has now (offline model, the real Zoho client
against the fake Zoho); when Zoho fails, the catalog mirror's figures, and the facts say which."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from agent.language import Language
from sandbox.zoho import FakeZoho
from tests.support.conversation import PRODUCTS, Conversation, Services, money
from tests.support.live import live_server
from tests.support.live_stock import live_stock, set_live_figures
from tools.live_stock import LiveStock

SKU = "MT-AGOR-200100-WHT"
QUESTIONS: dict[Language, str] = {
    "en": f"How much is {SKU}? Is it in stock?",
    "ar": f"كم سعر {SKU}؟ متوفر؟",
    "ru": "Сколько стоит mt agor 200100 wht? Есть в наличии?",
}


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


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_an_exact_sku_question_gets_the_live_price_and_stock_from_zoho(
    services: Services, zoho: tuple[FakeZoho, str], live: LiveStock, language: Language
) -> None:
    fake, _ = zoho
    product = PRODUCTS[SKU]
    price, stock = float(product.price) + 125, product.available_stock + 7
    set_live_figures(fake, product.item_id, price=price, stock=stock)
    chat = Conversation(services)
    chat.context.inventory = live
    reply = await chat.say(QUESTIONS[language])
    facts = (await chat.state())["facts"]
    assert facts["kind"] == "sku_info"
    assert facts["product"]["source"] == "zoho_live"
    assert money(price) in reply
    assert str(stock) in reply
    assert money(float(product.price)) not in reply  # not the mirror's figure
    assert fake.request_count("inventory", "GET", f"/inventory/v1/items/{product.item_id}") == 1


async def test_when_zoho_fails_the_mirror_answers_and_the_fact_says_so(
    services: Services, zoho: tuple[FakeZoho, str], live: LiveStock
) -> None:
    fake, _ = zoho
    fake.fail_next(20, 500, product="inventory")
    product = PRODUCTS[SKU]
    chat = Conversation(services)
    chat.context.inventory = live
    reply = await chat.say(QUESTIONS["en"])
    facts = (await chat.state())["facts"]
    assert facts["product"]["source"] == "catalog_mirror"
    assert money(float(product.price)) in reply
    assert str(product.available_stock) in reply


async def test_an_item_sold_out_since_the_last_sync_gets_in_stock_alternatives(
    services: Services, zoho: tuple[FakeZoho, str], live: LiveStock
) -> None:
    fake, _ = zoho
    product = PRODUCTS[SKU]
    assert product.available_stock > 0  # the mirror still thinks it is in stock
    set_live_figures(fake, product.item_id, price=float(product.price), stock=0)
    chat = Conversation(services)
    chat.context.inventory = live
    reply = await chat.say(QUESTIONS["en"])
    facts = (await chat.state())["facts"]
    assert facts["kind"] == "sku_unavailable"
    assert facts["options"]
    for option in facts["options"]:
        assert PRODUCTS[option["sku"]].available_stock > 0
        assert option["sku"] in reply
