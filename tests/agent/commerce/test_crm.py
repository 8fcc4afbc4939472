from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from agent.policies.order_reference import parse_order_reference
from agent.policies.pricing import QuoteLine, quote_totals
from agent.services.crm import CrmStages, DealLink, opportunity_key
from agent.services.customers import CustomerRecord
from agent.services.orders import order_status
from tests.agent.commerce.conftest import Commerce
from tools.zoho import Deal, NewSalesOrder, NewSalesOrderLine

D = Decimal
PHONE = "+971500000010"
THREAD = "3f9c1a22:971500000010"
BLUE_DUNE = "4815000000003880072"


def new_customer() -> CustomerRecord:
    return CustomerRecord(phone=PHONE, name="Layla Nasser", company="Nasser Design", email="layla@nasser.ae")


def totals() -> Any:
    line = QuoteLine(
        item_id="1",
        sku="MC-AIRO-MB-BLK",
        name="Airo Mesh Chair – Black, Mid Back",
        quantity=10,
        unit_price=D("433.50"),
        list_rate=D("433.50"),
        price_source="list",
    )
    return quote_totals([line])


async def contacts_with(commerce: Commerce, phone: str) -> list[Any]:
    return await commerce.crm_client.search_contacts_by_phone(phone)


async def deals_of(commerce: Commerce, link: DealLink) -> list[dict[str, Any]]:
    found = await commerce.crm_client.search("Deals", criteria=f"(Deal_Name:equals:{link.opportunity_key})")
    return [d for d in found if link.opportunity_key in str(d.get("Deal_Name"))]


async def deal(commerce: Commerce, deal_id: str) -> Deal:
    got = await commerce.crm_client.get_deal(deal_id)
    assert got is not None
    return got


async def test_the_crm_follows_the_conversation(commerce: Commerce) -> None:
    customer = new_customer()
    interest = await commerce.crm.advance(THREAD, "interest", customer, title="10 x mesh chairs")
    assert interest is not None
    assert interest.created
    assert (await deal(commerce, interest.deal_id)).Stage == "Qualification"
    replay = await commerce.crm.advance(THREAD, "interest", customer, title="10 x mesh chairs")
    assert replay is not None
    assert replay.deal_id == interest.deal_id
    assert not replay.created

    quoted = totals()
    sent = await commerce.crm.advance(THREAD, "quotation_sent", customer, amount=quoted.taxable)
    assert sent is not None
    assert sent.deal_id == interest.deal_id
    stored = await deal(commerce, sent.deal_id)
    assert stored.Stage == "Proposal/Price Quote"
    assert stored.Amount == float(quoted.taxable)
    note_id = await commerce.crm.note_quotation(THREAD, customer, "WA-971500000010-Q1", quoted)
    assert await commerce.crm.note_quotation(THREAD, customer, "WA-971500000010-Q1", quoted) == note_id

    back = await commerce.crm.advance(THREAD, "interest", customer)  # never backwards
    assert back is not None
    assert back.stage == "Proposal/Price Quote"
    won = await commerce.crm.advance(THREAD, "order_confirmed", customer)
    assert won is not None
    assert won.closed
    assert (await deal(commerce, won.deal_id)).Stage == "Closed Won"

    contacts = await contacts_with(commerce, PHONE)
    assert len(contacts) == 1
    assert contacts[0].id == interest.contact_id
    assert contacts[0].Email == "layla@nasser.ae"
    assert len(await deals_of(commerce, interest)) == 1
    assert (await deal(commerce, interest.deal_id)).Contact_Name is not None
    notes = await commerce.crm_client.list_notes("Deals", interest.deal_id)
    assert len(notes) == 1
    assert "WA-971500000010-Q1" in notes[0].Note_Content
    assert "total AED 4,551.75" in notes[0].Note_Content
    assert commerce.zoho.fake.request_count("crm", "POST", "/crm/v7/Deals") == 1


async def test_a_deal_is_never_created_twice_even_after_a_crm_5xx(commerce: Commerce) -> None:
    commerce.zoho.fake.fail_after_write(1, 500, product="crm", path="/Deals")
    link = await commerce.crm.advance(THREAD, "interest", new_customer(), title="desks")
    assert link is not None
    assert len(await deals_of(commerce, link)) == 1
    again = await commerce.crm.advance(THREAD, "quotation_sent", new_customer(), amount=D("1000.00"))
    assert again is not None
    assert again.deal_id == link.deal_id
    assert len(await deals_of(commerce, link)) == 1
    assert len(commerce.zoho.fake.crm.records["Deals"]) == 25 + 1


async def test_an_existing_customer_keeps_their_crm_contact(commerce: Commerce) -> None:
    customer = await commerce.customers.identify("t:blue", "971569107898")
    link = await commerce.crm.advance("t:blue", "interest", customer, title="chairs")
    assert link is not None
    assert link.contact_id == customer.crm_contact_id
    assert commerce.zoho.fake.request_count("crm", "POST", "/crm/v7/Contacts") == 0
    assert customer.company in (await deal(commerce, link.deal_id)).Deal_Name


