"""The reports a prompt engineer reads: the terminal table, the JSON a later run diffs against, and the
self-contained HTML page with its plot, transcripts, failed checks, pending list and baseline flips."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from evals.report import print_report, write_html, write_json
from evals.results import CheckOut, PendingOut, RunOut, ScenarioOut, TrialOut, TurnOut, diff_against


def trial(index: int, passed: bool, latency: float, reply: str, tokens: int = 0) -> TrialOut:
    checks = [CheckOut(kind="turn", name="turn 1 language ar", passed=passed, detail="" if passed else "got en")]
    return TrialOut(
        trial=index,
        passed=passed,
        chat_id=f"97158000000{index}",
        checks=checks,
        turns=[TurnOut(kind="say", customer="مرحبا <b>", replies=[reply], latency_seconds=latency, intent="greeting")],
        prompt_tokens=tokens,
        completion_tokens=tokens // 2,
        cost=tokens / 1_000_000,
        seconds=latency + 0.1,
    )


def run(run_id: str, outcomes: dict[str, list[bool]]) -> RunOut:
    return RunOut(
        run_id=run_id,
        started_at="2026-01-01T00:00:00+00:00",
        model="offline",
        trials=2,
        scenarios=[
            ScenarioOut(
                id=sid,
                title=f"title of {sid}",
                language="ar",
                tags=[],
                status="active",
                trials=[
                    trial(i, ok, 0.4 + i, "أهلاً" if ok else "Hello", tokens=100) for i, ok in enumerate(outcomes[sid])
                ],
            )
            for sid in outcomes
        ],
        pending=[PendingOut(id="quote.en.end_to_end", title="quote", language="en", tags=[], reason="issue 5")],
    )


def test_the_html_report_plots_every_scenario_and_shows_transcripts_checks_pending_and_flips(tmp_path: Path) -> None:
    before = run("before", {"greet.ar": [True, True], "thanks.ar": [False, False], "flaky.ar": [True, True]})
    after = run("after", {"greet.ar": [True, True], "thanks.ar": [True, True], "flaky.ar": [True, False]})
    after.diff = diff_against(after, before, "baseline.json")
    page = write_html(after, tmp_path / "run.html").read_text(encoding="utf-8")

    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg is not None, "the report has an inline plot"
    bars = re.findall(r'<rect [^>]*width="([\d.]+)"[^>]*fill="(#[0-9a-f]+)"><title>([^<]+)</title>', svg.group(0))
    assert {title: float(width) for width, _, title in bars} == {
        "greet.ar: 2/2": 420.0,
        "thanks.ar: 2/2": 420.0,
        "flaky.ar: 1/2": 210.0,
    }
    assert len(re.findall(r"<circle ", svg.group(0))) == 3, "one latency dot per scenario"
    assert "مرحبا &lt;b&gt;" in page, "transcripts are shown, escaped"
    assert "مرحبا <b>" not in page
    assert "turn 1 language ar — got en" in page
    assert "quote.en.end_to_end" in page
    assert "issue 5" in page
    assert "↓ flaky.ar" in page
    assert "↑ thanks.ar" in page


def test_the_json_report_is_what_a_later_run_diffs_against(tmp_path: Path) -> None:
    first = run("first", {"greet.ar": [True, True], "thanks.ar": [True, False]})
    saved = RunOut.load(write_json(first, tmp_path / "baseline.json"))
    assert saved == first
    second = run("second", {"greet.ar": [False, False], "thanks.ar": [True, True]})
    diff = diff_against(second, saved, "baseline.json")
    assert [f.id for f in diff.broken] == ["greet.ar"]
    assert [f.id for f in diff.fixed] == ["thanks.ar"]


def test_the_terminal_report_shows_figures_failures_and_flips() -> None:
    before = run("before", {"greet.ar": [True, True], "thanks.ar": [False, False]})
    after = run("after", {"greet.ar": [True, False], "thanks.ar": [True, True]})
    after.diff = diff_against(after, before, "baseline.json")
    console = Console(record=True, width=200)
    print_report(after, console)
    text = console.export_text()
    assert "greet.ar trial 2: turn 1 language ar" in text
    assert "pass^2 50% (1/2)" in text
    assert "pass^1 75%" in text
    assert "tokens 600" in text
    assert "↓ greet.ar passed before, fails now" in text
    assert "↑ thanks.ar failed before, passes now" in text
