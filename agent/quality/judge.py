"""The LLM judge: a LangChain chat model grading a transcript on the checklist through structured output.

The rubric is prompts/quality_judge.md (its version, the file's hash, is recorded on every review); the rule
list comes from the product's checklist. The model answers a `Verdict` (tool calling, which every DeepSeek
provider on OpenRouter supports). A provider failure or an unusable answer raises `ReviewError` with what
went wrong; a rule the model did not grade, or graded out of range, is "not judged".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field, ValidationError

from agent.quality.checklist import Checklist, load_checklist
from agent.quality.review import Review, ReviewError, RuleScore, complete, judged, not_applicable, not_judged
from agent.quality.transcript import Transcript
from prompts import PromptSource

FACTS_CHARS = 600
"""A bot message's facts are shown to the judge up to this length."""


class RuleVerdict(BaseModel):
    rule: str = Field(description="The checklist rule id")
    applicable: bool = Field(default=True, description="False when the episode gave no occasion for the rule")
    score: int | None = Field(default=None, description="0 broken, 1 partly kept, 2 kept; null when not applicable")
    evidence: list[int] = Field(default_factory=list, description="Ids of the messages that show it (at most 5)")
    note: str = Field(default="", description="One short sentence")


class Verdict(BaseModel):
    """The grades of one conversation episode on the checklist."""

    rules: list[RuleVerdict] = Field(description="One entry per checklist rule")
    summary: str = Field(description="Two sentences at most: what went well, what a manager should look at")


def render(transcript: Transcript) -> str:
    """The transcript as the judge reads it: one line per message with its id, facts under bot messages."""
    lines = []
    if transcript.customer_name:
        lines.append(f"(customer's WhatsApp profile name: {transcript.customer_name})")
    escalations = sorted(transcript.escalations, key=lambda e: e.after_message_id)
    for message in transcript.messages:
        who = {"customer": "CUSTOMER", "bot": "NOOR", "manager": "MANAGER"}[message.author]
        text = message.text.strip() or f"[{message.kind}]"
        if message.text.strip() and message.kind not in ("text", "chat"):
            text = f"[{message.kind}] {text}"
        lines.append(f"[{message.id}] {who}: {text}")
        if message.by_bot and message.facts:
            facts = json.dumps(message.facts, ensure_ascii=False, default=str)
            lines.append(f"    facts: {facts[:FACTS_CHARS]}{'…' if len(facts) > FACTS_CHARS else ''}")
        for escalation in escalations:
            if escalation.after_message_id == message.id:
                who_opened = "by the bot" if escalation.by_bot else "a manager took the thread"
                lines.append(f"    ESCALATION ({who_opened}): {escalation.reason}")
    return "\n".join(lines)


def to_scores(verdict: Verdict, checklist: Checklist, transcript: Transcript) -> tuple[RuleScore, ...]:
    """The model's grades as rule scores: unknown rules ignored, evidence kept to the transcript's ids, a grade
    out of range (or missing) is not judged."""
    known = {m.id for m in transcript.messages}
    scores: dict[str, RuleScore] = {}
    for item in verdict.rules:
        if item.rule not in checklist.ids or item.rule in scores:
            continue
        rule = checklist.rule(item.rule)
        evidence = tuple(dict.fromkeys(i for i in item.evidence if i in known))[:5]
        note = item.note.strip()[:300]
        if not item.applicable:
            scores[rule.id] = not_applicable(rule.id, rule.points, note or "no occasion")
        elif item.score is None or not 0 <= item.score <= rule.points:
            scores[rule.id] = not_judged(rule.id, rule.points, f"the judge answered an invalid score {item.score!r}")
        else:
            scores[rule.id] = judged(rule.id, item.score, rule.points, note, evidence)
    return complete(scores, checklist, "the judge did not grade it")


class ModelJudge:
    """Grades with any LangChain chat model (OpenRouter in production, the fake OpenRouter in tests)."""

    def __init__(
        self,
        chat: BaseChatModel,
        model_name: str,
        checklist: Checklist | None = None,
        prompts: PromptSource | None = None,
    ) -> None:
        self.chat = chat
        self.model_name = model_name
        self.checklist = checklist or load_checklist()
        self.prompts = prompts or PromptSource()
        self.name = f"llm:{model_name}"

    @property
    def version(self) -> str:
        """The rubric's version (the one active now) and the checklist's."""
        return f"{self.prompts.prompt('quality_judge').version}+{self.checklist.label}"

    def messages(self, transcript: Transcript) -> list[SystemMessage | HumanMessage]:
        rules = "\n".join(f"- {r.id} ({r.points} points): {r.text}" for r in self.checklist.rules)
        system = SystemMessage(self.prompts.prompt("quality_judge").text.replace("{checklist}", rules))
        human = HumanMessage(f"Conversation episode {transcript.episode}:\n\n{render(transcript)}")
        return [system, human]

    async def review(self, transcript: Transcript) -> Review:
        structured = self.chat.with_structured_output(Verdict, method="function_calling")
        try:
            answer: Any = await structured.ainvoke(self.messages(transcript))
        except (ValidationError, ValueError) as exc:
            raise ReviewError(f"the judge {self.name} answered something that is not a verdict: {exc}") from exc
        except Exception as exc:
            raise ReviewError(f"the judge {self.name} failed: {type(exc).__name__}: {exc}") from exc
        try:
            verdict = answer if isinstance(answer, Verdict) else Verdict.model_validate(answer)
        except ValidationError as exc:
            raise ReviewError(f"the judge {self.name} answered something that is not a verdict: {exc}") from exc
        rules = to_scores(verdict, self.checklist, transcript)
        return Review(
            conversation_id=transcript.conversation_id,
            episode=transcript.episode,
            first_message_id=transcript.first_message_id,
            last_message_id=transcript.last_message_id,
            reviewer=self.name,
            reviewer_version=self.version,
            checklist=self.checklist.label,
            rules=rules,
            summary=verdict.summary.strip()[:1000],
            reviewed_at=datetime.now(UTC),
        )
