from __future__ import annotations

import random
from decimal import Decimal

import pytest

from agent.policies.pricing import (
    DiscountPolicy,
    ItemUnavailable,
    PricingError,
    QuoteLine,
    QuoteTotals,
    VolumeTier,
    fils,
    parse_tiers,
    price_lines,
    quote_line,
    quote_totals,
    unit_price,
)
from sandbox import seed
from tools.catalog.product import Product, product_from_zoho_item
from tools.zoho.models import Pricebook

D = Decimal
GOLD = "4815000000002210008"
TENDER = "4815000000002210014"
FITOUT = "4815000000002210037"


def books() -> dict[str, Pricebook]:
    return {p["pricebook_id"]: Pricebook.model_validate(p) for p in seed.demo_pricebooks()}


def products() -> dict[str, Product]:
    return {i["item_id"]: product_from_zoho_item(i) for i in seed.demo_items()}


def product(price: str, *, item_id: str = "1", active: bool = True, sku: str = "SKU-1") -> Product:
    return Product(
        sku=sku, canonical_sku=sku, item_id=item_id, name=f"Item {sku}", price=D(price), active=active, unit="pcs"
    )


def line(price: str, quantity: int, sku: str = "A") -> QuoteLine:
    return QuoteLine(
        item_id=sku, sku=sku, name=sku, quantity=quantity, unit_price=D(price), list_rate=D(price), price_source="list"
    )


# ---- unit prices -------------------------------------------------------------------------------------------


def test_list_rate_without_pricebook() -> None:
    item = next(p for p in products().values() if p.active and p.price == D("433.50"))
    price = unit_price(item)
    assert price.unit_price == D("433.50")
    assert price.source == "list"
    assert price.pricebook_id is None


