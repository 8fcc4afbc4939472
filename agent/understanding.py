"""What the model understood of one customer turn: the one typed object every node and policy decides from.

The configured model produces it (the OpenRouter model through structured output, the offline model from its
rules, the evals' oracle from gold labels); code reads it and never the customer's raw text. A field the
message does not state keeps its default: nothing is guessed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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

FaqTopic = Literal["delivery", "warranty", "payment", "returns", "company", "other"]

Confirmation = Literal["yes", "no", "change"]

Question = Literal[
    "name", "company", "email", "delivery_area", "confirmation", "choice", "quantity", "file", "anything_else"
]
"""What the bot asked in its last message: the next message is read first as the answer to it."""


class ItemRequest(BaseModel):
    """One product line the customer asks for: a code or a kind of product, and how many."""

    sku: str | None = Field(default=None, description="Product code as written, upper case")
    category: str | None = Field(default=None, description="Catalog category, e.g. 'Mesh Chairs'")
    quantity: int | None = Field(default=None, ge=1, le=100_000)


class Slots(BaseModel):
    """Facts the customer stated explicitly in this turn (nothing guessed)."""

    categories: list[str] = Field(default_factory=list, description="Catalog categories, e.g. 'Mesh Chairs'")
    colors: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    quantity: int | None = Field(default=None, ge=1, le=100_000, description="Pieces, when one quantity is meant")
    items: list[ItemRequest] = Field(
        default_factory=list, description="Quantities per product when the message names several"
    )
    budget_total: float | None = Field(default=None, gt=0, description="AED for the whole order")
    budget_per_unit: float | None = Field(default=None, gt=0, description="AED per piece")
    min_width_cm: float | None = Field(default=None, gt=0)
    max_width_cm: float | None = Field(default=None, gt=0)
    in_stock_only: bool = False
    skus: list[str] = Field(default_factory=list, description="Product codes written by the customer")
    pick: int | None = Field(default=None, ge=1, le=10, description="'the second one' = 2, of the options shown")
    customer_name: str | None = Field(default=None, description="The name the customer gives for themselves")
    company: str | None = Field(default=None, description="Company name, or 'individual' for a private buyer")
    email: str | None = None
    delivery_address: str | None = Field(
        default=None, description="Where to deliver, as written (an area, a street address, a building)"
    )
    delivery_outside_uae: str | None = Field(
        default=None, description="A country or city outside the UAE the customer wants delivery to"
    )
    delivery_date_asked: bool = Field(default=False, description="Asks for a delivery date or deadline commitment")
    discount_asked: bool = Field(default=False, description="Asks for a discount or a better price")
    discount_percent: float | None = Field(default=None, gt=0, le=100, description="The discount asked, in percent")
    payment_terms: str | None = Field(
        default=None, description="Payment terms asked for (credit days, instalments, pay on delivery), as written"
    )
    confirmation: Confirmation | None = Field(
        default=None, description="The answer to a summary or yes/no question: yes, no, or a change"
    )
    no_quotation_yet: bool = Field(default=False, description="Says they do not want a quotation (yet)")
    person_requested: bool = Field(default=False, description="Asks to talk to a person / manager / human")
    complaint: bool = Field(default=False, description="Complains: damaged goods, refund, bad service")
    frustrated: bool = Field(default=False, description="Says the assistant is not helping or not understanding")
    plan_mentioned: bool = Field(default=False, description="Mentions a floor plan, drawing, layout, tender or BOQ")
    order_number: str | None = Field(default=None, description="A sales order number such as SO-00042")
    not_sold: str | None = Field(
        default=None, description="A kind of product asked for that an office-furniture shop does not sell"
    )
    opt_out: bool = Field(
        default=False, description="Asks not to be messaged again: stop, unsubscribe, no more reminders, no thanks"
    )

    @property
    def asks_discount(self) -> bool:
        return self.discount_asked or self.discount_percent is not None


class Understanding(BaseModel):
    """One customer turn, understood: what they want (first intent first) and what they stated."""

    intents: list[Intent] = Field(min_length=1, description="What the message does, the main one first")
    slots: Slots = Field(default_factory=Slots)
    faq_topic: FaqTopic | None = None
    answers: Question | None = Field(
        default=None, description="Which question of the bot's last message this message answers, if any"
    )

    @property
    def intent(self) -> Intent:
        return self.intents[0]

    def has(self, *intents: Intent) -> bool:
        return any(intent in self.intents for intent in intents)
