"""Results of a run as typed data: per trial, per scenario (pass^k), overall, and the diff to a baseline."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class CheckOut(BaseModel):
    kind: str
    name: str
    passed: bool
    detail: str = ""


class TurnOut(BaseModel):
    kind: str
    customer: str
    replies: list[str]
    latency_seconds: float | None = None
    intent: str | None = None
    asked: list[str] = Field(default_factory=list)


class TrialOut(BaseModel):
    trial: int
    passed: bool
    chat_id: str
    checks: list[CheckOut]
    turns: list[TurnOut]
    nodes: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    fact_kinds: list[str] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    rubric: dict[str, Any] | None = None

    @property
    def failures(self) -> list[CheckOut]:
        return [c for c in self.checks if not c.passed]


class ScenarioOut(BaseModel):
    id: str
    title: str
    language: str
    tags: list[str]
    status: str
    trials: list[TrialOut]

    @property
    def k(self) -> int:
        return len(self.trials)

    @property
    def passes(self) -> int:
        return sum(t.passed for t in self.trials)

    @property
    def pass_k(self) -> bool:
        """pass^k: every one of the k trials passed."""
        return bool(self.trials) and all(t.passed for t in self.trials)

    @property
    def pass_1(self) -> float:
        """The share of trials that passed (the expected pass^1 of one trial)."""
        return self.passes / self.k if self.k else 0.0

    @property
    def latencies(self) -> list[float]:
        return [t.latency_seconds for trial in self.trials for t in trial.turns if t.latency_seconds is not None]

    @property
    def prompt_tokens(self) -> float:
        return statistics.fmean([t.prompt_tokens for t in self.trials]) if self.trials else 0.0

    @property
    def completion_tokens(self) -> float:
        return statistics.fmean([t.completion_tokens for t in self.trials]) if self.trials else 0.0

    @property
    def cost(self) -> float:
        """Mean cost (USD) of one trial."""
        return statistics.fmean([t.cost for t in self.trials]) if self.trials else 0.0

    def summary(self) -> dict[str, Any]:
        latencies = self.latencies
        return {
            "pass_k": self.pass_k,
            "pass_1": round(self.pass_1, 4),
            "passes": self.passes,
            "k": self.k,
            "prompt_tokens_per_trial": round(self.prompt_tokens, 1),
            "completion_tokens_per_trial": round(self.completion_tokens, 1),
            "cost_per_trial": round(self.cost, 6),
            "latency_p50": round(statistics.median(latencies), 3) if latencies else None,
            "latency_max": round(max(latencies), 3) if latencies else None,
        }


class PendingOut(BaseModel):
    id: str
    title: str
    language: str
    tags: list[str]
    reason: str | None = None


class Flip(BaseModel):
    id: str
    before: bool | None
    after: bool | None


class BaselineDiff(BaseModel):
    baseline: str
    baseline_run_id: str
    fixed: list[Flip] = Field(default_factory=list)
    broken: list[Flip] = Field(default_factory=list)
    new: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    pass_k_before: float | None = None
    pass_k_after: float | None = None

    @property
    def flipped(self) -> list[Flip]:
        return [*self.broken, *self.fixed]


class RunOut(BaseModel):
    run_id: str
    started_at: str
    finished_at: str = ""
    model: str
    judge: str | None = None
    trials: int
    filters: dict[str, Any] = Field(default_factory=dict)
    scenarios: list[ScenarioOut] = Field(default_factory=list)
    pending: list[PendingOut] = Field(default_factory=list)
    seconds: float = 0.0
    diff: BaselineDiff | None = None

    def overall(self) -> dict[str, Any]:
        ran = self.scenarios
        latencies = [x for s in ran for x in s.latencies]
        return {
            "scenarios": len(ran),
            "pending": len(self.pending),
            "trials": sum(s.k for s in ran),
            "pass_k": round(sum(s.pass_k for s in ran) / len(ran), 4) if ran else 0.0,
            "pass_1": round(statistics.fmean([s.pass_1 for s in ran]), 4) if ran else 0.0,
            "scenarios_passing": sum(s.pass_k for s in ran),
            "prompt_tokens": sum(t.prompt_tokens for s in ran for t in s.trials),
            "completion_tokens": sum(t.completion_tokens for s in ran for t in s.trials),
            "cost": round(sum(t.cost for s in ran for t in s.trials), 6),
            "latency_p50": round(statistics.median(latencies), 3) if latencies else None,
            "latency_p95": round(statistics.quantiles(latencies, n=20)[-1], 3) if len(latencies) >= 2 else None,
            "seconds": round(self.seconds, 1),
        }

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["overall"] = self.overall()
        for scenario, out in zip(self.scenarios, data["scenarios"], strict=True):
            out["summary"] = scenario.summary()
        return data

    @classmethod
    def load(cls, path: Path) -> RunOut:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def diff_against(run: RunOut, baseline: RunOut, baseline_path: str) -> BaselineDiff:
    """Which scenarios flipped (pass^k) between the baseline run and this one."""
    before = {s.id: s.pass_k for s in baseline.scenarios}
    after = {s.id: s.pass_k for s in run.scenarios}
    diff = BaselineDiff(baseline=baseline_path, baseline_run_id=baseline.run_id)
    for scenario_id, passed in after.items():
        if scenario_id not in before:
            diff.new.append(scenario_id)
        elif before[scenario_id] and not passed:
            diff.broken.append(Flip(id=scenario_id, before=True, after=False))
        elif not before[scenario_id] and passed:
            diff.fixed.append(Flip(id=scenario_id, before=False, after=True))
    diff.missing = sorted(set(before) - set(after))
    common = set(before) & set(after)
    if common:
        diff.pass_k_before = round(sum(before[i] for i in common) / len(common), 4)
        diff.pass_k_after = round(sum(after[i] for i in common) / len(common), 4)
    return diff
