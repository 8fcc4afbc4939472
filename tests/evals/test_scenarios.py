"""The scenario files and the checklist are valid data, and cover what issue 7 asks for."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.judge import load_checklist
from evals.scenario import Scenario, load_scenarios, select


def test_every_scenario_file_validates_and_covers_three_languages() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 40
    languages = Counter(s.language for s in scenarios)
    assert set(languages) == {"en", "ar", "ru"}
    assert all(count >= 8 for count in languages.values()), languages
    active = [s for s in scenarios if s.status == "active"]
    assert len(active) >= 15
    assert {s.language for s in active} == {"en", "ar", "ru"}
    tags = {t for s in scenarios for t in s.tags}
    for needed in (
        "budget", "sku", "alternatives", "correction", "faq", "no-match", "quotation", "pricebook",
        "discount", "human-request", "complaint", "order-status", "voice", "image",
    ):  # fmt: skip
        assert needed in tags, needed
    assert all(s.pending_reason for s in scenarios if s.status == "pending")


def test_checklist_is_fifteen_rules_thirty_points_and_rubrics_name_real_rules() -> None:
    checklist = load_checklist()
    assert len(checklist.rules) == 15
    assert checklist.total == 30
    for scenario in load_scenarios():
        if scenario.expect.rubric is not None:
            checklist.pick(scenario.expect.rubric.rules)  # raises on an unknown rule id


def test_a_turn_has_exactly_one_action_and_goal_turns_need_a_script() -> None:
    base = {"id": "x", "title": "x", "language": "en"}
    with pytest.raises(ValueError, match="exactly one"):
        Scenario.model_validate({**base, "turns": [{"say": "hi", "echo": "hello"}]})
    with pytest.raises(ValueError, match="script"):
        Scenario.model_validate({**base, "turns": [{"goal": "buy chairs"}]})
    with pytest.raises(ValueError, match="Extra inputs"):
        Scenario.model_validate({**base, "turns": [{"say": "hi"}], "expect": {"outcome": {"orders": 1}}})


def test_loader_rejects_duplicate_ids_and_missing_media(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- {id: one, title: t, language: en, turns: [{say: hi}]}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("- {id: one, title: t, language: en, turns: [{say: hi}]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_scenarios(tmp_path)
    (tmp_path / "b.yaml").write_text("- {id: two, title: t, language: en, turns: [{voice: nope.ogg}]}\n")
    with pytest.raises(ValueError, match="no media file"):
        load_scenarios(tmp_path)


def test_select_filters_by_id_prefix_tag_language_and_status() -> None:
    scenarios = load_scenarios()
    assert {s.id for s in select(scenarios, ids=["greet."])} >= {"greet.en.hello", "greet.ar.marhaba"}
    assert all(s.language == "ru" for s in select(scenarios, languages=["ru"]))
    assert all("quotation" in s.tags for s in select(scenarios, tags=["quotation"]))
    assert all(s.status == "pending" for s in select(scenarios, status="pending"))
    assert len(select(scenarios, status="all")) == len(scenarios)
