"""What the graph asks of a language model: understand a message, and write a reply from facts.

Business decisions are made by nodes and tools; a model only extracts intent and slots and writes
words. Two implementations: the deterministic offline model (the embedded default) and OpenRouter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from langchain_core.messages import AnyMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from agent.language import Language
from agent.understanding import Question, Understanding


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0

    def __add__(self, more: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + more.prompt_tokens,
            completion_tokens=self.completion_tokens + more.completion_tokens,
            cost=round(self.cost + more.cost, 10),
        )


class ReplyBrief(BaseModel):
    """Everything a model may say in a reply: the situation chosen by code and the facts tools returned."""

    language: Language
    situation: str
    customer_name: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)


class Reply(BaseModel):
    text: str
    model: str
    prompt_version: str
    usage: Usage = Field(default_factory=Usage)
    tool_facts: list[dict[str, Any]] = Field(
        default_factory=list, description="What the tools the model called while writing returned (this turn)"
    )


class SalesModel(Protocol):
    name: str

    async def understand(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> Understanding:
        """This turn, understood; `asked` is what the bot's last message asked for (read the message first as
        the answer to it)."""
        ...

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply: ...


@runtime_checkable
class ToolCallingModel(Protocol):
    """A model that may call tools (e.g. `live_stock`) while it writes; their results come back in
    `Reply.tool_facts`."""

    async def write_with_tools(
        self, brief: ReplyBrief, messages: Sequence[AnyMessage], tools: Sequence[BaseTool]
    ) -> Reply: ...


@runtime_checkable
class UsageReportingModel(Protocol):
    """A model whose understanding call costs tokens: it says how many, so a turn's usage counts them too."""

    async def understand_with_usage(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> tuple[Understanding, Usage]: ...


async def understand_metered(
    model: SalesModel, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
) -> tuple[Understanding, Usage]:
    """`model.understand`, with what it cost (nothing for a model that runs here)."""
    if isinstance(model, UsageReportingModel):
        return await model.understand_with_usage(messages, language, asked)
    return await model.understand(messages, language, asked), Usage()
