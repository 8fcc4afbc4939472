"""Quotations through the webhook, with the offline model and the fake Zoho over HTTP: the customer asks, gives
their details, confirms, and receives the PDF; Zoho Inventory holds exactly one sales order with our lines,
prices, VAT and total, and Zoho CRM one contact, one deal at the right stage and a note."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from evals.fakes import Fakes
from evals.scenario import CrmContactSeed
from tests.support.conversation import PRODUCTS
from tests.support.inbox import graph_escalation, wait_catalog_synced
from tests.support.wazzup import NoorClient


@pytest.fixture
async def fakes(service_url: str, service_database_url: str) -> AsyncIterator[Fakes]:
    await wait_catalog_synced(service_database_url)
    async with httpx.AsyncClient(timeout=30) as http:
        yield Fakes(service_url, http)


async def order_lines(fakes: Fakes, chat: str) -> list[tuple[str, float, float]]:
    (order,) = await fakes.sales_orders(chat)
    return [(line["sku"], float(line["quantity"]), float(line["rate"])) for line in order["line_items"]]


async def test_an_english_quotation_ends_in_one_sales_order_a_pdf_and_a_crm_deal(
    noor: NoorClient, fakes: Fakes, service_url: str
) -> None:
    chat = "971500007001"
    await noor.say(chat, "Hi, I'd like a quotation for 4 x MC-AIRO-MB-BLK")
    (ask,) = await noor.wait_for_replies(chat)
    assert "e-mail" in ask["text"]
    assert "1,734.00" in ask["text"]  # 4 × 433.50, before VAT
    await noor.say(chat, "Sara Khan, Khan Trading LLC, sara@khantrading.ae, Al Quoz, Dubai")
    summary_message = (await noor.wait_for_replies(chat, 2))[-1]
    assert "buttonsObject" not in summary_message  # a plain WhatsApp channel: the summary asks in words alone
    summary = summary_message["text"]
    assert "86.70" in summary  # VAT 5%
    assert "1,820.70" in summary
    assert "Sara Khan" in summary, summary
    assert "Al Quoz" in summary
    assert await fakes.sales_orders(chat) == []  # nothing is ordered before an explicit yes

    await noor.say(chat, "Yes, confirmed")
    sent = await noor.wait_for_replies(chat, 4)
    confirmation, document = sent[2], sent[3]
    assert "SO-" in confirmation["text"]
    assert "1,820.70" in confirmation["text"]
    assert document["contentUri"].startswith(f"{service_url}/documents/")
    pdf = await fakes.http.get(document["contentUri"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    (order,) = await fakes.sales_orders(chat)
    assert await order_lines(fakes, chat) == [("MC-AIRO-MB-BLK", 4.0, 433.5)]
    assert float(order["total"]) == pytest.approx(1820.70)
    assert order["reference_number"].startswith("WA-971500007001-Q")
    assert len(await fakes.crm_contacts(chat)) == 1
    (deal,) = await fakes.deals(chat)
    assert deal["Stage"] == "Proposal/Price Quote"
    assert float(deal["Amount"]) == pytest.approx(1734.0)

    # a duplicate "yes" answers from the quotation and never makes a second order
    await noor.say(chat, "yes")
    again = await noor.wait_for_replies(chat, 5)
    assert "already confirmed" in again[-1]["text"]
    assert len(await fakes.sales_orders(chat)) == 1

    # the customer can ask where the order is: Zoho's exact status
    await noor.say(chat, f"Where is my order {order['salesorder_number']}?")
    status = (await noor.wait_for_replies(chat, 6))[-1]["text"]
    assert order["salesorder_number"] in status
    assert order["status"] in status


async def test_an_arabic_quotation_ends_in_one_sales_order(noor: NoorClient, fakes: Fakes) -> None:
    chat = "971500007002"
    await noor.say(chat, "أبغى عرض سعر لـ ٢ من FC-ARCH-4D-BLK")
    await noor.wait_for_replies(chat)
    await noor.say(chat, "محمد العلي، شركة النخيل للتجارة، m.ali@nakheel-trading.ae، الخليج التجاري دبي")
    summary = (await noor.wait_for_replies(chat, 2))[-1]["text"]
    assert "2,835.00" in summary
    assert "درهم" in summary
    await noor.say(chat, "نعم، أؤكد")
    sent = await noor.wait_for_replies(chat, 4)
    assert sent[-1]["contentUri"]
    assert await order_lines(fakes, chat) == [("FC-ARCH-4D-BLK", 2.0, 1350.0)]


async def test_a_price_book_customer_gets_price_book_prices(noor: NoorClient, fakes: Fakes) -> None:
    chat = "971500007003"
    await fakes.create_customer(
        CrmContactSeed(
            first_name="Maria",
            last_name="Santos",
            company="Blue Dune Interiors",
            email="maria@bluedune.ae",
            pricebook="Gold Partners -12%",
        ),
        chat,
    )
    await noor.say(chat, "Hi, quotation for 4 x MC-AIRO-MB-BLK please, deliver to our Al Barsha office")
    (summary,) = await noor.wait_for_replies(chat)
    assert "Maria" in summary["text"]
    assert "381.48" in summary["text"]  # 433.50 less 12 %
    await noor.say(chat, "Yes, confirm")
    await noor.wait_for_replies(chat, 3)
    assert await order_lines(fakes, chat) == [("MC-AIRO-MB-BLK", 4.0, 381.48)]


async def test_a_discount_above_policy_goes_to_a_manager_and_is_never_promised(
    noor: NoorClient, fakes: Fakes, service_database_url: str
) -> None:
    chat = "971500007004"
    await noor.say(chat, "I want 20 x MC-AIRO-LB-BLK but only with a 30% discount")
    opened = await graph_escalation(service_database_url, chat)
    (reply,) = await noor.wait_for_replies(chat)
    assert opened["reason"] == "discount_beyond_policy"
    assert "manager" in reply["text"]
    assert "30" not in reply["text"]
    assert await fakes.sales_orders(chat) == []


async def test_a_small_discount_request_within_policy_stays_with_the_bot(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500007005"
    await noor.say(chat, "ممكن خصم بسيط إذا أخذت ١٠ كراسي MC-AIRO-LB-BLK؟")
    (reply,) = await noor.wait_for_replies(chat)
    price = float(PRODUCTS["MC-AIRO-LB-BLK"].price)
    assert f"{10 * price:,.2f}" in reply["text"]
    assert "خصم" in reply["text"]
    assert (await noor.settle(chat, 0.5))[-1] == reply
    with pytest.raises(AssertionError):
        await graph_escalation(service_database_url, chat, timeout=0.5)


async def test_a_zoho_5xx_after_the_order_was_written_still_makes_exactly_one_order(
    noor: NoorClient, fakes: Fakes, service_url: str
) -> None:
    chat = "971500007006"
    await noor.say(chat, "Quotation for 2 x MC-AIRO-LB-GRY please")
    await noor.wait_for_replies(chat)
    await noor.say(chat, "John Smith, individual, john@example.com, Dubai Marina")
    await noor.wait_for_replies(chat, 2)
    # Zoho writes the sales order, then answers 502: the outcome is unknown to Noor
    fault = {"kind": "after_write", "product": "inventory", "method": "POST", "path": "/salesorders", "status": 502}
    (await fakes.http.post(f"{service_url}/sandbox/zoho/_control/faults", json=fault)).raise_for_status()
    await noor.say(chat, "yes")
    sent = await noor.wait_for_replies(chat, 4)
    assert "SO-" in sent[2]["text"], [s.get("text") for s in sent]
    assert sent[3]["contentUri"]
    (order,) = await fakes.sales_orders(chat)
    assert order["reference_number"].startswith("WA-971500007006-Q")
    assert len(await noor.settle(chat, 0.5)) == 4


async def test_the_first_product_interest_opens_the_crm_deal_with_a_summary_note(
    noor: NoorClient, fakes: Fakes
) -> None:
    chat = "971500007031"
    await noor.say(chat, "hello, do you have mesh chairs for around 600 dirhams each? need 6 for our studio")
    (options,) = await noor.wait_for_replies(chat)
    assert "AED" in options["text"], options["text"]
    assert len(await fakes.crm_contacts(chat)) == 1, "the contact exists from the first interest, not the quotation"
    (deal,) = await fakes.deals(chat)
    assert deal["Stage"] == "Qualification"
    (note,) = await fakes.notes("Deals", deal["id"])
    assert "Asked for: 6 pcs" in note["Note_Content"], note
    assert "Shown: " in note["Note_Content"]

    await noor.say(chat, "same question again, which of them is the cheapest?")
    await noor.wait_for_replies(chat, 2)
    assert len(await fakes.deals(chat)) == 1, "one deal per opportunity, however many turns"
    assert len(await fakes.notes("Deals", deal["id"])) == 1, "a note at a stage change, not at every turn"
