"""What a reviewer says about one conversation episode: a score per checklist rule, a total, a summary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from agent.quality.checklist import Checklist
from agent.quality.transcript import Transcript

Status = Literal["judged", "not_applicable", "not_judged"]
"""judged: scored 0..max. not_applicable: the episode gave no occasion for the rule. not_judged: this
reviewer cannot decide it (the rule needs a reader, or the data to decide it is missing)."""


class RuleScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    status: Status
    score: int | None = None
    max: int = Field(ge=1)
    evidence: tuple[int, ...] = ()
    """Ids of the transcript's messages that show what the score says."""
    note: str = ""

    @model_validator(mode="after")
    def _score_matches_status(self) -> RuleScore:
        if self.status == "judged":
            if self.score is None or not 0 <= self.score <= self.max:
                raise ValueError(f"rule {self.rule}: a judged score must be between 0 and {self.max}")
        elif self.score is not None:
            raise ValueError(f"rule {self.rule}: only a judged rule has a score")
        return self

    @property
    def judged(self) -> bool:
        return self.status == "judged"


def judged(rule: str, score: int, points: int, note: str, evidence: tuple[int, ...] = ()) -> RuleScore:
    return RuleScore(rule=rule, status="judged", score=score, max=points, evidence=evidence, note=note)


def not_applicable(rule: str, points: int, note: str) -> RuleScore:
    return RuleScore(rule=rule, status="not_applicable", max=points, note=note)


def not_judged(rule: str, points: int, note: str, evidence: tuple[int, ...] = ()) -> RuleScore:
    return RuleScore(rule=rule, status="not_judged", max=points, evidence=evidence, note=note)


class Review(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: int
    episode: int
    first_message_id: int | None = None
    last_message_id: int | None = None
    """The span of the transcript reviewed: a re-review after more messages covers a longer one."""
    reviewer: str
    reviewer_version: str
    checklist: str
    rules: tuple[RuleScore, ...]
    summary: str = ""
    reviewed_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        """Points scored on the judged rules."""
        return sum(r.score or 0 for r in self.rules if r.judged)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def available(self) -> int:
        """Points the judged rules were worth (not applicable and not judged rules leave the denominator)."""
        return sum(r.max for r in self.rules if r.judged)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def maximum(self) -> int:
        """The checklist's full score (30)."""
        return sum(r.max for r in self.rules)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def share(self) -> float | None:
        """total / available, None when no rule was judged."""
        return round(self.total / self.available, 4) if self.available else None

    def score(self, rule: str) -> RuleScore:
        for item in self.rules:
            if item.rule == rule:
                return item
        raise KeyError(rule)

    def lost(self) -> list[RuleScore]:
        """The judged rules that lost points, worst first."""
        return sorted((r for r in self.rules if r.judged and (r.score or 0) < r.max), key=lambda r: r.score or 0)


def complete(scores: dict[str, RuleScore], checklist: Checklist, note: str) -> tuple[RuleScore, ...]:
    """Every checklist rule in checklist order; a rule the reviewer said nothing about is not judged."""
    return tuple(scores.get(rule.id) or not_judged(rule.id, rule.points, note) for rule in checklist.rules)


def summarise(rules: tuple[RuleScore, ...]) -> str:
    """A one-line summary: the score on the judged rules and what lost points."""
    total = sum(r.score or 0 for r in rules if r.judged)
    available = sum(r.max for r in rules if r.judged)
    count = sum(1 for r in rules if r.judged)
    if not count:
        return "No rule could be judged."
    lost = sorted((r for r in rules if r.judged and (r.score or 0) < r.max), key=lambda r: r.score or 0)
    head = f"{total}/{available} on {count} judged rules"
    if not lost:
        return f"{head}; no points lost."
    return f"{head}; lost: " + "; ".join(f"{r.rule} {r.score}/{r.max} ({r.note})" for r in lost)


class ReviewError(Exception):
    """A reviewer could not review (its provider failed, or answered something unusable)."""


class Reviewer(Protocol):
    """Scores a transcript on the checklist. `name` and `version` are recorded on every review."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    async def review(self, transcript: Transcript) -> Review: ...
