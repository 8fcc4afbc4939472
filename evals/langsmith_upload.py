"""Upload a run as a LangSmith experiment: a dataset of scenarios, one run per trial, feedback per check.

Only called when LANGSMITH_API_KEY is set, always with an explicit Client (no tracing side channel, no
background batching), so without a key nothing here touches the network.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from langsmith import Client

from evals.results import RunOut
from evals.scenario import Scenario

DATASET_NAME = "noor-evals"
DEFAULT_API_URL = "https://api.smith.langchain.com"


def client_from_env(environ: dict[str, str] | None = None) -> Client | None:
    env = os.environ if environ is None else environ
    key = env.get("LANGSMITH_API_KEY")
    if not key:
        return None
    return Client(
        api_url=env.get("LANGSMITH_ENDPOINT") or DEFAULT_API_URL,
        api_key=key,
        auto_batch_tracing=False,
        info={},  # skip the /info probe; nothing is batched
    )


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.now(UTC)


def upload(client: Client, run: RunOut, scenarios: dict[str, Scenario], dataset_name: str = DATASET_NAME) -> str:
    """The experiment (project) name. Examples are keyed by scenario id, so reruns reuse the dataset."""
    if client.has_dataset(dataset_name=dataset_name):
        dataset = client.read_dataset(dataset_name=dataset_name)
    else:
        dataset = client.create_dataset(dataset_name, description="Noor WhatsApp sales agent scenarios (evals/)")
    existing = {str((e.metadata or {}).get("scenario_id")): e for e in client.list_examples(dataset_id=dataset.id)}
    missing = [s for s in run.scenarios if s.id not in existing]
    if missing:
        client.create_examples(
            dataset_id=dataset.id,
            examples=[
                {
                    "inputs": {"turns": [t.model_dump(exclude_none=True) for t in scenarios[s.id].turns]}
                    if s.id in scenarios
                    else {"id": s.id},
                    "outputs": {"expect": scenarios[s.id].expect.model_dump(exclude_defaults=True)}
                    if s.id in scenarios
                    else {},
                    "metadata": {"scenario_id": s.id, "language": s.language, "tags": s.tags},
                }
                for s in missing
            ],
        )
        existing = {str((e.metadata or {}).get("scenario_id")): e for e in client.list_examples(dataset_id=dataset.id)}
    experiment = f"noor-{run.model.replace('/', '-')}-{run.run_id}"
    project = client.create_project(
        experiment,
        reference_dataset_id=dataset.id,
        metadata={"model": run.model, "trials": run.trials, "judge": run.judge, **run.overall()},
    )
    started, finished = _stamp(run.started_at), _stamp(run.finished_at)
    for scenario in run.scenarios:
        example = existing.get(scenario.id)
        for trial in scenario.trials:
            run_id = uuid.uuid4()
            outputs: dict[str, Any] = {"turns": [t.model_dump() for t in trial.turns], "passed": trial.passed}
            client.create_run(
                name=scenario.id,
                run_type="chain",
                inputs={"scenario": scenario.id, "trial": trial.trial},
                outputs=outputs,
                id=run_id,
                project_name=experiment,
                reference_example_id=example.id if example is not None else None,
                start_time=started,
                end_time=finished,
                error=trial.error,
                extra={"metadata": {"chat_id": trial.chat_id, "tokens": trial.prompt_tokens + trial.completion_tokens}},
            )
            client.create_feedback(run_id, key="pass", score=1.0 if trial.passed else 0.0, session_id=project.id)
            failed = [c.name for c in trial.failures]
            if failed:
                client.create_feedback(
                    run_id,
                    key="failed_checks",
                    value=len(failed),
                    comment="; ".join(failed)[:2000],
                    session_id=project.id,
                )
            if trial.rubric:
                share = float(trial.rubric["share"])
                client.create_feedback(run_id, key="rubric", score=share, session_id=project.id)
    return experiment