def test_gold_partners_percentage_list_on_every_active_item() -> None:
    gold = books()[GOLD]
    assert gold.pricebook_type == "fixed_percentage"
    for item in products().values():
        if not item.active:
            continue
        price = unit_price(item, gold)
        expected = (item.price * 88 / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert price.unit_price == expected, item.sku
        assert price.source == "pricebook"
        assert price.pricebook_name == "Gold Partners -12%"
    chair = next(p for p in products().values() if p.active and p.price == D("433.50"))
    assert unit_price(chair, gold).unit_price == D("381.48")  # 433.50 x 0.88 = 381.48


def test_per_item_lists_use_their_lines_and_fall_back_to_the_list_rate() -> None:
    catalog = products()
    for book_id in (TENDER, FITOUT):
        book = books()[book_id]
        lines = {line.item_id: line.pricebook_rate for line in book.pricebook_items}
        active_lines = [i for i in lines if catalog[i].active]
        assert active_lines
        for item_id in active_lines:
            price = unit_price(catalog[item_id], book)
            assert price.unit_price == fils(lines[item_id] or 0)
            assert price.source == "pricebook"
        outside = next(p for p in catalog.values() if p.active and p.item_id not in lines)
        assert unit_price(outside, book).source == "list"
        assert unit_price(outside, book).unit_price == outside.price


def test_tender_prices_above_list_rate_are_honoured() -> None:
    catalog = products()
    tender = books()[TENDER]
    above = [
        line
        for line in tender.pricebook_items
        if catalog[line.item_id].active and (line.pricebook_rate or 0) > catalog[line.item_id].price
    ]
    assert above, "the demo data has tender lines above the list rate"
    price = unit_price(catalog[above[0].item_id], tender)
    assert price.unit_price > price.list_rate
    assert price.saving_percent < 0


def test_inactive_items_are_never_priced_even_when_a_price_list_has_a_line() -> None:
    catalog = products()
    for book_id in (TENDER, FITOUT):
        book = books()[book_id]
        inactive = [line.item_id for line in book.pricebook_items if not catalog[line.item_id].active]
        assert inactive
        for item_id in inactive:
            with pytest.raises(ItemUnavailable):
                unit_price(catalog[item_id], book)
    with pytest.raises(ItemUnavailable):
        unit_price(product("10.00", active=False))


def test_inactive_and_foreign_currency_price_books_are_ignored() -> None:
    gold = books()[GOLD]
    item = product("100.00")
    assert unit_price(item, gold.model_copy(update={"status": "inactive"})).unit_price == D("100.00")
    assert unit_price(item, gold.model_copy(update={"currency_code": "USD"})).source == "list"
    assert unit_price(item, gold).unit_price == D("88.00")


def test_percentage_rounding_is_half_up_to_fils() -> None:
    book = Pricebook(pricebook_id="x", pricebook_type="fixed_percentage", percentage=15, currency_code="AED")
    assert unit_price(product("0.10"), book).unit_price == D("0.09")  # 0.085 → 0.09 (half-even would give 0.08)
    assert unit_price(product("1249.50"), book).unit_price == D("1062.08")  # 1062.075
    markup = book.model_copy(update={"is_increase": True, "percentage": 10})
    assert unit_price(product("99.99"), markup).unit_price == D("109.99")  # 109.989


# ---- lines and totals -------------------------------------------------------------------------------------


def test_totals_are_exact_with_vat_on_the_discounted_subtotal() -> None:
    lines = [line("1249.50", 3), line("433.50", 10, "B"), line("0.01", 7, "C")]
    totals = quote_totals(lines, 5)
    assert [x.line_total for x in lines] == [D("3748.50"), D("4335.00"), D("0.07")]
    assert totals.subtotal == D("8083.57")
    assert totals.discount_amount == D("404.18")  # 404.1785
    assert totals.taxable == D("7679.39")
    assert totals.vat == D("383.97")  # 383.9695
    assert totals.total == D("8063.36")
    assert totals.currency == "AED"
    assert totals.vat_percent == D(5)


def test_vat_rounds_half_up() -> None:
    assert quote_totals([line("10.10", 1)]).vat == D("0.51")  # 0.505
    assert quote_totals([line("0.10", 1)]).vat == D("0.01")  # 0.005
    assert quote_totals([line("0.09", 1)]).vat == D("0.00")  # 0.0045


def test_totals_match_integer_arithmetic_on_random_quotes() -> None:
    rng = random.Random(20260214)
    for _ in range(2000):
        lines = [line(f"{rng.randint(1, 2_500_000) / 100:.2f}", rng.randint(1, 60), str(i)) for i in range(5)]
        percent = rng.choice([0, 1, 2.5, 5, 7.75, 8, 12])
        totals = quote_totals(lines, D(str(percent)))
        cents = sum(int(x.unit_price * 100) * x.quantity for x in lines)
        discount = (cents * D(str(percent)) / 100).quantize(D(1), rounding="ROUND_HALF_UP")
        taxable = cents - int(discount)
        vat = (D(taxable) * 5 / 100).quantize(D(1), rounding="ROUND_HALF_UP")
        assert totals.subtotal == D(cents) / 100
        assert totals.discount_amount == discount / 100
        assert totals.taxable == D(taxable) / 100
        assert totals.vat == vat / 100
        assert totals.total == (D(taxable) + vat) / 100
        assert totals.total.as_tuple().exponent == -2


def test_price_lines_merge_the_same_item_and_keep_arabic_names() -> None:
    gold = books()[GOLD]
    chair = next(p for p in products().values() if p.active and p.name_ar)
    lines = price_lines([(chair, 2), (chair, 3)], gold)
    assert len(lines) == 1
    assert lines[0].quantity == 5
    assert lines[0].name_ar == chair.name_ar
    assert lines[0].price_source == "pricebook"
    cart = lines[0].to_cart_line()
    assert cart["price_source"] == "pricebook"
    assert cart["unit_price"] == float(lines[0].unit_price)


def test_json_round_trip_keeps_every_amount() -> None:
    chair = next(p for p in products().values() if p.active and p.name_ar)
    totals = quote_totals([quote_line(chair, 4, books()[GOLD]), line("1249.50", 3)], D("2.5"))
    again = QuoteTotals.from_json(totals.to_json())
    assert again == totals


def test_invalid_quotes_are_refused() -> None:
    with pytest.raises(PricingError):
        line("10.00", 0)
    with pytest.raises(PricingError):
        line("-1.00", 1)
    with pytest.raises(PricingError):
        quote_totals([])
    with pytest.raises(PricingError):
        quote_totals([line("10.00", 1)], 101)
    with pytest.raises(PricingError):
        quote_totals([line("10.00", 1)], -1)


# ---- discount policy --------------------------------------------------------------------------------------


def test_tiers_parse_from_settings_text() -> None:
    assert parse_tiers("25000:8, 10000:5,50000:12") == (
        VolumeTier(D(10000), D(5)),
        VolumeTier(D(25000), D(8)),
        VolumeTier(D(50000), D(12)),
    )


@pytest.mark.parametrize(
    ("subtotal", "requested", "kind", "granted", "reason"),
    [
        ("12000", "0", "none", "0", "none"),
        ("9999.99", "3", "approval_required", "0", "no_tier"),
        ("10000", "5", "granted", "5", "within_policy"),
        ("12000", "3", "granted", "3", "within_policy"),
        ("12000", "6", "approval_required", "0", "above_tier"),
        ("30000", "5", "granted", "5", "within_policy"),
        ("30000", "7", "approval_required", "0", "above_bot_limit"),
        ("30000", "10", "approval_required", "0", "above_tier"),
        ("49999.99", "5", "granted", "5", "within_policy"),
        ("50000", "2", "approval_required", "0", "director_approval"),
        ("80000", "12", "approval_required", "0", "director_approval"),
    ],
)
def test_discount_decisions(subtotal: str, requested: str, kind: str, granted: str, reason: str) -> None:
    decision = DiscountPolicy().decide(D(subtotal), D(requested))
    assert decision.kind == kind
    assert decision.granted_percent == D(granted)
    assert decision.reason == reason
    assert decision.needs_approval == (kind == "approval_required")
    if decision.needs_approval:
        assert decision.granted_percent == 0  # never a promise


def test_requested_amounts_and_price_book_customers() -> None:
    policy = DiscountPolicy()
    by_amount = policy.decide(D("12000"), requested_amount=D("600"))
    assert by_amount.kind == "granted"
    assert by_amount.requested_percent == D("5.00")
    assert policy.decide(D("12000"), requested_amount=D("601")).kind == "approval_required"
    partner = policy.decide(D("20000"), D("3"), pricebook_customer=True)
    assert partner.kind == "approval_required"
    assert partner.reason == "pricebook_customer"
    combined = DiscountPolicy(combine_with_pricebook=True).decide(D("20000"), D("3"), pricebook_customer=True)
    assert combined.kind == "granted"


def test_a_bot_without_authority_asks_for_every_discount() -> None:
    policy = DiscountPolicy(bot_max_percent=D(0))
    decision = policy.decide(D("30000"), D("1"))
    assert decision.kind == "approval_required"
    assert decision.allowed_percent == 0
    assert decision.tier_percent == 8
    generous = DiscountPolicy(bot_max_percent=D(10), approval_from_subtotal=None)
    assert generous.decide(D("60000"), D("10")).kind == "granted"
    assert generous.decide(D("60000"), D("12.5")).reason == "above_tier"
