from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sandbox import seed
from tests.tools.zoho.conftest import Zoho
from tools.zoho import NewDeal, ZohoCrmRecordError, ZohoRateLimited, ZohoUnknownOutcome

CONTACT = "6104223000000418029"  # Ahmed Al Mansoori, Mobile +971543030800


def deal(**changes: object) -> NewDeal:
    fields: dict[str, object] = {
        "Deal_Name": "Al Noor – 10 x Nova Mesh Task Chair",
        "Stage": "Qualification",
        "Pipeline": "Standard (Standard)",
        "Amount": Decimal("11471.25"),
        "Closing_Date": date(2026, 10, 15),
        "Contact_Name": CONTACT,
        "Lead_Source": "WhatsApp",
    }
    fields.update(changes)
    return NewDeal.model_validate(fields)


async def test_search_204_means_none(zoho: Zoho) -> None:
    client = zoho.crm()
    assert await client.find_contact_by_phone("+971 50 000 0000") is None
    assert await client.search("Contacts", email="nobody@example.com") == []
    assert [r.status for r in zoho.fake.requests if r.product == "crm"][:1] == [204]


async def test_search_by_phone_across_stored_formats(zoho: Zoho) -> None:
    client = zoho.crm()
    found = await client.find_contact_by_phone("054-3030800")
    assert found is not None
    assert found.id == CONTACT
    spaced = next(r for r in seed.demo_crm_contacts() if r["Mobile"] == "050 151 5105")
    local = await client.find_contact_by_phone("+971501515105")  # stored as "050 151 5105"
    assert local is not None
    assert local.id == spaced["id"]
    in_phone_field = seed.demo_edge_cases()["contacts"]["crm_number_in_phone_not_mobile"]
    record = next(r for r in seed.demo_crm_contacts() if r["id"] == in_phone_field)
    via_phone = await client.find_contact_by_phone(record["Phone"])
    assert via_phone is not None
    assert via_phone.id == in_phone_field


async def test_duplicate_contacts_pick_the_oldest(zoho: Zoho) -> None:
    client = zoho.crm()
    first, second = seed.demo_edge_cases()["contacts"]["crm_duplicate_contact_same_mobile"]
    record = next(r for r in seed.demo_crm_contacts() if r["id"] == first)
    contacts = await client.search_contacts_by_phone(record["Mobile"] or record["Phone"])
    assert {c.id for c in contacts} == {first, second}
    chosen = await client.find_contact_by_phone(record["Mobile"] or record["Phone"])
    assert chosen is not None
    assert chosen.id == contacts[0].id
    assert contacts[0].Created_Time <= contacts[1].Created_Time


async def test_deal_validation_errors_are_typed(zoho: Zoho) -> None:
    client = zoho.crm()
    with pytest.raises(ZohoCrmRecordError) as missing:
        await client.create_deal(deal(Stage=""))
    assert missing.value.code == "MANDATORY_NOT_FOUND"
    assert missing.value.api_name == "Stage"
    assert missing.value.json_path == "$.data[0].Stage"
    with pytest.raises(ZohoCrmRecordError) as stage:
        await client.create_deal(deal(Stage="Quote Sent"))
    assert (stage.value.code, stage.value.api_name) == ("INVALID_DATA", "Stage")
    with pytest.raises(ZohoCrmRecordError) as pipeline:
        await client.create_deal(deal(Pipeline="Retail"))
    assert (pipeline.value.code, pipeline.value.api_name) == ("INVALID_DATA", "Pipeline")
    with pytest.raises(ZohoCrmRecordError) as contact:
        await client.create_deal(deal(Contact_Name="6104223000000000000"))
    assert contact.value.api_name == "Contact_Name"
    assert len(zoho.fake.crm.records["Deals"]) == len(seed.demo_crm_deals())


