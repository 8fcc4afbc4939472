from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from agent.policies.pricing import price_lines, quote_totals, unit_price
from agent.policies.quote_details import (
    emirate_of,
    is_specific_area,
    is_valid_email,
    missing_details,
    normalise_company,
)
from agent.services.customers import CustomerRecord
from agent.services.quotes import OrderNotPlaced, QuoteLocked, QuoteNotReady
from sandbox import seed
from sandbox.zoho.core import PdfMode
from server.components.documents import DocumentLinks
from tests.agent.commerce.conftest import Commerce
from tools.catalog.product import Product, product_from_zoho_item
from tools.quote_pdf import SellerDetails
from tools.storage import LocalObjectStore
from tools.zoho import Pricebook, SalesOrder

D = Decimal
THREAD = "3f9c1a22:971569107898"  # Blue Dune Interiors, Gold Partners -12%


def catalog() -> list[Product]:
    return [product_from_zoho_item(i) for i in seed.demo_items()]


def two_products() -> list[tuple[Product, int]]:
    active = [p for p in catalog() if p.active and p.name_ar]
    fils = next(p for p in active if p.price != p.price.to_integral_value())
    return [(active[0], 10), (fils, 3)]


async def ready_customer(commerce: Commerce, thread: str = THREAD, chat: str = "971569107898") -> CustomerRecord:
    record = await commerce.customers.identify(thread, chat)
    return replace(
        record,
        name=record.name or "Test Customer",
        email=record.email or "buyer@example.ae",
        delivery_area="Business Bay, Dubai",
    )


async def orders_with(commerce: Commerce, reference: str) -> list[SalesOrder]:
    return await commerce.inventory.find_sales_orders(reference)


# ---- details --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "specific"),
    [
        ("Dubai", False),
        ("dubai ", False),
        ("Dubai, UAE", False),
        ("UAE", False),
        ("دبي", False),
        ("Sharjah", False),
        ("Abu Dhabi, United Arab Emirates", False),
        ("", False),
        ("Dubai Marina", True),
        ("Business Bay, Dubai", True),
        ("Al Quoz 3", True),
        ("JLT Cluster D", True),
        ("مرسى دبي", True),
        ("Musaffah, Abu Dhabi", True),
    ],
)
def test_an_emirate_alone_is_not_a_delivery_address(area: str, specific: bool) -> None:
    assert is_specific_area(area) is specific


def test_details_helpers() -> None:
    assert emirate_of("Business Bay, Dubai") == "Dubai"
    assert emirate_of("مصفح، أبوظبي") == "Abu Dhabi"
    assert emirate_of("Al Quoz") is None
    assert is_valid_email("ahmed@alnoor.ae")
    assert not is_valid_email("ahmed@alnoor")
    assert not is_valid_email("ahmed at alnoor.ae")
    assert normalise_company("Individual") == "individual"
    assert normalise_company("for myself") == "individual"
    assert normalise_company("فرد") == "individual"
    assert normalise_company("  Al Noor   Trading ") == "Al Noor Trading"
    assert normalise_company("") == ""


def test_missing_details_in_the_order_to_ask() -> None:
    assert missing_details({"phone": "+971500000001"}) == ["name", "company", "email", "delivery_area"]
    customer = {"name": "Sara", "company": "individual", "email": "sara@example.ae", "delivery_area": "Dubai"}
    assert missing_details(customer) == ["delivery_area"]  # type: ignore[arg-type]
    customer["delivery_area"] = "Al Barsha 1, Dubai"
    assert missing_details(customer) == []  # type: ignore[arg-type]
    record = CustomerRecord(phone="+971500000001", name="Sara", company="Acme", email="bad")
    assert missing_details(record) == ["email", "delivery_area"]


# ---- quotation and order --------------------------------------------------------------------------------


async def test_a_price_book_customer_gets_price_book_prices_in_the_sales_order(commerce: Commerce) -> None:
    customer = await ready_customer(commerce)
    book = await commerce.inventory.get_pricebook(customer.pricebook_id)
    assert isinstance(book, Pricebook)
    lines = price_lines(two_products(), book)
    for line in lines:
        assert line.price_source == "pricebook"
        assert line.unit_price == (line.list_rate * D("0.88")).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    totals = quote_totals(lines)
    quote = await commerce.quotes.open(THREAD, customer.phone)
    assert quote.quote_id == "WA-971569107898-Q1"
    await commerce.quotes.update(quote.quote_id, totals=totals, customer=customer)
    summary = commerce.quotes.summary(await commerce.quotes.await_confirmation(quote.quote_id))
    assert summary.ready
    facts = summary.as_facts()
    assert facts["total"] == str(totals.total)
    assert facts["vat"] == str(totals.vat)
    assert summary.valid_until.isoformat() == "2026-12-05"

    placed = await commerce.quotes.place_order(quote.quote_id, customer)
    assert placed.created
    assert placed.inventory_contact_id == customer.inventory_contact_id
    orders = await orders_with(commerce, quote.quote_id)
    assert len(orders) == 1
    order = await commerce.inventory.get_sales_order(orders[0].salesorder_id)
    assert order is not None
    assert order.salesorder_number == placed.salesorder_number
    assert order.customer_id == customer.inventory_contact_id
    assert [(x.item_id, x.quantity, x.rate) for x in order.line_items] == [
        (x.item_id, float(x.quantity), x.unit_price) for x in lines
    ]
    assert order.sub_total == totals.subtotal
    assert order.tax_total == totals.vat
    assert order.total == totals.total
    assert placed.zoho_total == totals.total
    stored = await commerce.quotes.get(quote.quote_id)
    assert stored is not None
    assert stored.status == "created"
    assert stored.to_state()["sales_order_number"] == placed.salesorder_number


