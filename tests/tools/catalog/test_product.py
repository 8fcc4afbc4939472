from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest

from sandbox.seed import demo_edge_cases, demo_items
from tools.catalog.normalize import canonical_sku
from tools.catalog.product import Product, product_from_zoho_item


def _products() -> dict[str, Product]:
    return {p.canonical_sku: p for p in (product_from_zoho_item(i) for i in demo_items())}


def _item(sku: str) -> dict[str, Any]:
    return copy.deepcopy(next(i for i in demo_items() if i["sku"] == sku))


def test_every_demo_item_becomes_a_product_with_a_unique_canonical_sku() -> None:
    products = [product_from_zoho_item(i) for i in demo_items()]
    assert len(products) == 863
    assert len({p.canonical_sku for p in products}) == 863
    assert all(re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)*", p.canonical_sku) for p in products)
    assert all(p.currency == "AED" and p.price > 0 for p in products)


def test_odd_sku_formats_get_the_canonical_form_from_edge_cases() -> None:
    by_raw = {p.sku: p for p in (product_from_zoho_item(i) for i in demo_items())}
    for case in demo_edge_cases()["odd_sku_format"]:
        assert by_raw[case["sku"]].canonical_sku == case["canonical"]


def test_html_descriptions_are_plain_text() -> None:
    products = _products()
    for sku in demo_edge_cases()["html_description"]:
        p = next(x for x in products.values() if x.sku == sku)
        assert "<" not in p.description
        assert "&amp;" not in p.description
        assert "&nbsp;" not in p.description
        assert p.description
    item = _item(demo_edge_cases()["html_description"][0])
    item["description"] = "<p><b>Desk</b> &amp; chair&nbsp;set &ndash; oak<br>Line two</p>"
    assert product_from_zoho_item(item).description == "Desk & chair set – oak\nLine two"


def test_stock_precedence_strings_empty_and_negative() -> None:
    base = _item(demo_items()[0]["sku"])
    cases: list[tuple[dict[str, Any], int]] = [
        ({"actual_available_stock": 3, "available_stock": 9, "stock_on_hand": 12}, 3),
        ({"actual_available_stock": "", "available_stock": "7", "stock_on_hand": 12}, 7),
        ({"actual_available_stock": None, "available_stock": " ", "stock_on_hand": "1,204"}, 1204),
        ({"actual_available_stock": -4, "available_stock": -4, "stock_on_hand": -4}, 0),
        ({"actual_available_stock": "5.0"}, 5),
        ({}, 0),
    ]
    for fields, expected in cases:
        item = {
            k: v for k, v in base.items() if k not in ("actual_available_stock", "available_stock", "stock_on_hand")
        }
        item.update(fields)
        assert product_from_zoho_item(item).available_stock == expected, fields


def test_demo_stock_edge_cases() -> None:
    by_raw = {p.sku: p for p in (product_from_zoho_item(i) for i in demo_items())}
    cases = demo_edge_cases()
    for key in ("zero_stock", "negative_stock", "fully_committed_stock"):
        assert all(by_raw[sku].available_stock == 0 for sku in cases[key]), key
    assert all(not by_raw[sku].active for sku in cases["inactive"])


def test_missing_arabic_in_every_mode_gives_none() -> None:
    products = _products()
    for case in demo_edge_cases()["missing_arabic"]:
        p = products[canonical_sku(case["sku"])]
        if case["mode"] in ("both_absent", "both_empty", "name_empty_desc_absent"):
            assert p.name_ar is None, case
        else:
            assert p.name_ar, case
        assert p.description_ar is None, case


def test_custom_fields_dimensions_and_prices() -> None:
    p = _products()["MT-AGOR-200100-WHT"]
    assert p.name_ar
    assert p.name_ar.startswith("طاولة اجتماعات")
    assert p.color == "White"
    assert p.material == "Tempered Glass"
    assert p.collection == "Agora"
    assert p.dimensions_cm is not None
    assert (p.dimensions_cm.width, p.dimensions_cm.depth, p.dimensions_cm.height) == (
        200,
        100,
        75,
    )
    assert p.nominal_width_cm == 200
    assert p.price == Decimal("3500.00")
    assert p.warranty_years == 10
    assert p.lead_time_days == 45
    assert p.last_modified_time is not None
    assert p.last_modified_time.utcoffset() is not None
    # workstations: the width customers mean is the per-seat size in the name, not the cluster footprint
    ws = next(x for x in _products().values() if x.category == "Workstations" and "120x60" in x.name)
    assert ws.nominal_width_cm == 120
    assert ws.dimensions_cm is not None
    assert ws.dimensions_cm.depth != 60


@pytest.mark.parametrize("rate", ["1,249.50", 1249.5, "1249.5"])
def test_rates_as_numbers_or_strings(rate: object) -> None:
    item = _item(demo_items()[0]["sku"])
    item["rate"] = rate
    assert product_from_zoho_item(item).price == Decimal("1249.50")


def test_content_hash_ignores_price_and_stock() -> None:
    item = _item(demo_items()[0]["sku"])
    a = product_from_zoho_item(item)
    item["rate"] = 1.0
    item["actual_available_stock"] = 0
    b = product_from_zoho_item(item)
    item["name"] = item["name"] + " v2"
    c = product_from_zoho_item(item)
    assert a.content_hash() == b.content_hash() != c.content_hash()
