"""Typos in cue words are read as meant; names, codes, e-mails and real words stay as written. Phrasings written
for these tests."""

from __future__ import annotations

import pytest

from agent.models.offline.understand import understand_text


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("could u send me a qoutation for 4 MC-AIRO-LB-GRY", lambda u: u.has("quotation")),
        ("any discont if we take 30?", lambda u: u.slots.discount_asked),
        ("pls stop sending me these mesages", lambda u: u.slots.opt_out),
        ("i would like to speek with a real persn", lambda u: u.has("human_request")),
    ],
)
def test_a_typo_in_a_cue_word_is_read_as_meant(text: str, check: object) -> None:
    assert callable(check)
    assert check(understand_text(text))


def test_names_codes_and_emails_are_read_as_written() -> None:
    understood = understand_text("Fahad Ahmed, Nexa Trading, fahad@gmail.com, deliver to ajman, 3 x MC-AIRO-LB-GRY")
    assert understood.slots.customer_name == "Fahad Ahmed"
    assert understood.slots.email == "fahad@gmail.com"
    assert understood.slots.delivery_address == "ajman"
    assert "MC-AIRO-LB-GRY" in understood.slots.skus


def test_a_real_word_is_no_typo_of_a_cue_word() -> None:
    assert not understand_text("the weather in dubai is too hot for leather seats").slots.complaint
    assert understand_text("setting up a new office in JLT").slots.categories == []
