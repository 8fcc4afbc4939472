from __future__ import annotations

import pytest

from agent.services.customers import CustomerRecord, InvalidPhone
from sandbox import seed
from tests.agent.commerce.conftest import Commerce
from tools.zoho import CrmContact, InventoryContact

BLUE_DUNE = "4815000000003880072"  # Gold Partners -12%, CRM contact 6104223000000418078
GOLD = "4815000000002210008"
THREAD = "3f9c1a22:971569107898"


def crm_seed() -> list[CrmContact]:
    return [CrmContact.model_validate(c) for c in seed.demo_crm_contacts()]


def inventory_seed() -> list[InventoryContact]:
    return [InventoryContact.model_validate(c) for c in seed.demo_inventory_contacts()]


async def test_a_price_book_customer_is_recognised_from_the_whatsapp_chat_id(commerce: Commerce) -> None:
    record = await commerce.customers.identify(THREAD, "971569107898")
    assert record.phone == "+971569107898"
    assert record.inventory_contact_id == BLUE_DUNE
    assert record.crm_contact_id == "6104223000000418078"
    assert record.pricebook_id == GOLD
    assert record.pricebook_name == "Gold Partners -12%"
    assert record.company == "Blue Dune Interiors LLC"
    assert record.returning is True
    assert record.has_bought is True
    assert record.name
    assert record.first_name == record.name.split()[0]
    state = record.to_state()
    assert state["pricebook_id"] == GOLD
    assert state["returning"] is True
    assert "delivery_area" not in state


@pytest.mark.parametrize("shape", ["+971 56 910 7898", "00971569107898", "056-9107898", "569107898"])
async def test_every_phone_shape_finds_the_same_customer(commerce: Commerce, shape: str) -> None:
    record = await commerce.customers.identify(f"t:{shape}", shape)
    assert record.inventory_contact_id == BLUE_DUNE


async def test_identification_is_cached_per_conversation(commerce: Commerce) -> None:
    fake = commerce.zoho.fake
    first = await commerce.customers.identify(THREAD, "971569107898")
    before = len(fake.requests)
    again = await commerce.customers.identify(THREAD, "971569107898")
    assert again == first
    assert len(fake.requests) == before  # no Zoho call
    await commerce.customers.identify(THREAD, "971569107898", refresh=True)
    assert len(fake.requests) > before
    updated = await commerce.customers.update(THREAD, delivery_area="Dubai Marina")
    assert updated is not None
    assert (await commerce.customers.identify(THREAD, "971569107898")).delivery_area == "Dubai Marina"


async def test_an_unknown_number_is_a_new_customer(commerce: Commerce) -> None:
    record = await commerce.customers.identify("t:new", "971500000001")
    assert record == CustomerRecord(phone="+971500000001")
    assert record.returning is False
    assert commerce.zoho.fake.request_count("crm", "GET", "/crm/v7/Contacts/search") >= 1
    statuses = [r.status for r in commerce.zoho.fake.requests if r.path.startswith("/crm/v7/Contacts/search")]
    assert set(statuses) == {204}


async def test_a_crm_lead_without_inventory_contact_is_returning_but_has_not_bought(commerce: Commerce) -> None:
    inventory_phones = {p for c in inventory_seed() for p in c.phones}
    lead = next(c for c in crm_seed() if c.phones and not set(c.phones) & inventory_phones and c.First_Name)
    record = await commerce.customers.identify("t:lead", lead.phones[0].lstrip("+"))
    assert record.crm_contact_id == lead.id
    assert record.returning is True
    assert record.has_bought is False
    assert record.inventory_contact_id == ""
    assert record.name.startswith(lead.First_Name)


async def test_duplicate_crm_contacts_are_picked_deterministically_and_noted_once(commerce: Commerce) -> None:
    contacts = crm_seed()
    phone = "+971553629780"
    twins = sorted((c for c in contacts if phone in c.phones), key=lambda c: (c.Created_Time, c.id))
    assert len(twins) == 2
    record = await commerce.customers.identify("t:twins", phone)
    assert record.crm_contact_id == twins[0].id
    assert record.duplicate_crm_contact_ids == (twins[1].id,)
    assert any("2 CRM contacts" in note for note in record.notes)
    again = await commerce.customers.identify("t:twins-2", phone, refresh=True)
    assert again.crm_contact_id == record.crm_contact_id
    notes = await commerce.crm_client.list_notes("Contacts", twins[0].id)
    assert len([n for n in notes if n.Note_Title == "Noor: duplicate contacts"]) == 1


async def test_head_office_and_branch_sharing_a_mobile(commerce: Commerce) -> None:
    phone = "+971543030800"
    shared = [c for c in inventory_seed() if phone in c.phones and c.is_active]
    assert len(shared) == 2
    oldest = sorted(shared, key=lambda c: (c.created_time, c.contact_id))[0]
    record = await commerce.customers.identify("t:branch", phone)
    assert record.inventory_contact_id == oldest.contact_id
    assert len(record.duplicate_inventory_contact_ids) == 1
    assert any("2 Inventory contacts" in note for note in record.notes)


async def test_not_a_phone_number(commerce: Commerce) -> None:
    with pytest.raises(InvalidPhone):
        await commerce.customers.identify("t:x", "hello")


def test_record_json_and_state_round_trip() -> None:
    record = CustomerRecord(
        phone="+971501234567",
        name="Ahmed Al Mansouri",
        first_name="Ahmed",
        company="Al Noor",
        notes=("x",),
        duplicate_crm_contact_ids=("1", "2"),
    )
    assert CustomerRecord.from_json(record.to_json()) == record
    merged = record.merged({"email": "a@b.ae", "delivery_area": " Business Bay "})
    assert merged.email == "a@b.ae"
    assert merged.delivery_area == "Business Bay"
    back = CustomerRecord.from_state(merged.to_state())
    assert back.email == "a@b.ae"
    assert back.company == "Al Noor"
