"""guard: a reply may state only numbers and product codes that a tool returned this turn, in the customer's
language; otherwise it is rewritten from the same facts by the deterministic writer. Then it is split into
WhatsApp-sized parts.

A price, total or percentage (a figure next to a currency or a percent sign) must come from this turn's facts:
a figure the customer wrote ("your colleague promised 150 AED", "confirm my 50% discount") is never a source
for one. Other numbers may also be ones the model understood from the customer (a quantity, a width, the
building number of an address); the words the customer typed are not read here."""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.conversation import reply_brief, understood
from agent.language import detect_language
from agent.state import ReplyPart, SalesState
from agent.understanding import Understanding
from tools.catalog.normalize import ascii_digits

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)"
_CURRENCY = r"(?:AED|Dhs?\b|dirhams?\b|درهم|دراهم|дирхам\w*)"
_PERCENT = r"(?:%|٪|percent\b|per cent\b|بالمية|بالمئة|في المية|процент\w*)"
_CLAIM = re.compile(rf"{_CURRENCY}\s*{_AMOUNT}|{_AMOUNT}\s*(?:{_CURRENCY}|{_PERCENT})", re.IGNORECASE)
_SKU = re.compile(r"\b[A-Z]{2,}(?:[- ][A-Z0-9]{2,}){2,}\b")
# Small counts and list numbers are not claims.
_HARMLESS = {str(n) for n in range(0, 11)} | {"5", "24"}


def _numbers(text: str) -> set[str]:
    found = set()
    for raw in _NUMBER.findall(ascii_digits(text)):
        value = raw.replace(",", "").rstrip(".")
        try:
            number = float(value)
        except ValueError:
            continue
        found.add(f"{number:.2f}")
    return found


def _fact_numbers(value: Any) -> set[str]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | float):
        return {f"{float(value):.2f}"}
    if isinstance(value, str):
        return _numbers(value)
    if isinstance(value, dict):
        return set().union(*(_fact_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_fact_numbers(v) for v in value)) if value else set()
    return set()


def _claims(text: str) -> set[str]:
    """The figures stated as an amount of money or a percentage."""
    return set().union(*(_numbers(before or after) for before, after in _CLAIM.findall(ascii_digits(text))))


def ungrounded(reply: str, facts: dict[str, Any], understanding: Understanding) -> list[str]:
    """Numbers and product codes in the reply that no tool result supplied (prices, totals, percentages), or that
    neither a tool result nor the model's understanding of the customer supplied (other numbers)."""
    grounded = _fact_numbers(facts)
    heard = _fact_numbers(understanding.slots.model_dump(exclude={"discount_percent"}, exclude_defaults=True))
    harmless = {f"{float(n):.2f}" for n in _HARMLESS}
    claims = _claims(reply)
    problems = sorted(n for n in claims if n not in grounded)
    problems += sorted(n for n in _numbers(reply) - claims if n not in grounded | heard | harmless)
    known_skus = {str(s).upper() for s in re.findall(r"[A-Z0-9][A-Z0-9-]{4,}", str(facts))}
    problems += [s for s in _SKU.findall(reply) if s.upper() not in known_skus]
    return problems


def split_for_whatsapp(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then sentence, then word boundaries so no part exceeds `limit`."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", ". ", " "):
        if separator in text:
            break
    else:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if len(piece) > limit:
            parts.extend(split_for_whatsapp(piece, limit))
            current = ""
        else:
            current = piece
    if current:
        parts.append(current)
    return [part.strip() for part in parts if part.strip()]


async def guard(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    reply = state["messages"][-1]
    text = str(reply.content)
    meta = dict(state["reply_meta"])
    brief = reply_brief(state)
    writer = runtime.context.writer
    problems = ungrounded(text, brief.facts, understood(state))
    wrong_language = meta["model"] != writer.name and detect_language(text) != state["language"]
    update: dict[str, Any] = {}
    if problems or wrong_language:
        log.warning(
            "guard: reply of %s rewritten (ungrounded %s, wrong language %s)", meta["model"], problems, wrong_language
        )
        rewritten = await writer.write(brief, state["messages"])
        text = rewritten.text
        meta["prompt_version"] = f"{meta['prompt_version']}+guard:{rewritten.prompt_version}"
        update["messages"] = [AIMessage(content=text, id=reply.id)]
        update["reply_meta"] = meta
    parts: list[ReplyPart] = [
        {"kind": "text", "text": chunk, "content_uri": None}
        for chunk in split_for_whatsapp(text, runtime.context.max_part_chars)
    ]
    update["reply_parts"] = parts + state.get("documents", [])  # a quotation PDF follows its message
    # the provider failed and the offline model stood in: counted, so a persisting outage reaches a person
    stood_in = runtime.context.sales_model().name != writer.name and meta["model"] == writer.name
    update["provider_failures"] = state.get("provider_failures", 0) + 1 if stood_in else 0
    return update
