"""Selling through the webhook: the worker answers from the live catalog mirror, in the customer's language."""

from __future__ import annotations

import psycopg
import pytest

from agent.language import Language
from tests.support.conversation import PRODUCTS, money
from tests.support.wazzup import NoorClient

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
