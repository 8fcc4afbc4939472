"""The product's copy of the client's checklist (checklist.yaml next to this module), loaded once."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    points: int = Field(ge=1)
    text: str


class Checklist(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    rules: tuple[Rule, ...]
    digest: str = ""
    """The data file's content hash: a review records which checklist it was scored on."""

    @property
    def total(self) -> int:
        return sum(rule.points for rule in self.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"unknown checklist rule: {rule_id}")

    @property
    def label(self) -> str:
        return f"checklist-v{self.version}@{self.digest}"


def parse_checklist(text: str) -> Checklist:
    data = yaml.safe_load(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    checklist = Checklist.model_validate({**data, "digest": digest})
    if len(set(checklist.ids)) != len(checklist.ids):
        raise ValueError("checklist rule ids must be unique")
    return checklist


@cache
def load_checklist() -> Checklist:
    """The 15-rule, 30-point checklist the product scores conversations on."""
    text = (resources.files("agent.quality") / "checklist.yaml").read_text(encoding="utf-8")
    return parse_checklist(text)
