"""The metamorphic transformations keep what a customer means: codes, e-mails and numbers survive, the same
seed gives the same conversation, and a transformation that changes nothing is "not applicable"."""

from __future__ import annotations

from collections import Counter

import pytest

from evals.metamorphic import (
    TRANSFORMATIONS,
    Case,
    Where,
    customer_texts,
    plan,
    protected_spans,
    script_of,
    tally,
    transform_scenario,
)
from evals.scenario import Scenario, load_scenarios

SCENARIOS = load_scenarios()
ACTIVE = [s for s in SCENARIOS if s.status == "active"]
ADDS_DIGITS = {"address", "arabizi"}
"""Transformations whose new words may carry digits: a building number, Arabizi letters such as 3 and 7."""


def _scenario(language: str, *says: str, echo: str | None = None) -> Scenario:
    turns: list[dict[str, object]] = [{"say": s} for s in says]
    if echo is not None:
        turns.insert(1, {"echo": echo})
    return Scenario.model_validate({"id": "t.case", "title": "t", "language": language, "turns": turns})


def _pairs(name: str, seed: int = 14) -> list[tuple[str, str]]:
    pairs = []
    for scenario in SCENARIOS:
        transformed = transform_scenario(scenario, name, seed)
        if transformed is not None:
            pairs += list(zip(customer_texts(scenario), customer_texts(transformed), strict=True))
    return pairs


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS))
def test_codes_emails_and_numbers_survive_every_transformation(name: str) -> None:
    pairs = _pairs(name)
    for before, after in pairs:
        kept, now = Counter(protected_spans(before)), Counter(protected_spans(after))
        assert not kept - now, (name, before, after)  # every code, e-mail and number value is still there
        if name not in ADDS_DIGITS:
            assert kept == now, (name, before, after)


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS))
def test_each_transformation_is_deterministic_and_applies_to_some_active_scenario(name: str) -> None:
    first = [transform_scenario(s, name) for s in ACTIVE]
    again = [transform_scenario(s, name) for s in ACTIVE]
    assert [None if s is None else customer_texts(s) for s in first] == [
        None if s is None else customer_texts(s) for s in again
    ]
    assert any(s is not None for s in first), f"{name} never applies"


def test_the_seed_chooses_the_variant() -> None:
    outputs = {seed: [after for _, after in _pairs("typos", seed)] for seed in (1, 2)}
    assert outputs[1] != outputs[2]
    assert outputs[1] == [after for _, after in _pairs("typos", 1)]


def test_typos_never_touch_codes_emails_names_or_numbers() -> None:
    text = "Pleaseee send MC-ARCH-9D-BLK to hessa.k@palmgroup.ae, quantity 37, Hessa Mansour"
    for seed in range(30):
        out = TRANSFORMATIONS["typos"](text, Where("en", key="k"), seed)
        assert out != text
        for kept in ("MC-ARCH-9D-BLK", "hessa.k@palmgroup.ae", "37", "Hessa Mansour"):
            assert kept in out, out


def test_a_text_with_nothing_to_misspell_is_left_alone() -> None:
    assert TRANSFORMATIONS["typos"]("MC-ARCH-9D-BLK x 3", Where("en", key="k"), 14) == "MC-ARCH-9D-BLK x 3"


def test_arabic_digits_change_the_script_of_numbers_never_their_value_or_a_code() -> None:
    out = TRANSFORMATIONS["arabic_digits"]("نبغى 12 طاولة TT-SCHL-12060-GOK بميزانية 7500", Where("ar", key="k"), 14)
    assert "١٢" in out
    assert "٧٥٠٠" in out
    assert "TT-SCHL-12060-GOK" in out
    assert protected_spans(out) == ["12", "TT-SCHL-12060-GOK", "7500"]
    assert TRANSFORMATIONS["arabic_digits"]("need 12 tables", Where("en", key="k"), 14) == "need 12 tables"


