"""Requests the eval scenarios found misunderstood: per-piece budgets, product codes with quantities,
a budget given on its own in a running search. The real demo catalog, the offline model, the whole graph."""

from __future__ import annotations

import pytest

from agent.language import Language
from agent.models.offline.slots import product_codes
from tests.support.conversation import PRODUCTS, Conversation, Services, money

PER_PIECE = {
    "en": "I need 6 office chairs, 500 AED each",
    "ar": "أبغى ٦ كراسي مكتب، الميزانية ٥٠٠ درهم للكرسي",
    "ru": "Нужно 6 офисных кресел, бюджет 500 дирхам за штуку",
}


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_a_budget_per_piece_is_not_divided_by_the_quantity(services: Services, language: Language) -> None:
    chat = Conversation(services)
    reply = await chat.say(PER_PIECE[language])
    offered = (await chat.state())["offered"]
    assert offered
    for option in offered:
        product = PRODUCTS[option["sku"]]
        assert "Chair" in product.category
        assert float(product.price) <= 500
        assert f"6 × {money(float(product.price))}" in reply
    assert money(500) in reply


async def test_a_quantity_of_a_product_code_gets_its_total_and_a_correction_changes_it(services: Services) -> None:
    product = PRODUCTS["MC-AIRO-LB-GRY"]
    chat = Conversation(services)
    first = await chat.say("8 x MC-AIRO-LB-GRY please, what's the total?")
    assert money(8 * float(product.price)) in first
    assert money(float(product.price)) in first
    assert str(product.available_stock) in first
    assert "updated" not in first.lower()  # a first mention is answered, not "updated"
    second = await chat.say("Actually make it 12")
    assert money(12 * float(product.price)) in second
    assert second.startswith("Updated")
    assert (await chat.state())["facts"]["kind"] == "quantity_updated"


def assert_no_empty_list(reply: str) -> None:
    """A line announcing a list ("alternatives:") is followed by the list, never by nothing."""
    lines = reply.splitlines()
    for number, line in enumerate(lines):
        if line.rstrip().endswith(":"):
            assert lines[number + 1 :], reply
            assert lines[number + 1].startswith("1. "), reply


@pytest.mark.parametrize(
    "text", ["أبغى ١٠ من MC-AIRO-MB-BLK", "I want 10 of mc-airo-mb-blk", "Нужно 10 шт MC-AIRO-MB-BLK"]
)
async def test_asking_for_more_than_the_stock_of_a_code_says_how_many_there_are(services: Services, text: str) -> None:
    product = PRODUCTS["MC-AIRO-MB-BLK"]
    assert product.available_stock < 10
    chat = Conversation(services)
    reply = await chat.say(text)
    facts = (await chat.state())["facts"]
    assert facts["kind"] == "quantity_short"
    assert str(product.available_stock) in reply
    # and alternatives of the same category that have all 10 in stock, with their totals
    assert facts["options"]
    for option in facts["options"]:
        alternative = PRODUCTS[option["sku"]]
        assert alternative.category == product.category
        assert alternative.available_stock >= 10
        assert option["sku"] in reply
        assert money(10 * float(alternative.price)) in reply
    assert_no_empty_list(reply)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I want 900 of MC-AIRO-MB-BLK"),
        ("ar", "أبغى ٩٠٠ من MC-AIRO-MB-BLK"),
        ("ru", "Нужно 900 шт MC-AIRO-MB-BLK"),
    ],
)
async def test_a_quantity_no_similar_item_has_gets_the_stock_and_no_empty_list(
    services: Services, language: Language, text: str
) -> None:
    product = PRODUCTS["MC-AIRO-MB-BLK"]
    assert all(p.available_stock < 900 for p in PRODUCTS.values() if p.category == product.category)
    chat = Conversation(services)
    reply = await chat.say(text)
    state = await chat.state()
    assert state["facts"]["kind"] == "quantity_short"
    assert state["language"] == language
    assert str(product.available_stock) in reply
    assert product_codes(reply) == [product.canonical_sku]  # no other product offered
    assert_no_empty_list(reply)


@pytest.mark.parametrize(
    ("language", "question"),
    [("en", "How much is XX-NOPE-999?"), ("ar", "كم سعر XX-NOPE-999؟"), ("ru", "Сколько стоит XX-NOPE-999?")],
)
async def test_an_unknown_code_is_said_to_be_unknown_and_nothing_unrelated_is_offered(
    services: Services, language: Language, question: str
) -> None:
    chat = Conversation(services)
    reply = await chat.say(question)
    state = await chat.state()
    assert state["facts"]["kind"] == "sku_unknown"
    assert state["language"] == language
    assert "XX-NOPE-999" in reply
    assert product_codes(reply) == ["XX-NOPE-999"]  # no desks or chairs it did not ask about
    assert not any(money(float(p.price)) in reply for p in PRODUCTS.values())


async def test_a_mistyped_code_gets_the_close_codes_of_its_family(services: Services) -> None:
    chat = Conversation(services)
    reply = await chat.say("Price of MC-AIRO-MB-BLX please?")
    assert (await chat.state())["facts"]["kind"] == "sku_unknown"
    assert "MC-AIRO-MB-BLX" in reply
    suggested = [code for code in product_codes(reply) if code != "MC-AIRO-MB-BLX"]
    assert suggested
    assert suggested[0] == "MC-AIRO-MB-BLK"  # the most alike first
    for code in suggested:
        assert code.startswith("MC-AIRO-MB-")
        assert money(float(PRODUCTS[code].price)) in reply


async def test_a_budget_given_on_its_own_narrows_the_search_under_way(services: Services) -> None:
    chat = Conversation(services)
    await chat.say("Hi, we need a meeting table")
    await chat.say("For 10 people, budget under 5000 AED")
    state = await chat.state()
    assert state["intent"] == "product_search"
    assert state["facts"]["reason"] == "fits"
    for option in state["offered"]:
        product = PRODUCTS[option["sku"]]
        assert product.category == "Meeting & Conference Tables"
        assert float(product.price) <= 5000


async def test_a_price_question_about_a_code_is_answered_with_that_product(services: Services) -> None:
    product = PRODUCTS["MC-AIRO-MB-BLK"]
    chat = Conversation(services)
    reply = await chat.say("Price and stock of MC-AIRO-MB-BLK please")
    assert (await chat.state())["intent"] == "price_stock"
    assert money(float(product.price)) in reply


def test_codes_are_read_as_customers_write_them_and_words_with_hyphens_are_not() -> None:
    assert product_codes("price of od-form-12070-blk and MC-AIRO-MB-BLK?") == ["OD-FORM-12070-BLK", "MC-AIRO-MB-BLK"]
    assert product_codes("mc-airo-mb-blk please") == ["MC-AIRO-MB-BLK"]
    assert product_codes("is the list up-to-date? a one-on-one meeting") == []


async def test_a_place_name_is_not_taken_for_a_budget(services: Services) -> None:
    chat = Conversation(services)
    await chat.say("Hi, we need a meeting table")
    await chat.say("We are based in Abu Dhabi")
    assert (await chat.state())["intent"] != "product_search"
