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
from agent.understanding import Understanding


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0


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

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding: ...

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply: ...


@runtime_checkable
class ToolCallingModel(Protocol):
    """A model that may call tools (e.g. `live_stock`) while it writes; their results come back in
    `Reply.tool_facts`."""

    async def write_with_tools(
        self, brief: ReplyBrief, messages: Sequence[AnyMessage], tools: Sequence[BaseTool]
    ) -> Reply: ...
