"""The rubric: the client's 15-rule, 30-point checklist (evals/checklist.yaml), graded by an LLM judge."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from evals.driver import Observation
from evals.scenario import Scenario

CHECKLIST_PATH = Path(__file__).resolve().parent / "checklist.yaml"


class Rule(BaseModel):
    id: str
    points: int = Field(ge=1)
    text: str


class Checklist(BaseModel):
    rules: list[Rule]

    @property
    def total(self) -> int:
        return sum(rule.points for rule in self.rules)

    def pick(self, ids: list[str]) -> list[Rule]:
        if not ids:
            return list(self.rules)
        known = {rule.id: rule for rule in self.rules}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ValueError(f"unknown checklist rules: {unknown}")
        return [known[i] for i in ids]


@cache
def load_checklist(path: Path = CHECKLIST_PATH) -> Checklist:
    checklist = Checklist.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [rule.id for rule in checklist.rules]
    if len(set(ids)) != len(ids):
        raise ValueError("checklist rule ids must be unique")
    return checklist


class Grade(BaseModel):
    rule: str
    score: int | Literal["n/a"]
    reason: str = ""


class RubricResult(BaseModel):
    points: float
    available: float
    share: float
    passed: bool
    grades: list[Grade]


def transcript_of(observation: Observation) -> str:
    lines = []
    for turn in observation.turns:
        who = "MANAGER (business phone)" if turn.kind == "echo" else "CUSTOMER"
        said = turn.text if turn.kind in ("say", "echo") else f"[{turn.kind}] {turn.text}".strip()
        lines.append(f"{who}: {said}")
        lines += [f"NOOR: {reply.text}" for reply in turn.replies]
    return "\n".join(lines)


class Judge(Protocol):
    name: str

    async def grade(self, scenario: Scenario, observation: Observation) -> RubricResult: ...


def score(rules: list[Rule], grades: list[Grade], min_share: float) -> RubricResult:
    by_rule = {g.rule: g for g in grades}
    points = available = 0.0
    kept: list[Grade] = []
    for rule in rules:
        grade = by_rule.get(rule.id, Grade(rule=rule.id, score=0, reason="not graded"))
        kept.append(grade)
        if grade.score == "n/a":
            continue
        available += rule.points
        points += max(0, min(int(grade.score), 2)) / 2 * rule.points
    share = points / available if available else 1.0
    return RubricResult(points=points, available=available, share=share, passed=share >= min_share, grades=kept)


class ModelJudge:
    """Any chat model (OpenRouter in practice) grading a transcript rule by rule, answering JSON."""

    def __init__(self, chat: BaseChatModel, name: str) -> None:
        self.chat = chat
        self.name = name

    async def grade(self, scenario: Scenario, observation: Observation) -> RubricResult:
        rubric = scenario.expect.rubric
        assert rubric is not None
        rules = load_checklist().pick(rubric.rules)
        checklist = "\n".join(f"- {r.id}: {r.text}" for r in rules)
        system = SystemMessage(
            "You grade a WhatsApp sales conversation of Noor, the assistant of Treejar (office furniture, Dubai). "
            'For each rule answer 2 (kept), 1 (partly), 0 (broken) or "n/a" (no occasion in this conversation). '
            'Answer only JSON: {"grades": [{"rule": "<id>", "score": 0|1|2|"n/a", "reason": "<short>"}]}'
        )
        human = HumanMessage(
            f"Scenario: {scenario.title}\nCustomer persona: {scenario.persona}\n"
            f"Notes for the grader: {rubric.notes or '-'}\n\nRules:\n{checklist}\n\n"
            f"Conversation:\n{transcript_of(observation)}"
        )
        answer = await self.chat.ainvoke([system, human])
        text = str(answer.content)
        match = re.search(r"\{.*\}", text, re.DOTALL)
        data = json.loads(match.group(0)) if match else {}
        grades = [Grade.model_validate(g) for g in data.get("grades", []) if isinstance(g, dict)]
        return score(rules, grades, rubric.min_score)
