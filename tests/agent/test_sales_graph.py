"""The sales graph's behaviour on the real demo catalog with the offline model: every number from tools."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from langchain_core.messages import AnyMessage

from agent.language import Language
from agent.models.base import Reply, ReplyBrief
from agent.models.offline import OfflineModel
from agent.policies.pricing import DiscountPolicy
from sandbox.seed import demo_edge_cases
from tests.support.conversation import PRODUCTS, Conversation, Services, money

BUDGETED = {
    "en": "I need 8 ergonomic chairs, 6,000 AED total",
    "ar": "أبي ٨ كراسي مكتب بميزانية ٦٠٠٠ درهم إجمالي",
    "ru": "Нужно 8 офисных кресел, бюджет 6000 дирхам всего",
}


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_a_budgeted_request_gets_options_that_fit_with_correct_totals(
    services: Services, language: Language
) -> None:
    chat = Conversation(services)
    reply = await chat.say(BUDGETED[language])
    offered = (await chat.state())["offered"]
    assert 1 <= len(offered) <= 3
    for option in offered:
        product = PRODUCTS[option["sku"]]
        assert float(product.price) <= 750
        assert product.available_stock >= 8
        assert "Chair" in product.category
        assert f"8 × {money(float(product.price))} = *{money(8 * float(product.price))}" in reply
    assert (await chat.state())["language"] == language


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "How much is MT-AGOR-200100-WHT? Is it in stock?"),
        ("ar", "كم سعر MT-AGOR-200100-WHT؟"),
        ("ru", "Сколько стоит mt agor 200100 wht?"),
    ],
)
async def test_an_exact_sku_question_gets_its_price_and_stock_and_no_quotation_push(
    services: Services, language: Language, question: str
) -> None:
    reply = await Conversation(services).say(question)
    product = PRODUCTS["MT-AGOR-200100-WHT"]
    assert money(float(product.price)) in reply
    assert str(product.available_stock) in reply
    assert not any(word in reply.lower() for word in ("quotation", "عرض سعر", "предложение"))


async def test_an_out_of_stock_item_gets_an_in_stock_alternative(services: Services) -> None:
    sku = next(s for s in demo_edge_cases()["zero_stock"] if PRODUCTS[s].active and PRODUCTS[s].category)
    chat = Conversation(services)
    reply = await chat.say(f"Do you have {sku}?")
    options = (await chat.state())["facts"]["options"]
    assert options
    assert all(PRODUCTS[o["sku"]].available_stock > 0 for o in options)
    assert all(PRODUCTS[o["sku"]].category == PRODUCTS[sku].category for o in options)
    assert options[0]["sku"] in reply


@pytest.mark.parametrize(
    ("language", "pick", "correction"),
    [("en", "the second one", "make it 9"), ("ar", "الثاني", "خليها ٩"), ("ru", "второй", "давайте 9")],
)
async def test_a_correction_changes_the_quantity_and_the_total(
    services: Services, language: Language, pick: str, correction: str
) -> None:
    chat = Conversation(services)
    await chat.say(BUDGETED[language])
    second = (await chat.state())["offered"][1]
    await chat.say(pick)
    reply = await chat.say(correction)
    state = await chat.state()
    assert state["request"]["quantity"] == 9
    assert state["facts"]["product"]["sku"] == second["sku"]
    assert money(9 * second["price"]) in reply


@pytest.mark.parametrize(
    ("language", "question", "expected"),
    [
        ("en", "Do you deliver to Abu Dhabi?", "Abu Dhabi"),
        ("ar", "كم مدة التوصيل؟", "أيام عمل"),
        ("ru", "Какая у вас гарантия?", "лет"),
    ],
)
async def test_a_delivery_or_warranty_question_is_answered_from_the_knowledge_base(
    services: Services, language: Language, question: str, expected: str
) -> None:
    chat = Conversation(services)
    reply = await chat.say(question)
    facts = (await chat.state())["facts"]
    assert facts["kind"] == "faq"
    assert facts["answer"] in reply
    assert expected in reply


@pytest.mark.parametrize(
    ("language", "question", "expected"),
    [
        ("en", "What payment methods do you accept?", "Bank transfer"),
        ("ar", "ما هي طرق الدفع؟", "تحويل بنكي"),
        ("ru", "Какие способы оплаты вы принимаете?", "перевод"),
    ],
)
async def test_a_payment_question_is_answered_with_the_payment_methods(
    services: Services, language: Language, question: str, expected: str
) -> None:
    chat = Conversation(services)
    reply = await chat.say(question)
    state = await chat.state()
    assert state["faq_topic"] == "payment"
    assert state["facts"]["kind"] == "faq"
    assert expected in reply
    assert "14" not in reply  # not the quotation's validity (14 days), which also mentions payment


async def test_a_russian_question_about_a_product_code_is_answered_in_russian(services: Services) -> None:
    chat = Conversation(services)
    reply = await chat.say("Есть AC-STEP-RK-BLK?")
    assert (await chat.state())["language"] == "ru"
    assert "AC-STEP-RK-BLK" in reply
    assert "без НДС" in reply


@pytest.mark.parametrize(
    ("language", "question"),
    [("en", "Do you sell laptops?"), ("ar", "عندكم ثلاجة؟"), ("ru", "Продаёте холодильники?")],
)
async def test_an_item_the_shop_does_not_sell_gets_an_honest_answer_without_escalation(
    services: Services, language: Language, question: str
) -> None:
    chat = Conversation(services)
    reply = await chat.say(question)
    state = await chat.state()
    assert state["facts"]["kind"] == "no_match"
    assert not state.get("escalation")
    assert any(word in reply for word in ("don't carry", "ما نوفر", "не продаём"))


class LyingModel(OfflineModel):
    """Understands like the offline model but invents a discount price."""

    name = "liar"

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        return Reply(
            text="Special today: only 99.50 AED per chair, item XX-FAKE-001!", model=self.name, prompt_version="liar@1"
        )


async def test_the_model_is_never_the_source_of_a_number(services: Services) -> None:
    chat = Conversation(services, model=LyingModel())
    reply = await chat.say(BUDGETED["en"])
    assert "99.50" not in reply
    assert "XX-FAKE-001" not in reply
    for option in (await chat.state())["offered"]:
        assert money(option["price"]) in reply


@pytest.mark.parametrize(
    ("first", "opt_out", "expected"),
    [
        ("need 6 mesh chairs under 900 each", "please stop sending me messages", "reminders"),
        ("عندكم مكاتب خشب؟", "لا شكرا", "تذكير"),
        ("нужны стулья для переговорной", "не пишите мне больше", "напоминания"),
    ],
)
async def test_a_customer_who_opts_out_is_told_no_more_reminders_will_come(
    services: Services, first: str, opt_out: str, expected: str
) -> None:
    chat = Conversation(services)
    await chat.say(first)
    reply = await chat.say(opt_out)
    state = await chat.state()
    assert state["understanding"]["slots"]["opt_out"]
    assert expected in reply
    assert "?" not in reply
    assert not state.get("escalation", {}).get("active")


DISCOUNT_AFTER_OPTIONS = {  # (the request, then the discount question before any model is chosen)
    "en": (
        "we need 30 leather executive chairs for the board floor",
        "will you knock something off if we take all 30?",
    ),
    "ar": ("نحتاج ٣٠ كرسي مدير جلد لدور الإدارة", "في خصم إذا أخذنا الثلاثين كلها؟"),
    "ru": ("нужно 30 кожаных кресел руководителя на этаж правления", "а скидку сделаете, если возьмём все 30?"),
}


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_a_discount_asked_before_choosing_gets_the_policy_for_each_option_shown(
    language: Language, services: Services
) -> None:
    chat = Conversation(services)
    request, bargain = DISCOUNT_AFTER_OPTIONS[language]
    await chat.say(request)
    offered = (await chat.state())["offered"]
    assert offered, "options are on the table"
    reply = await chat.say(bargain)
    state = await chat.state()
    assert state["facts"]["kind"] == "discount_terms"
    assert "10,000.00" in reply, "the threshold of the first volume tier is stated"
    policy = DiscountPolicy()
    for option in offered:
        subtotal = 30 * PRODUCTS[option["sku"]].price
        assert money(float(subtotal)) in reply
        terms = next(o for o in state["facts"]["options"] if o["sku"] == option["sku"])
        assert Decimal(terms["allowed_percent"]) == policy.allowed_percent(subtotal), "no more than the policy allows"
        assert terms["manager_decides"] == (subtotal >= 50_000), "above 50,000 AED a manager sets every discount"
    assert not state.get("escalation", {}).get("active"), "a question about terms is answered, not handed over"


DISCOUNT_WITH_SEARCH = {
    "en": "is there any discount on mesh chairs? we'd need about 12",
    "ar": "عندكم خصم على الكراسي الشبك؟ نحتاج تقريبا ١٢",
    "ru": "скидки на сетчатые кресла бывают? нужно штук 12",
}


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_a_discount_asked_with_the_search_gets_the_options_and_the_policy(
    language: Language, services: Services
) -> None:
    chat = Conversation(services)
    reply = await chat.say(DISCOUNT_WITH_SEARCH[language])
    state = await chat.state()
    assert state["offered"], "the products are shown"
    assert state["facts"]["also"]["kind"] == "discount_policy"
    assert "10,000.00" in reply, reply
    assert "5%" in reply, reply
    assert reply.count("?") + reply.count("؟") <= 1, "one question per message"
