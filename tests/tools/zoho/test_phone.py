from __future__ import annotations

import pytest

from sandbox import seed
from tools.zoho.phone import national_number, phone_to_e164, phone_variants, phones_in


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+971 50 123 4567", "+971501234567"),
        ("971501234567", "+971501234567"),
        ("050-1234567", "+971501234567"),
        ("00971 50 1234567", "+971501234567"),
        ("050 123 4567", "+971501234567"),
        ("+971-50-1234567", "+971501234567"),
        ("501234567", "+971501234567"),
        ("  +971-58-3621372 ", "+971583621372"),
        ("+971 050 123 4567", "+971501234567"),
        ("+971 4 345 6789", "+97143456789"),
        ("04-3456789", "+97143456789"),
        ("+971 4 331 2200 Ext. 214", "+97143312200"),
        ("+7 916 482-31-07", "+79164823107"),
        ("79164823107", "+79164823107"),  # a Wazzup chatId
        ("", None),
        (None, None),
        ("1234", None),
        ("+971 50 123", None),
    ],
)
def test_shapes(raw: str | None, expected: str | None) -> None:
    assert phone_to_e164(raw) == expected


def test_two_numbers_in_one_field() -> None:
    assert phones_in("050-9255533 / 055-7654321") == ["+971509255533", "+971557654321"]


def test_every_inventory_contact_number_normalises() -> None:
    for contact in seed.demo_inventory_contacts():
        for field in ("phone", "mobile"):
            raw = contact[field]
            if raw and raw.strip():
                numbers = phones_in(raw)
                assert numbers, (contact["contact_id"], raw)
                for number in numbers:
                    assert phone_to_e164(number) == number
                    assert number.startswith(("+971", "+7"))


def test_every_crm_contact_number_normalises_and_22_match_inventory() -> None:
    inventory = {n for c in seed.demo_inventory_contacts() for f in ("phone", "mobile") for n in phones_in(c[f])}
    matched = 0
    for record in seed.demo_crm_contacts():
        numbers = phones_in(record["Phone"]) + phones_in(record["Mobile"])
        assert numbers, record["id"]
        matched += bool(set(numbers) & inventory)
    assert matched == 22  # as documented in data/demo/README.md


def test_deliberate_contact_cases() -> None:
    cases = seed.demo_edge_cases()["contacts"]
    contacts = {c["contact_id"]: c for c in seed.demo_inventory_contacts()}
    landline = contacts[cases["landline_with_extension_no_mobile"]]
    assert phones_in(landline["phone"]) == ["+97143312200"]
    assert phones_in(landline["mobile"]) == []
    assert len(phones_in(contacts[cases["two_numbers_in_mobile_field"]]["mobile"])) == 2
    assert phones_in(contacts[cases["foreign_mobile_russia"]]["mobile"]) == ["+79164823107"]
    assert phones_in(contacts[cases["mobile_without_prefix_or_leading_zero"]]["mobile"])[0].startswith("+9715")
    head, branch = (contacts[i] for i in cases["shared_mobile_head_office_and_branch"])
    assert phones_in(head["mobile"]) == phones_in(branch["mobile"])
    crm = {r["id"]: r for r in seed.demo_crm_contacts()}
    first, second = (crm[i] for i in cases["crm_duplicate_contact_same_mobile"])
    assert phones_in(first["Mobile"] or first["Phone"]) == phones_in(second["Mobile"] or second["Phone"])


def test_variants_and_national_form() -> None:
    variants = phone_variants("+971 50 123 4567")
    assert variants[0] == "+971501234567"
    assert {"971501234567", "0501234567", "050-1234567", "+971 50 123 4567", "00971 50 1234567"} <= set(variants)
    assert national_number("+97143456789") == "043456789"
    assert national_number("+79164823107") is None
    assert "04-3456789" in phone_variants("+97143456789")
    assert phone_variants("nonsense") == []
