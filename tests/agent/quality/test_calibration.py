"""The calibration set and its runner: hand-labelled transcripts load, agreement is measured per rule, and
rules a reviewer does not judge are reported as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.quality.checklist import load_checklist
from evals.calibration import agreement, case_from, cohen_kappa, load_cases
from evals.calibration.__main__ import main
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.support.live import live_server


def test_the_set_has_at_least_30_labelled_transcripts_in_every_language_good_and_bad() -> None:
    cases = load_cases()
    assert len(cases) >= 30
    assert {c.source for c in cases} >= {"en.yaml", "ar.yaml", "ru.yaml", "arabizi.yaml", "holdout.yaml"}
    rules = load_checklist().ids
    for case in cases:
        assert set(case.human) == set(rules)
        assert case.transcript.bot_messages()
    shares = [
        sum(v for v in c.human.values() if v != "n/a") / (2 * sum(1 for v in c.human.values() if v != "n/a"))
        for c in cases
    ]
    assert sum(1 for s in shares if s == 1.0) >= 5  # clean conversations
    assert sum(1 for s in shares if s < 0.8) >= 10  # and clearly bad ones


def test_a_case_with_a_missing_label_or_an_unknown_key_is_refused() -> None:
    good = {
        "id": "x",
        "messages": [{"customer": "hi"}, {"bot": "Hello!"}],
        "human": dict.fromkeys(load_checklist().ids, 2),
    }
    case_from(good, 1, "test.yaml")
    missing = {**good, "human": {k: v for k, v in good["human"].items() if k != "one_question"}}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="one_question"):
        case_from(missing, 1, "test.yaml")
    with pytest.raises(ValueError, match="unknown keys"):
        case_from({**good, "score": 30}, 1, "test.yaml")
    with pytest.raises(ValueError, match="0, 1, 2 or n/a"):
        case_from({**good, "human": {**good["human"], "greet_by_name": 3}}, 1, "test.yaml")  # type: ignore[dict-item]


def test_cohens_kappa_is_one_for_full_agreement_zero_for_chance_and_undefined_without_variety() -> None:
    assert cohen_kappa([(2, 2), (0, 0), ("n/a", "n/a")]) == 1.0
    # the reviewer answers the same whatever the human said: agreement no better than chance
    assert cohen_kappa([(2, 2), (0, 2), (2, 2), (0, 2)]) == 0.0
    assert cohen_kappa([(2, 2), (2, 2)]) is None
    assert cohen_kappa([]) is None


def test_the_offline_reviewer_is_measured_only_on_the_rules_it_judges() -> None:
    from agent.quality.offline import RULES, OfflineReviewer

    cases = load_cases()
    reviewer = OfflineReviewer()
    rows = {r.rule: r for r in agreement(cases, [reviewer.review_now(c.transcript) for c in cases])}
    for rule, row in rows.items():
        if rule in RULES:
            assert row.judged > 0
            assert row.accuracy is not None
        else:
            assert row.judged == 0
            assert row.accuracy is None


def test_the_runner_reports_the_offline_reviewer_and_the_judge_as_not_measured_without_a_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOOR_OPENROUTER_API_KEY", raising=False)
    assert main(["--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().out
    assert "| understands_need | not judged | — | — | — |" in out
    assert "| one_question | " in out
    assert "LLM judge\n\nnot measured: no OpenRouter key" in out
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert report["reviewers"]["LLM judge"]["measured"] is False
    offline = report["reviewers"]["offline reviewer"]["rules"]
    assert offline["understands_need"]["judged"] == 0
    assert offline["greet_by_name"]["kappa"] is not None


def test_the_runner_takes_an_openrouter_key_and_base_url_for_the_judge(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        # the fake's default answer is the smallest valid verdict: no rule graded
        code = main(["--openrouter-key", DEMO_OPENROUTER_KEY, "--openrouter-base-url", f"{server.url}/api/v1"])
    assert code == 0
    out = capsys.readouterr().out
    judge = out.split("### LLM judge (openai/gpt-4o-mini)")[1]
    assert "| greet_by_name | not judged | — | — | — |" in judge
    assert "| all judged rules | not judged | — | — | — |" in judge
    assert len(fake.chat_requests()) == len(load_cases())


def test_a_failing_judge_is_reported_as_not_measured_with_its_error(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOpenRouter()
    fake.script_error(401, "User not found.")
    with live_server(fake.app) as server:
        code = main(["--openrouter-key", "sk-or-wrong", "--openrouter-base-url", f"{server.url}/api/v1"])
    assert code == 1
    assert "not measured: the judge llm:openai/gpt-4o-mini failed" in capsys.readouterr().out
