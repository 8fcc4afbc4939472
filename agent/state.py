"""The sales graph's state: plain, serialisable values (messages, dicts, strings) with typed shapes.

Every business fact the bot states (price, stock, total) lives here as a tool result, never only in a
model's words; `guard` checks replies against `facts`.
"""

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


class Request(TypedDict, total=False):
    """What the customer is looking for, accumulated over turns and corrected in place."""

    categories: list[str]
    quantity: int
    budget_total: float
    budget_per_unit: float
    colors: list[str]
    materials: list[str]
    sizes: list[str]
    skus: list[str]
    query: str


class OfferedProduct(TypedDict):
    """A product as shown to the customer (so "the walnut one" / "the second" can be resolved)."""

    sku: str
    name: str
    name_ar: str | None
    price: float
    currency: str
    available_stock: int
    color: str | None
    category: str | None


class CartLine(TypedDict):
    sku: str
    name: str
    quantity: int
    unit_price: float
    price_source: Literal["list", "pricebook", "discount"]


class Customer(TypedDict, total=False):
    phone: str
    name: str
    company: str
    email: str
    delivery_area: str
    crm_contact_id: str
    inventory_contact_id: str
    pricebook_id: str
    returning: bool


class Quote(TypedDict, total=False):
    quote_id: str
    status: Literal["collecting", "awaiting_confirmation", "confirmed", "created", "declined"]
    asked: list[str]
    sales_order_id: str
    sales_order_number: str
    document_url: str


class Escalation(TypedDict, total=False):
    active: bool
    reason: str
    episode: int
    manager_id: str


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
    summary: str
    language: Language
    intent: Intent
    faq_topic: str | None
    request: Request
    retrieved: dict[str, object]
    offered: list[OfferedProduct]
    facts: dict[str, object]
    cart: list[CartLine]
    customer: Customer
    quote: Quote
    escalation: Escalation
    reply_parts: list[ReplyPart]
    reply_meta: ReplyMeta
