"""The LangSmith path: an explicit Client against a local fake of its API; without a key, no client at all."""

from __future__ import annotations

from langsmith import Client

from evals.langsmith_upload import client_from_env, upload
from evals.results import CheckOut, RunOut, ScenarioOut, TrialOut, TurnOut
from evals.scenario import load_scenarios
from tests.evals.langsmith_fake import FakeLangSmith
from tests.support.live import live_server


def a_run() -> RunOut:
    def trial(i: int, passed: bool) -> TrialOut:
        checks = [CheckOut(kind="reply", name="turn 1 language ar", passed=passed)]
        turns = [TurnOut(kind="say", customer="مرحبا", replies=["أهلاً"], latency_seconds=0.4)]
        return TrialOut(trial=i, passed=passed, chat_id="971580000002", checks=checks, turns=turns)

    return RunOut(
        run_id="20260101T000000Z-abc123",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:30+00:00",
        model="offline",
        trials=2,
        scenarios=[
            ScenarioOut(id="greet.ar.marhaba", title="t", language="ar", tags=["greeting"], status="active",
                        trials=[trial(0, True), trial(1, False)]),
            ScenarioOut(id="greet.en.hello", title="t", language="en", tags=["greeting"], status="active",
                        trials=[trial(0, True), trial(1, True)]),
        ],
    )  # fmt: skip


def test_no_key_means_no_client() -> None:
    assert client_from_env({}) is None
    assert client_from_env({"LANGSMITH_API_KEY": ""}) is None


def test_a_run_is_uploaded_as_an_experiment_with_runs_and_feedback() -> None:
    fake = FakeLangSmith()
    scenarios = {s.id: s for s in load_scenarios()}
    with live_server(fake.app) as server:
        client = client_from_env({"LANGSMITH_API_KEY": "ls-test-key", "LANGSMITH_ENDPOINT": server.url})
        assert isinstance(client, Client)
        experiment = upload(client, a_run(), scenarios)
        again = upload(client, a_run(), scenarios)  # a second run reuses the dataset and its examples
    assert experiment == again == "noor-offline-20260101T000000Z-abc123"
    assert set(fake.api_keys) == {"ls-test-key"}
    assert [d["name"] for d in fake.datasets.values()] == ["noor-evals"]
    assert sorted(str((e["metadata"] or {})["scenario_id"]) for e in fake.examples.values()) == [
        "greet.ar.marhaba",
        "greet.en.hello",
    ]
    session = next(iter(fake.sessions.values()))
    assert session["name"] == experiment
    assert session["reference_dataset_id"] in fake.datasets
    assert len(fake.runs) == 8  # 2 scenarios x 2 trials, uploaded twice
    examples = {e["id"] for e in fake.examples.values()}
    assert all(r["reference_example_id"] in examples for r in fake.runs.values())
    passes = sorted(f["score"] for f in fake.feedback if f["key"] == "pass")
    assert passes == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    failed = [f for f in fake.feedback if f["key"] == "failed_checks"]
    assert [f["comment"] for f in failed] == ["turn 1 language ar"] * 2
