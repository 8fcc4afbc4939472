"""The sales graph's state: plain, serialisable values (messages, dicts, strings) with typed shapes.

Every business fact the bot states (price, stock, total) lives here as a tool result, never only in a
model's words; `guard` checks replies against `facts`.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from agent.language import Language
from agent.understanding import Intent, Question


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
    quantities: dict[str, int]
    """Pieces per product code, when the customer gave each line its own quantity."""
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
    """The thread's escalation record (agent/policies/escalation.py EscalationRecord): once per episode."""

    active: bool
    reason: str
    episode: int
    manager_id: str
    handled: list[str]
    """Reasons a person already dealt with; the ones raised by state are not raised again."""


class MediaNote(TypedDict, total=False):
    """What the worker's media preparation found in this turn's files (server/worker/media.py `decide`)."""

    ask_to_type: bool
    """A voice note could not be turned into text: ask, once, to type it."""
    escalations: list[str]
    """Reason codes of files a person must see: floor_plan, drawing, tender_document, media_download_failed…"""
    photos: list[dict[str, str]]
    """Search slots described from photos (category, color, material, style); empty dicts when unknown."""
    received: list[str]
    """Kinds of the files received (image, document, video…), to acknowledge."""


class PolicySignals(TypedDict, total=False):
    """What this turn's business decisions mean for escalation (set by the quotation node)."""

    order_value_aed: float
    discount_decision: Literal["within_policy", "beyond_policy"]
    requested_discount_percent: float


class TurnInput(TypedDict):
    turn_id: str
    inbound: list[InboundItem]
    customer_name: str | None
    media: NotRequired[MediaNote]


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
    understanding: dict[str, object]
    """This turn's `Understanding` (agent/understanding.py), as the model returned it: what every node decides from."""
    understanding_usage: dict[str, float]
    """What understanding this turn cost (agent/models/base.py `Usage`); respond adds it to the reply's."""
    asked: list[Question]
    """What the bot's last reply asked the customer for: the next message is read first as the answer to it."""
    faq_topic: str | None
    request: Request
    retrieved: dict[str, object]
    offered: list[OfferedProduct]
    facts: dict[str, object]
    cart: list[CartLine]
    customer: Customer
    quote: Quote
    escalation: Escalation
    media: MediaNote
    signals: PolicySignals
    failed_turns: int
    """Consecutive turns in which the bot could not help (repeated failure escalates)."""
    provider_failures: int
    """Consecutive turns the language model provider failed and the offline model answered instead."""
    awaiting_file: bool
    """The customer announced a floor plan or drawing: when the file comes, a person takes it."""
    documents: list[ReplyPart]
    """Files to send after this turn's text (the quotation PDF)."""
    reply_parts: list[ReplyPart]
    reply_meta: ReplyMeta
