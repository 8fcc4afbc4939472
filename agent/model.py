"""What the graph asks of a language model: understand a message, and write a reply from facts.

Business decisions are made by nodes and tools; a model only extracts intent and slots and writes
words. Two implementations: the deterministic offline model (the embedded default) and OpenRouter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from langchain_core.messages import AnyMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from agent.language import Language

Intent = Literal[
    "greeting",
    "product_search",
    "product_question",
    "price_stock",
    "quotation",
    "order_status",
    "complaint",
    "human_request",
    "faq",
    "small_talk",
    "thanks",
    "out_of_scope",
]


class Slots(BaseModel):
    """Facts the customer stated explicitly in this turn (nothing guessed)."""

    categories: list[str] = Field(default_factory=list, description="Catalog categories, e.g. 'Mesh Chairs'")
    colors: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    budget_total: float | None = Field(default=None, gt=0, description="AED for the whole order")
    budget_per_unit: float | None = Field(default=None, gt=0, description="AED per piece")
    min_width_cm: float | None = Field(default=None, gt=0)
    max_width_cm: float | None = Field(default=None, gt=0)
    in_stock_only: bool = False
    skus: list[str] = Field(default_factory=list, description="Product codes written by the customer")
    pick: int | None = Field(default=None, ge=1, le=10, description="'the second one' = 2, of the options shown")
    customer_name: str | None = None
    company: str | None = None
    email: str | None = None


class Understanding(BaseModel):
    intent: Intent
    slots: Slots = Field(default_factory=Slots)
    faq_topic: Literal["delivery", "warranty", "payment", "returns", "company", "other"] | None = None


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