def test_arabizi_writes_arabic_in_latin_letters_and_keeps_codes_and_quantities() -> None:
    out = TRANSFORMATIONS["arabizi"]("كم سعر ٥ كراسي TC-ZEPH-FA-RED؟", Where("ar", key="k"), 14)
    assert script_of(out) == "latin"
    assert "TC-ZEPH-FA-RED" in out
    assert " 5 " in out
    assert out.endswith("?")


def test_mixed_puts_one_english_word_into_an_arabic_message_and_keeps_it_arabic() -> None:
    text = "ابي عرض سعر لعشرين كرسي"
    out = TRANSFORMATIONS["mixed"](text, Where("ar", key="k"), 14)
    assert out != text
    assert script_of(out) == "ar"
    assert sum(word not in text for word in out.split()) == 1


def test_address_keeps_the_area_and_adds_a_building() -> None:
    out = TRANSFORMATIONS["address"]("Noura Saleh, noura@dunes.ae, Al Barsha please", Where("en", key="k"), 14)
    assert "Al Barsha" in out
    assert "noura@dunes.ae" in out
    assert len(out) > len("Noura Saleh, noura@dunes.ae, Al Barsha please")
    already = "Villa 9, Street 4, Al Barsha"
    assert TRANSFORMATIONS["address"](already, Where("en", key="k"), 14) == already


def test_greeting_name_and_clause_go_to_the_first_message_signoff_to_the_last() -> None:
    scenario = _scenario("en", "need 3 standing desks for the studio", "Jana Novak, jana@studio.ae, JLT", "sure")
    for name, changed_index in (("greeting", 0), ("clause", 0), ("name", 0), ("signoff", 2)):
        transformed = transform_scenario(scenario, name)
        assert transformed is not None
        before, after = customer_texts(scenario), customer_texts(transformed)
        assert [i for i in range(3) if before[i] != after[i]] == [changed_index], (name, after)


def test_a_conversation_that_already_names_the_customer_gets_no_other_name() -> None:
    scenario = Scenario.model_validate(
        {
            "id": "t.named",
            "title": "t",
            "language": "en",
            "turns": [
                {"say": "three lockers please"},
                {"say": "Omar, Dune Labs", "understanding": {"intents": ["quotation"],
                                                           "slots": {"customer_name": "Omar"}}},
            ],
        }
    )  # fmt: skip
    assert transform_scenario(scenario, "name") is None


def test_the_person_writing_from_the_business_phone_is_never_rewritten() -> None:
    scenario = _scenario("en", "hello there team", "we need five chairs", echo="Hi, Karim from sales here")
    for name in TRANSFORMATIONS:
        transformed = transform_scenario(scenario, name)
        if transformed is not None:
            assert transformed.turns[1].echo == "Hi, Karim from sales here"
            assert transformed.id == f"t.case~{name}"
            assert transformed.expect == scenario.expect


def test_swap_moves_the_first_sentence_and_keeps_every_word() -> None:
    text = "We moved to a new floor. Need 4 pedestals PD-METR-3D-BLK. Price?"
    out = TRANSFORMATIONS["swap"](text, Where("en", key="k"), 14)
    assert out != text
    assert sorted(out.split()) == sorted(text.split())
    assert TRANSFORMATIONS["swap"]("ok", Where("en", key="k"), 14) == "ok"


def test_the_tally_counts_pass_rates_not_applicable_cases_and_breaks() -> None:
    one = _scenario("en", "we need a sofa for the lobby")
    two = Scenario.model_validate({**one.model_dump(exclude={"source"}), "id": "t.other"})
    cases = plan([one, two], ["emoji", "arabizi"])
    assert [c.transformed is None for c in cases] == [False, True, False, True]
    passed = {"t.case~emoji": True, "t.other~emoji": False}
    result = tally(cases, passed, original={"t.case": True, "t.other": True})
    assert (result["emoji"].applicable, result["emoji"].passed, result["emoji"].rate) == (2, 1, 0.5)
    assert result["emoji"].broken == ["t.other"]
    assert (result["arabizi"].applicable, result["arabizi"].not_applicable, result["arabizi"].rate) == (0, 2, None)
    assert (result["overall"].applicable, result["overall"].passed, result["overall"].not_applicable) == (2, 1, 2)
    assert isinstance(cases[0], Case)
