"""The sales graph's state: plain, serialisable values (messages, dicts, strings) with typed shapes."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from agent.language import Language
from agent.model import Intent


class InboundItem(TypedDict):
    """One customer message of this turn, as the dispatcher hands it over."""

    message_id: str
    kind: str
    text: str | None
    content_uri: str | None


class ReplyPart(TypedDict):
    kind: Literal["text", "image", "document"]
    text: str | None
    content_uri: str | None


class ReplyMeta(TypedDict):
    model: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    cost: float


class TurnInput(TypedDict):
    turn_id: str
    inbound: list[InboundItem]
    customer_name: str | None


class TurnOutput(TypedDict):
    turn_id: str
    language: Language
    reply_parts: list[ReplyPart]
    reply_meta: ReplyMeta


class SalesState(TypedDict, total=False):
    turn_id: str
    inbound: list[InboundItem]
    customer_name: str | None
    messages: Annotated[list[AnyMessage], add_messages]
    language: Language
    intent: Intent
    reply_parts: list[ReplyPart]
    reply_meta: ReplyMeta
