from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import seed
from tests.tools.zoho.conftest import Zoho
from tools.zoho import (
    NewContact,
    NewSalesOrder,
    NewSalesOrderLine,
    ZohoBadResponse,
    ZohoNotFound,
    ZohoRateLimited,
    ZohoRateLimiter,
    ZohoRequestError,
    ZohoUnknownOutcome,
)
from tools.zoho.models import parse_zoho_time

CUSTOMER = "4815000000003880006"  # Al Noor Facilities Management LLC, no price book


def order(reference: str = "NOOR-Q-0001", quantity: int = 2) -> NewSalesOrder:
    item = next(i for i in seed.demo_items() if i["status"] == "active")
    return NewSalesOrder(
        customer_id=CUSTOMER,
        reference_number=reference,
        line_items=[NewSalesOrderLine(item_id=item["item_id"], quantity=Decimal(quantity), rate=Decimal("100.50"))],
        notes="Quotation via WhatsApp (Noor)",
    )


async def test_paging_returns_all_863_items(zoho: Zoho) -> None:
    client = zoho.inventory()
    pages = [page async for page in client.iter_item_pages()]
    ids = [item.item_id for page in pages for item in page.items]
    assert len(ids) == 863
    assert len(set(ids)) == 863
    assert len(pages) == 5
    assert pages[-1].page_context.has_more_page is False
    assert all(isinstance(i, str) and len(i) == 19 for i in ids)
    assert zoho.fake.request_count("inventory", "GET", "/inventory/v1/items") == 5