async def test_totals_with_a_granted_discount_match_zoho(commerce: Commerce) -> None:
    customer = await ready_customer(commerce, "t:list", "971500000002")
    customer = replace(customer, name="Omar Haddad", company="Haddad Consulting FZ-LLC")
    lines = price_lines(two_products())
    subtotal = quote_totals(lines).subtotal
    decision = commerce.policy.decide(subtotal, D(5))
    assert decision.kind == "granted"
    totals = quote_totals(lines, decision.granted_percent)
    quote = await commerce.quotes.open("t:list", customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=totals, customer=customer, discount=decision)
    await commerce.quotes.await_confirmation(quote.quote_id)
    placed = await commerce.quotes.place_order(quote.quote_id)
    order = await commerce.inventory.get_sales_order(placed.salesorder_id)
    assert order is not None
    assert order.discount_amount == totals.discount_amount
    assert order.tax_total == totals.vat
    assert order.total == totals.total


async def test_a_duplicate_yes_makes_one_order(commerce: Commerce) -> None:
    customer = await ready_customer(commerce)
    quote = await commerce.quotes.open(THREAD, customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    await commerce.quotes.await_confirmation(quote.quote_id)
    results = await asyncio.gather(*(commerce.quotes.place_order(quote.quote_id, customer) for _ in range(3)))
    again = await commerce.quotes.place_order(quote.quote_id, customer)
    assert len({r.salesorder_id for r in [*results, again]}) == 1
    assert sum(r.created for r in results) == 1
    assert again.created is False
    assert len(await orders_with(commerce, quote.quote_id)) == 1
    assert commerce.zoho.fake.request_count("inventory", "POST", "/inventory/v1/salesorders") == 1


async def test_a_zoho_5xx_after_the_order_was_written_makes_one_order(commerce: Commerce) -> None:
    customer = await ready_customer(commerce)
    quote = await commerce.quotes.open(THREAD, customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    await commerce.quotes.await_confirmation(quote.quote_id)
    commerce.zoho.fake.fail_after_write(1, 500)
    placed = await commerce.quotes.place_order(quote.quote_id, customer)
    assert placed.created is True
    assert len(await orders_with(commerce, quote.quote_id)) == 1
    assert len(commerce.zoho.fake.inventory.salesorders) == 1
    assert (await commerce.quotes.place_order(quote.quote_id, customer)).salesorder_id == placed.salesorder_id
    assert len(commerce.zoho.fake.inventory.salesorders) == 1


async def test_zoho_down_then_back_still_makes_one_order(commerce: Commerce) -> None:
    customer = await ready_customer(commerce)
    quote = await commerce.quotes.open(THREAD, customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    await commerce.quotes.await_confirmation(quote.quote_id)
    fault = commerce.zoho.fake.fail_next(-1, 503, product="inventory", method="POST", path="/salesorders")
    with pytest.raises(OrderNotPlaced):
        await commerce.quotes.place_order(quote.quote_id, customer)
    stored = await commerce.quotes.get(quote.quote_id)
    assert stored is not None
    assert stored.status == "confirmed"
    assert stored.last_error
    commerce.zoho.fake.faults.faults.remove(fault)
    placed = await commerce.quotes.place_order(quote.quote_id, customer)
    assert placed.created
    assert len(commerce.zoho.fake.inventory.salesorders) == 1


async def test_a_new_customer_gets_an_inventory_contact_once(commerce: Commerce) -> None:
    phone = "971500000003"
    customer = replace(
        await commerce.customers.identify("t:new", phone),
        name="Sara Khan",
        company="individual",
        email="sara@example.ae",
        delivery_area="Al Barsha 1, Dubai",
    )
    assert customer.inventory_contact_id == ""
    quote = await commerce.quotes.open("t:new", customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    await commerce.quotes.await_confirmation(quote.quote_id)
    commerce.zoho.fake.fail_after_write(1, 500, path="/contacts")
    placed = await commerce.quotes.place_order(quote.quote_id, customer)
    created = [c for c in commerce.zoho.fake.inventory.contacts.values() if c.get("mobile") == "+971500000003"]
    assert len(created) == 1
    assert created[0]["contact_id"] == placed.inventory_contact_id
    assert created[0]["customer_sub_type"] == "individual"
    assert created[0]["shipping_address"]["address"] == "Al Barsha 1, Dubai"
    assert created[0]["shipping_address"]["city"] == "Dubai"
    await commerce.quotes.place_order(quote.quote_id, customer)
    assert len([c for c in commerce.zoho.fake.inventory.contacts.values() if "+971500000003" in str(c)]) == 1


async def test_an_order_needs_every_detail_and_a_shown_summary(commerce: Commerce) -> None:
    customer = await commerce.customers.identify(THREAD, "971569107898")
    quote = await commerce.quotes.open(THREAD, customer.phone)
    with pytest.raises(QuoteNotReady):
        await commerce.quotes.place_order(quote.quote_id, customer)  # no lines
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    with pytest.raises(QuoteNotReady):
        await commerce.quotes.place_order(quote.quote_id, customer)  # summary not shown
    await commerce.quotes.await_confirmation(quote.quote_id)
    vague = replace(customer, delivery_area="Dubai", email="x@example.ae", name="A B")
    with pytest.raises(QuoteNotReady) as info:
        await commerce.quotes.place_order(quote.quote_id, vague)
    assert info.value.missing == ["delivery_area"]
    assert commerce.zoho.fake.request_count("inventory", "POST", "/inventory/v1/salesorders") == 0


async def test_declined_and_ordered_quotations_are_closed(commerce: Commerce) -> None:
    customer = await ready_customer(commerce)
    first = await commerce.quotes.open(THREAD, customer.phone)
    assert (await commerce.quotes.open(THREAD, customer.phone)).quote_id == first.quote_id  # replay-safe
    declined = await commerce.quotes.decline(first.quote_id)
    assert declined.status == "declined"
    assert (await commerce.quotes.decline(first.quote_id)).status == "declined"
    with pytest.raises(QuoteLocked):
        await commerce.quotes.update(first.quote_id, customer=customer)
    with pytest.raises(QuoteNotReady):
        await commerce.quotes.place_order(first.quote_id, customer)
    second = await commerce.quotes.open(THREAD, customer.phone)
    assert second.quote_id == "WA-971569107898-Q2"


async def test_a_discount_above_policy_is_an_approval_request_not_a_price(commerce: Commerce) -> None:
    customer = await ready_customer(commerce, "t:big", "971500000004")
    product = next(p for p in catalog() if p.active and p.price > 3000)
    lines = price_lines([(product, 5)])
    subtotal = quote_totals(lines).subtotal
    assert D(10000) <= subtotal < D(50000)
    decision = commerce.policy.decide(subtotal, D(15))
    assert decision.kind == "approval_required"
    assert decision.granted_percent == 0
    totals = quote_totals(lines, decision.granted_percent)
    assert totals.discount_amount == 0
    quote = await commerce.quotes.open("t:big", customer.phone)
    stored = await commerce.quotes.update(quote.quote_id, totals=totals, customer=customer, discount=decision)
    assert stored.discount is not None
    assert stored.discount["kind"] == "approval_required"
    assert stored.totals is not None
    assert stored.totals.total == totals.total
    assert unit_price(product).unit_price == product.price


@pytest.mark.parametrize(("mode", "source"), [("pdf", "zoho"), ("html", "noor")])
async def test_the_quotation_pdf_is_published_behind_a_signed_link(
    commerce: Commerce, tmp_path: Path, mode: PdfMode, source: str
) -> None:
    customer = await ready_customer(commerce)
    quote = await commerce.quotes.open(THREAD, customer.phone)
    await commerce.quotes.update(quote.quote_id, totals=quote_totals(price_lines(two_products())), customer=customer)
    await commerce.quotes.await_confirmation(quote.quote_id)
    await commerce.quotes.place_order(quote.quote_id, customer)
    commerce.zoho.fake.config.pdf_mode = mode
    links = DocumentLinks(secret=b"s", store=LocalObjectStore(tmp_path), base_url="http://noor.test")
    published = await commerce.quotes.publish_pdf(quote.quote_id, SellerDetails(), links)
    assert published.source == source
    assert published.url.startswith("http://noor.test/documents/")
    assert links.verify(published.url.rsplit("/", 1)[1]) == quote.quote_id
    content = await links.load(quote.quote_id)
    assert content is not None
    assert content.startswith(b"%PDF-")
    stored = await commerce.quotes.get(quote.quote_id)
    assert stored is not None
    assert stored.pdf_path == published.path
    assert stored.pdf_source == source
    assert stored.to_state(document_url=published.url)["document_url"] == published.url
