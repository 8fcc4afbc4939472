"""The offline model's understanding of one customer turn: every rule that reads customer text, composed into
the typed `Understanding` the graph decides from (agent/understanding.py).

The message is read first as the answer to what the bot just asked (`asked`): after "which delivery area?" a
street address is the area even when it says "deliver"; after a summary, "yes go ahead" is a confirmation.
A real change of topic (a complaint, a request for a person, a new product search, an order question) wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from agent.models.offline import cues, intents
from agent.models.offline import details as detail_rules
from agent.models.offline.details import (
    DETAIL_QUESTIONS,
    confirms,
    declines,
    names_an_address,
    read_details,
    requested_percent,
)
from agent.models.offline.details import wants_discount as asks_discount
from agent.models.offline.intents import NOT_NOW, OUT_OF_CATALOG, PRICE_STOCK, QUOTATION, classify, faq_topic
from agent.models.offline.slots import read_slots
from agent.models.offline.spelling import CueSpeller, words_of_patterns
from agent.policies.order_reference import parse_order_reference
from agent.policies.quote_details import EMIRATES
from agent.understanding import Intent, Question, Understanding

# Intents that change the subject even in the middle of a quotation (a product search only with a product named).
_NEW_TOPIC: frozenset[Intent] = frozenset({"complaint", "human_request", "order_status"})


def _order_number(text: str) -> str | None:
    parsed = parse_order_reference(text)
    return parsed[1] if parsed else None


def _whole_word(text: str, match: re.Match[str]) -> str:
    """The word a cue matched part of ("fridge" in "fridges", "لابتوب" in "لابتوبات")."""
    start, end = match.span()
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[start:end]


def _without(text: str, values: Iterable[str]) -> str:
    """The message without the contact details read from it: "Mathew Training Centre" names no training table."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " , ")
    return text


@cache
def _speller() -> CueSpeller:
    # place names are words too: "ajman" is not a typo of "amman"
    places = {word for names in EMIRATES.values() for name in names for word in name.split()}
    return CueSpeller(words_of_patterns(cues, intents, detail_rules) | places)


def understand_text(text: str, asked: Sequence[Question] = ()) -> Understanding:
    written = text
    text = _speller().correct(text)  # cue words with typos read as meant; details as written
    # a bare segment is taken for a name only when the bot asked for the name; "I'm Sara" always is
    details = read_details(
        written, {} if "name" in asked else {"name": "?"}, [q for q in asked if q in DETAIL_QUESTIONS]
    )
    if "delivery_area" in details and not ("delivery_area" in asked or len(details) >= 2 or names_an_address(written)):
        del details["delivery_area"]  # "office chairs for our office in Dubai" names no delivery address yet
    slots = read_slots(_without(written, details.values()))
    product_cues = bool(slots.categories or slots.skus or slots.pick or slots.colors or slots.materials)
    primary, topic = classify(text, has_product_cues=product_cues)

    confirmation = "yes" if confirms(text) else "no" if declines(text) else None
    if (
        confirmation is None
        and "confirmation" in asked
        and (slots.quantity or slots.skus or slots.colors or slots.pick)
    ):
        confirmation = "change"  # at the summary, "make it 6" or "the black one instead" changes the quotation
    no_quote_yet = bool(NOT_NOW.search(text))
    not_sold = OUT_OF_CATALOG.search(text)
    slots = slots.model_copy(
        update={
            "customer_name": details.get("name"),
            "company": details.get("company"),
            "email": details.get("email") or slots.email,
            "delivery_address": details.get("delivery_area"),
            "confirmation": confirmation,
            "discount_asked": asks_discount(text),
            "discount_percent": float(percent) if (percent := requested_percent(text)) is not None else None,
            "no_quotation_yet": no_quote_yet,
            "person_requested": cues.asks_for_person(text),
            "complaint": cues.complains(text),
            "frustrated": cues.frustrated(text),
            "opt_out": cues.opts_out(text),
            "payment_terms": cues.payment_terms_asked(text),
            "delivery_date_asked": cues.delivery_date_asked(text),
            "delivery_outside_uae": cues.destination_abroad(text),
            "plan_mentioned": cues.mentions_plan(text),
            "order_number": _order_number(text),
            "not_sold": _whole_word(text, not_sold) if not_sold and not (slots.categories or slots.skus) else None,
        }
    )

    answers: Question | None = None
    # contact details given together ("Sara Khan, Khan Trading LLC, sara@…") answer the bot, whatever words they hold
    several_details = len(details) >= 2 or "email" in details
    new_search = primary == "product_search" and bool(slots.categories or slots.skus) and not several_details
    if primary not in _NEW_TOPIC and not new_search:
        answered_details = [q for q in asked if q in DETAIL_QUESTIONS and q in details]
        if answered_details:
            answers = answered_details[0]
        elif "confirmation" in asked and confirmation is not None:
            answers = "confirmation"
        elif "choice" in asked and (slots.pick is not None or (slots.colors and not slots.categories)):
            answers = "choice"
    if answers in DETAIL_QUESTIONS or answers == "confirmation":
        primary = "quotation"  # the quotation under way goes on: an address is not a delivery question
    if primary in ("complaint", "human_request"):
        # a complaint or a call for a person is no search: "a7ad mn el team" names no material
        slots = slots.model_copy(update={"categories": [], "colors": [], "materials": []})
    elif slots.skus:
        slots = slots.model_copy(update={"categories": [], "colors": []})  # the code names the product
    intents: list[Intent] = [primary]
    if slots.skus and PRICE_STOCK.search(text):
        intents.append("price_stock")
    if QUOTATION.search(text) and not no_quote_yet:
        intents.append("quotation")
    if topic is None and primary != "faq":
        topic = faq_topic(text)
    if topic is not None and answers is None:
        intents.append("faq")
    return Understanding(intents=list(dict.fromkeys(intents)), slots=slots, faq_topic=topic, answers=answers)