async def test_incremental_listing_by_last_modified_time(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.clock.advance(60)
    changed = [i["item_id"] for i in seed.demo_items()[:10]]
    for item_id in changed:
        zoho.fake.patch_item(item_id, {"rate": 999.0})
    since = parse_zoho_time(zoho.fake.inventory.items[changed[0]]["last_modified_time"])
    assert since is not None
    assert all((parse_zoho_time(i["last_modified_time"]) or since) < since for i in seed.demo_items())
    got = [item async for item in client.iter_items(last_modified_time=since, sort_column="last_modified_time")]
    assert sorted(i.item_id for i in got) == sorted(changed)
    assert all(i.rate == Decimal("999.0") for i in got)


async def test_stock_as_numbers_strings_empty_or_negative(zoho: Zoho) -> None:
    client = zoho.inventory()
    item_id = seed.demo_items()[0]["item_id"]
    zoho.fake.patch_item(item_id, {"stock_on_hand": " 7 ", "available_stock": "", "actual_available_stock": "-2"})
    item = await client.get_item(item_id)
    assert item is not None
    assert item.stock_on_hand == 7.0
    assert item.available_stock is None
    assert item.actual_available_stock == -2.0
    assert item.available == -2.0
    assert item.locations[0].location_stock_on_hand == 7.0  # detail locations arrive as strings
    zoho.fake.patch_item(item_id, {"actual_available_stock": None})
    assert (await client.get_item(item_id)).available == 7.0  # type: ignore[union-attr]
    negatives = set(seed.demo_edge_cases()["negative_stock"])
    sku_to_id = {i["sku"]: i["item_id"] for i in seed.demo_items()}
    negative = [
        i for i in await client.get_items([sku_to_id[s] for s in negatives if s in sku_to_id]) if i.stock_on_hand
    ]
    assert negative
    assert all(i.stock_on_hand is not None and i.stock_on_hand < 0 for i in negative)
    assert await client.get_item("4815000000000000000") is None
    zoho.fake.config.stock_as_strings = True
    served = [i async for i in client.iter_items()]
    by_id = {i["item_id"]: i for i in seed.demo_items()}
    assert all(i.stock_on_hand == by_id[i.item_id]["stock_on_hand"] for i in served if i.item_id != item_id)


async def test_expired_token_is_refreshed_once_and_the_call_retried(zoho: Zoho) -> None:
    # The cache runs on the wall clock, so it still trusts the token the fake has expired: the API says 401 57.
    client = zoho.inventory(tokens=zoho.tokens(real_clock=True))
    assert (await client.list_items(per_page=1)).items
    zoho.fake.clock.advance(3601)
    assert (await client.list_items(per_page=1)).items
    statuses = [r.status for r in zoho.fake.requests if r.product == "inventory"]
    assert statuses == [200, 401, 200]
    assert zoho.fake.refresh_count("demo-inventory-refresh-token") == 2


async def test_429_code_44_backs_off_then_succeeds(zoho: Zoho) -> None:
    zoho.fake.config.per_minute_limit = 3
    client = zoho.inventory()
    start = zoho.fake.clock.now()
    for _ in range(5):
        assert (await client.list_items(per_page=1)).items
    statuses = [r.status for r in zoho.fake.requests if r.product == "inventory"]
    assert statuses.count(429) == 1
    assert statuses.count(200) == 5
    assert zoho.fake.clock.now() - start >= 60  # honoured Retry-After in (virtual) time


async def test_retry_after_as_http_date_and_concurrency_code_1070(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.fail_next(1, 429, product="inventory", code=1070, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    zoho.fake.fail_next(1, 429, product="inventory", code=44, retry_after="7")
    assert (await client.list_items(per_page=1)).items
    assert [r.status for r in zoho.fake.requests if r.product == "inventory"] == [429, 429, 200]


async def test_daily_quota_code_45_is_raised_not_waited_for(zoho: Zoho) -> None:
    zoho.fake.config.daily_limit = 2
    client = zoho.inventory()
    await client.list_items(per_page=1)
    await client.list_items(per_page=1)
    with pytest.raises(ZohoRateLimited) as caught:
        await client.list_items(per_page=1)
    assert caught.value.code == 45


async def test_daily_quota_code_45_is_waited_for_only_when_retry_after_is_short(zoho: Zoho) -> None:
    client = zoho.inventory()
    start = zoho.fake.clock.now()
    zoho.fake.fail_next(1, 429, product="inventory", code=45, retry_after="30")  # the day ends in 30 s
    assert (await client.list_items(per_page=1)).items
    assert [r.status for r in zoho.fake.requests if r.product == "inventory"] == [429, 200]
    assert zoho.fake.clock.now() - start >= 30
    zoho.fake.fail_next(1, 429, product="inventory", code=45)  # no Retry-After: nothing says when it lifts
    with pytest.raises(ZohoRateLimited) as caught:
        await client.list_items(per_page=1)
    assert caught.value.code == 45


async def test_client_limiter_stays_under_the_org_limit(zoho: Zoho) -> None:
    zoho.fake.config.per_minute_limit = 5
    limiter = ZohoRateLimiter(max_requests=5, per_seconds=60, clock=zoho.fake.clock.now, sleep=zoho.fake.clock.sleep)
    client = zoho.inventory(limiter=limiter)
    for _ in range(12):
        await client.list_items(per_page=1)
    assert all(r.status == 200 for r in zoho.fake.requests if r.product == "inventory")


async def test_gets_retry_5xx_but_posts_do_not(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.fail_next(2, 503, product="inventory", method="GET", path="/items")
    assert (await client.list_items(per_page=1)).items
    zoho.fake.fail_next(1, 500, product="inventory", method="POST", path="/contacts")
    with pytest.raises(ZohoUnknownOutcome):
        await client.create_contact(NewContact(contact_name="Desert Rose Interiors"))
    assert zoho.fake.request_count("inventory", "POST") == 1


async def test_sales_order_created_once_despite_a_duplicate_call(zoho: Zoho) -> None:
    client = zoho.inventory()
    first = await client.create_sales_order_once(order())
    second = await client.create_sales_order_once(order())
    assert first.created is True
    assert second.created is False
    assert second.order.salesorder_id == first.order.salesorder_id
    assert len(await client.find_sales_orders("NOOR-Q-0001")) == 1
    assert first.order.sub_total == Decimal("201.00")
    assert first.order.tax_total == Decimal("10.05")
    assert first.order.total == Decimal("211.05")
    assert second.order.line_items[0].quantity == 2


async def test_sales_order_created_once_despite_5xx_after_the_write(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.fail_after_write()
    result = await client.create_sales_order_once(order("NOOR-Q-0002"))
    assert result.created is True
    assert result.order.reference_number == "NOOR-Q-0002"
    assert len(await client.find_sales_orders("NOOR-Q-0002")) == 1
    assert zoho.fake.request_count("inventory", "POST", "/inventory/v1/salesorders") == 1


async def test_sales_order_created_once_despite_a_timeout_after_the_write(zoho: Zoho) -> None:
    client = zoho.inventory(timeout_seconds=0.3)
    zoho.fake.slow_next(1, 1.0, after_write=True, product="inventory", method="POST", path="/salesorders")
    result = await client.create_sales_order_once(order("NOOR-Q-0003"))
    assert result.created is True
    assert len(await client.find_sales_orders("NOOR-Q-0003")) == 1
    assert zoho.fake.request_count("inventory", "POST", "/inventory/v1/salesorders") == 1


async def test_sales_order_reposted_only_when_the_failed_post_left_nothing(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.fail_next(1, 502, product="inventory", method="POST", path="/salesorders")
    result = await client.create_sales_order_once(order("NOOR-Q-0004"))
    assert result.created is True
    assert len(await client.find_sales_orders("NOOR-Q-0004")) == 1
    assert zoho.fake.request_count("inventory", "POST", "/inventory/v1/salesorders") == 2


async def test_sales_order_key_variants_status_and_listing(zoho: Zoho) -> None:
    client = zoho.inventory()
    zoho.fake.config.sales_order_key = "sales_order"
    created = await client.create_sales_order(order("NOOR-Q-0005"))
    await client.confirm_sales_order(created.salesorder_id)
    fetched = await client.get_sales_order(created.salesorder_id)
    assert fetched is not None
    assert fetched.status == "confirmed"
    by_number = await client.find_sales_order_by_number(created.salesorder_number)
    assert by_number is not None
    assert by_number.salesorder_id == created.salesorder_id
    listed = await client.list_sales_orders(filters={"customer_id": CUSTOMER})
    assert [o.salesorder_id for o in listed.salesorders] == [created.salesorder_id]
    assert await client.get_sales_order("4815000000000000001") is None


async def test_sales_order_pdf_modes(zoho: Zoho) -> None:
    client = zoho.inventory()
    created = await client.create_sales_order(order("NOOR-Q-0006"))
    pdf = await client.get_sales_order_pdf(created.salesorder_id)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    zoho.fake.config.pdf_mode = "html"
    with pytest.raises(ZohoBadResponse, match="instead of a PDF"):
        await client.get_sales_order_pdf(created.salesorder_id)
    zoho.fake.config.pdf_mode = "json_200"
    with pytest.raises(ZohoBadResponse):
        await client.get_sales_order_pdf(created.salesorder_id)
    zoho.fake.config.pdf_mode = "json_error"
    with pytest.raises(ZohoRequestError):
        await client.get_sales_order_pdf(created.salesorder_id)
    with pytest.raises(ZohoNotFound):
        await client.get_sales_order_pdf("4815000000000000001")


async def test_contacts_by_phone_in_any_stored_format(zoho: Zoho) -> None:
    client = zoho.inventory()
    cases = seed.demo_edge_cases()["contacts"]
    # "+971 54 303 0800" stored; head office and branch share it (older first, deterministic)
    shared = await client.find_contacts_by_phone("971543030800")
    assert [c.contact_id for c in shared] == sorted(cases["shared_mobile_head_office_and_branch"])
    assert [c.contact_id for c in await client.find_contacts_by_phone("0546705557")] == [
        cases["mobile_without_prefix_or_leading_zero"]
    ]
    russian = await client.find_contacts_by_phone("+79164823107")
    assert [c.contact_id for c in russian] == [cases["foreign_mobile_russia"]]
    two = await client.find_contacts_by_phone("055-7654321")
    assert [c.contact_id for c in two] == [cases["two_numbers_in_mobile_field"]]
    assert await client.find_contacts_by_phone("+971500000000") == []
    for contact in seed.demo_inventory_contacts():
        if contact["status"] == "active" and contact["mobile"].strip():
            from tools.zoho import phones_in

            number = phones_in(contact["mobile"])[0]
            found = await client.find_contacts_by_phone(number)
            assert contact["contact_id"] in [c.contact_id for c in found], contact["mobile"]


async def test_create_and_get_contact_and_duplicate_name(zoho: Zoho) -> None:
    client = zoho.inventory()
    created = await client.create_contact(
        NewContact(contact_name="Mirage Co-working LLC", company_name="Mirage Co-working LLC", mobile="+971501112233")
    )
    assert created.contact_id.isdigit()
    fetched = await client.get_contact(created.contact_id)
    assert fetched is not None
    assert fetched.phones == ["+971501112233"]
    assert [c.contact_id for c in await client.find_contacts_by_phone("050 111 2233")] == [created.contact_id]
    with pytest.raises(ZohoRequestError) as caught:
        await client.create_contact(NewContact(contact_name="mirage co-working llc"))
    assert caught.value.code == 3062


async def test_pricebooks(zoho: Zoho) -> None:
    client = zoho.inventory()
    books = await client.list_pricebooks()
    assert len(books) == 3
    assert all(b.pricebook_items == [] for b in books)  # lines only in the detail
    tender = next(b for b in books if b.name == "Government Tender")
    detail = await client.get_pricebook(tender.pricebook_id)
    assert detail is not None
    assert len(detail.pricebook_items) == 150
    line = detail.pricebook_items[0]
    assert detail.price_for(line.item_id, Decimal("1")) == line.pricebook_rate
    gold = await client.get_pricebook(next(b.pricebook_id for b in books if b.pricebook_type == "fixed_percentage"))
    assert gold is not None
    assert gold.price_for("x", Decimal("1000.00")) == Decimal("880.00")
    assert await client.get_pricebook("4815000000000000002") is None