async def test_lost_and_a_new_opportunity(commerce: Commerce) -> None:
    customer = new_customer()
    assert await commerce.crm.advance(THREAD, "lost", customer) is None  # nothing to lose yet
    first = await commerce.crm.advance(THREAD, "interest", customer)
    assert first is not None
    lost = await commerce.crm.advance(THREAD, "lost", customer, reason="Price")
    assert lost is not None
    stored = await deal(commerce, lost.deal_id)
    assert stored.Stage == "Closed Lost"
    assert (stored.model_extra or {}).get("Reason_For_Loss__s") == "Price"
    assert (await commerce.crm.advance(THREAD, "lost", customer)) == replace(lost, moved=False)
    second = await commerce.crm.advance(THREAD, "interest", customer, title="sofas")
    assert second is not None
    assert second.deal_id != first.deal_id
    assert second.opportunity == 2
    assert second.opportunity_key == opportunity_key(THREAD, PHONE, 2)
    assert len(await contacts_with(commerce, PHONE)) == 1


async def test_escalation_note_without_a_deal_goes_on_the_contact(commerce: Commerce) -> None:
    customer = new_customer()
    note_id = await commerce.crm.note_escalation(
        THREAD, customer, episode=1, reason="asked for a 15% discount", summary="20 chairs, budget AED 8,000"
    )
    again = await commerce.crm.note_escalation(THREAD, customer, episode=1, reason="x", summary="y")
    assert again == note_id
    contact = (await contacts_with(commerce, PHONE))[0]
    notes = await commerce.crm_client.list_notes("Contacts", contact.id)
    assert [n.Note_Title for n in notes] == ["Noor: handed to a manager"]
    assert "15% discount" in notes[0].Note_Content


async def test_custom_stage_names_are_used(commerce: Commerce) -> None:
    commerce.zoho.fake.config.deal_pipelines = {"Sales": ["New", "Quoted", "Won", "Lost"]}
    commerce.crm.stages = CrmStages(
        pipeline="Sales", interest="New", quotation_sent="Quoted", order_confirmed="Won", lost="Lost"
    )
    link = await commerce.crm.advance(THREAD, "interest", new_customer())
    assert link is not None
    assert (await deal(commerce, link.deal_id)).Stage == "New"
    sent = await commerce.crm.advance(THREAD, "quotation_sent", new_customer())
    assert sent is not None
    assert (await deal(commerce, sent.deal_id)).Stage == "Quoted"


# ---- order status ------------------------------------------------------------------------------------------


def test_order_references_in_messages() -> None:
    assert parse_order_reference("where is my order SO-00417?") == ("number", "SO-00417")
    assert parse_order_reference("so 417 please") == ("number", "SO-00417")
    assert parse_order_reference("أين طلبي SO-00012") == ("number", "SO-00012")
    assert parse_order_reference("ref WA-971501234567-Q7") == ("reference", "WA-971501234567-Q7")
    assert parse_order_reference("where is my order") is None


async def test_order_status_is_exact_and_private(commerce: Commerce) -> None:
    item = next(iter(commerce.zoho.fake.inventory.items.values()))
    order = NewSalesOrder(
        customer_id=BLUE_DUNE,
        reference_number="WA-971569107898-Q9",
        line_items=[NewSalesOrderLine(item_id=item["item_id"], quantity=D(2), rate=D("100.00"))],
    )
    created = (await commerce.inventory.create_sales_order_once(order)).order
    owner = await commerce.customers.identify("t:blue", "971569107898")

    status = await order_status(commerce.inventory, f"where is {created.salesorder_number}", owner)
    assert status.found
    assert status.status == "draft"
    assert status.total == D("210.00")
    await commerce.inventory.confirm_sales_order(created.salesorder_id)
    assert (await order_status(commerce.inventory, created.salesorder_number.lower(), owner)).status == "confirmed"
    assert (await order_status(commerce.inventory, "WA-971569107898-Q9", owner)).salesorder_number == (
        created.salesorder_number
    )
    latest = await order_status(commerce.inventory, "where is my order?", owner)
    assert latest.salesorder_number == created.salesorder_number

    stranger = CustomerRecord(phone="+971500000099")
    private = await order_status(commerce.inventory, created.salesorder_number, stranger)
    assert private.reason == "not_linked"
    assert private.status is None
    assert (await order_status(commerce.inventory, "SO-99999", owner)).reason == "not_found"
    assert (await order_status(commerce.inventory, "where is my order", stranger)).reason == "no_reference"
    by_phone = CustomerRecord(phone="+971569107898")  # not identified yet, but the order's contact has this phone
    assert (await order_status(commerce.inventory, created.salesorder_number, by_phone)).found
