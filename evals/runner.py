"""Run scenarios against a running EvalService: k trials each, checks, optional judge, a RunOut."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from evals.checks import CheckResult, evaluate
from evals.driver import Observation, TrialDriver
from evals.fakes import Fakes
from evals.judge import Judge
from evals.results import CheckOut, PendingOut, RunOut, ScenarioOut, TrialOut, TurnOut
from evals.scenario import Scenario
from evals.service import EvalService
from evals.simulate import SimulatedCustomer

ProgressHook = Callable[[Scenario, TrialOut], None]


@dataclass
class RunOptions:
    trials: int = 1
    concurrency: int = 8
    turn_timeout: float = 30.0
    model_name: str = "offline"
    judge: Judge | None = None
    customer: SimulatedCustomer | None = None


def trial_out(scenario: Scenario, observation: Observation, checks: list[CheckResult]) -> TrialOut:
    return TrialOut(
        trial=observation.trial,
        passed=all(c.passed for c in checks),
        chat_id=observation.chat_id,
        checks=[CheckOut(kind=c.kind, name=c.name, passed=c.passed, detail=c.detail) for c in checks],
        turns=[
            TurnOut(
                kind=t.kind,
                customer=t.text,
                replies=[r.text for r in t.replies],
                latency_seconds=t.latency_seconds,
                intent=t.intent,
                asked=t.asked,
            )
            for t in observation.turns
        ],
        nodes=observation.nodes,
        tools=observation.tools,
        fact_kinds=observation.fact_kinds,
        prompt_tokens=observation.prompt_tokens,
        completion_tokens=observation.completion_tokens,
        cost=observation.cost,
        seconds=round(observation.seconds, 3),
        error=observation.error,
    )


async def run_scenarios(
    service: EvalService,
    scenarios: list[Scenario],
    options: RunOptions,
    *,
    pending: list[Scenario] = (),  # type: ignore[assignment]
    progress: ProgressHook | None = None,
) -> RunOut:
    """Every (scenario, trial): isolated ones concurrently, those that change shared fake state one by one."""
    run_id = f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
    run = RunOut(
        run_id=run_id,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model=options.model_name,
        judge=options.judge.name if options.judge else None,
        trials=options.trials,
        pending=[
            PendingOut(id=s.id, title=s.title, language=s.language, tags=s.tags, reason=s.pending_reason)
            for s in pending
        ],
    )
    started = time.monotonic()
    results: dict[str, list[TrialOut]] = {s.id: [] for s in scenarios}
    async with httpx.AsyncClient(timeout=30) as http:
        fakes = Fakes(service.url, http)
        driver = TrialDriver(service, fakes, http, customer=options.customer, turn_timeout=options.turn_timeout)
        gate = asyncio.Semaphore(max(1, options.concurrency))
        if scenarios:
            await driver.warm_up(run_id)

        async def one(scenario: Scenario, trial: int) -> None:
            observation = await driver.run(scenario, trial, run_id)
            checks = evaluate(scenario, observation)
            out = trial_out(scenario, observation, checks)
            if options.judge is not None and scenario.expect.rubric is not None and observation.error is None:
                try:
                    rubric = await options.judge.grade(scenario, observation)
                    out.rubric = rubric.model_dump()
                    out.checks.append(
                        CheckOut(
                            kind="rubric",
                            name=f"rubric >= {scenario.expect.rubric.min_score:.0%}",
                            passed=rubric.passed,
                            detail=f"{rubric.points:g}/{rubric.available:g} points",
                        )
                    )
                    out.passed = out.passed and rubric.passed
                except Exception as exc:
                    out.checks.append(CheckOut(kind="rubric", name="judge answered", passed=False, detail=str(exc)))
                    out.passed = False
            results[scenario.id].append(out)
            if progress is not None:
                progress(scenario, out)

        async def shared(scenario: Scenario, trial: int) -> None:
            async with gate:
                await one(scenario, trial)

        isolated = [s for s in scenarios if not s.exclusive]
        exclusive = [s for s in scenarios if s.exclusive]
        await asyncio.gather(*(shared(s, t) for s in isolated for t in range(options.trials)))
        for scenario in exclusive:
            for trial in range(options.trials):
                await one(scenario, trial)
                await driver.restore(scenario)
                await fakes.reset_zoho()
    for scenario in scenarios:
        trials = sorted(results[scenario.id], key=lambda t: t.trial)
        run.scenarios.append(
            ScenarioOut(
                id=scenario.id,
                title=scenario.title,
                language=scenario.language,
                tags=scenario.tags,
                status=scenario.status,
                trials=trials,
            )
        )
    run.seconds = time.monotonic() - started
    run.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    return run
