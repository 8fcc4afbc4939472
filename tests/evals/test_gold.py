"""The scenarios' gold labels: every customer turn has one, in the catalog's vocabulary, and they agree."""

from __future__ import annotations

from typing import Any

import pytest

from evals.gold import customer_messages, labelled_messages
from evals.scenario import Scenario, load_scenarios
from sandbox.seed import demo_items

SCENARIOS = load_scenarios()


def _custom_field(item: dict[str, Any], name: str) -> str | None:
    for field in item.get("custom_fields") or []:
        if field.get("api_name") == name:
            return str(field.get("value"))
    return None


def test_every_typed_or_spoken_customer_turn_of_every_scenario_has_a_gold_label() -> None:
    unlabelled = []
    for scenario in SCENARIOS:
        for turn_index, turn in enumerate(scenario.turns):
            where = f"{scenario.id} turn {turn_index + 1}"
            typed = turn.say is not None or turn.burst is not None or turn.voice is not None or bool(turn.caption)
            if typed and turn.understanding is None:
                unlabelled.append(where)
            if turn.goal is not None and len(turn.script_understanding) != len(turn.script):
                unlabelled.append(f"{where} (script lines)")
            if turn.voice is not None and turn.transcript is None:
                unlabelled.append(f"{where} (voice note without its transcript)")
    assert unlabelled == []


def test_labels_use_the_catalogs_categories_and_colours() -> None:
    items = demo_items()
    categories = {str(i["category_name"]) for i in items}
    colours = {c for c in (_custom_field(i, "cf_color") for i in items) if c}
    materials = {m for m in (_custom_field(i, "cf_material") for i in items) if m}
    wrong = []
    for message in labelled_messages(SCENARIOS):
        assert message.gold is not None
        slots = message.gold.slots
        named = [*slots.categories, *(i.category for i in slots.items if i.category)]
        wrong += [f"{message.where}: category {c}" for c in named if c not in categories]
        wrong += [f"{message.where}: colour {c}" for c in slots.colors if c not in colours]
        wrong += [f"{message.where}: material {m}" for m in slots.materials if m not in materials]
    assert wrong == []


def test_the_same_words_after_the_same_conversation_carry_the_same_label() -> None:
    """The oracle tells turns apart by what the customer wrote and before what: it could not choose between
    two different labels of the same message in the same conversation."""
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, str]] = {}
    clashes = []
    for message in labelled_messages(SCENARIOS):
        assert message.gold is not None
        key = (message.before, message.lines)
        label = message.gold.model_dump_json()
        if key in seen and seen[key][1] != label:
            clashes.append(f"{message.where} vs {seen[key][0]}")
        seen.setdefault(key, (message.where, label))
    assert clashes == []


def test_the_model_reads_a_burst_as_its_messages_and_a_voice_note_as_its_transcript() -> None:
    burst = next(m for s in SCENARIOS for m in customer_messages(s) if m.kind == "burst")
    assert len(burst.lines) >= 2
    assert burst.text == "\n".join(burst.lines)
    voice = next(m for s in SCENARIOS for m in customer_messages(s) if m.kind == "voice")
    assert voice.text
    assert not voice.text.startswith("[")
    quote = customer_messages(next(s for s in SCENARIOS if s.id == "quote.en.end_to_end"))
    assert quote[2].before == (quote[0].text, quote[1].text)


def test_arabizi_turns_are_marked_and_counted_apart() -> None:
    languages = {m.language for m in labelled_messages(SCENARIOS)}
    assert languages == {"en", "ar", "arabizi", "ru"}


@pytest.mark.parametrize(
    ("turn", "error"),
    [
        ({"say": "hi", "understanding": {"intents": ["greeting"], "slots": {"mood": "happy"}}}, "Extra inputs"),
        (
            {"say": "2 chairs", "understanding": {"intents": ["product_search"], "slots": {"items": [{"qty": 2}]}}},
            "unknown item keys",
        ),
        ({"say": "hi", "transcript": "hello"}, "only a voice turn"),
        (
            {"goal": "buy", "script": ["a", "b"], "script_understanding": [{"intents": ["greeting"]}]},
            "one label per",
        ),
    ],
)
def test_a_label_that_does_not_fit_its_turn_is_refused(turn: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Scenario.model_validate({"id": "x", "title": "x", "language": "en", "turns": [turn]})