async def test_deal_lifecycle_and_notes_are_listable(zoho: Zoho) -> None:
    client = zoho.crm()
    deal_id = await client.create_deal(deal())
    created = await client.get_deal(deal_id)
    assert created is not None
    assert created.Stage == "Qualification"
    assert created.Amount == 11471.25
    assert created.Contact_Name is not None
    assert created.Contact_Name.id == CONTACT
    await client.update_deal(deal_id, stage="Proposal/Price Quote", amount=Decimal("12000"))
    moved = await client.get_deal(deal_id)
    assert moved is not None
    assert (moved.Stage, moved.Amount, moved.Probability) == ("Proposal/Price Quote", 12000.0, 75)
    with pytest.raises(ZohoCrmRecordError):
        await client.update_deal(deal_id, stage="Won-ish")
    note_id = await client.create_note("Deals", deal_id, "Customer wants delivery to JLT by 20 Oct.", title="Quote")
    notes = await client.list_notes("Deals", deal_id)
    assert [n.id for n in notes] == [note_id]
    assert notes[0].Parent_Id is not None
    assert notes[0].Parent_Id.id == deal_id
    listed = await client.list_records("Notes", ["Note_Title", "Note_Content", "Parent_Id"])
    assert [r["id"] for r in listed.records] == [note_id]
    deals = await client.list_records("Deals", ["Deal_Name", "Stage"], per_page=200)
    assert deal_id in [r["id"] for r in deals.records]
    with pytest.raises(ZohoCrmRecordError) as bad_parent:
        await client.create_note("Deals", "6104223000000000000", "x")
    assert bad_parent.value.api_name == "Parent_Id"


async def test_ensure_contact_by_phone_survives_the_search_indexing_delay(zoho: Zoho) -> None:
    zoho.fake.config.search_index_delay = 30
    client = zoho.crm()
    contact, first = await client.ensure_contact_by_phone("055 123 9876", last_name="Layla", lead_source="WhatsApp")
    assert first.action == "insert"
    assert contact is not None
    assert contact.Mobile == "+971551239876"
    assert await client.find_contact_by_phone("+971551239876") is None  # not indexed yet
    again, second = await client.ensure_contact_by_phone("+971551239876", last_name="Layla")
    assert second.action == "update"
    assert second.id == first.id
    assert again is not None
    zoho.fake.clock.advance(31)
    found = await client.find_contact_by_phone("0551239876")
    assert found is not None
    assert found.id == first.id
    mobiles = [r for r in zoho.fake.crm.records["Contacts"].values() if r.get("Mobile") == "+971551239876"]
    assert len(mobiles) == 1


async def test_invalid_token_refreshes_once_and_retries(zoho: Zoho) -> None:
    client = zoho.crm()
    assert await client.get_contact(CONTACT) is not None
    zoho.fake.expire_tokens()
    contact = await client.get_contact(CONTACT)
    assert contact is not None
    assert contact.Full_Name == "Ahmed Al Mansoori"
    assert [r.status for r in zoho.fake.requests if r.product == "crm"] == [200, 401, 200]
    assert zoho.fake.refresh_count("demo-crm-refresh-token") == 2


async def test_too_many_requests_backs_off(zoho: Zoho) -> None:
    client = zoho.crm()
    zoho.fake.fail_next(2, 429, product="crm")
    assert await client.get_contact(CONTACT) is not None
    zoho.fake.fail_next(10, 429, product="crm")
    with pytest.raises(ZohoRateLimited):
        await client.get_contact(CONTACT)


async def test_deal_post_is_not_retried_after_a_5xx(zoho: Zoho) -> None:
    client = zoho.crm()
    zoho.fake.fail_after_write(product="crm", path="/Deals")
    with pytest.raises(ZohoUnknownOutcome):
        await client.create_deal(deal(Deal_Name="Once only"))
    names = [r["Deal_Name"] for r in zoho.fake.crm.records["Deals"].values()]
    assert names.count("Once only") == 1
    found = await client.search("Deals", criteria="(Deal_Name:equals:Once only)")
    assert len(found) == 1
