"""guard: a reply may state only numbers and product codes that a tool returned this turn, in the customer's
language; otherwise it is rewritten from the same facts by the deterministic writer. Then it is split into
WhatsApp-sized parts."""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from agent.context import Context
from agent.conversation import reply_brief
from agent.language import detect_language
from agent.state import ReplyPart, SalesState
from tools.catalog.normalize import ascii_digits

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
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


def ungrounded(reply: str, facts: dict[str, Any], customer_text: str) -> list[str]:
    """Numbers and product codes in the reply that neither a tool result nor the customer supplied."""
    allowed = _fact_numbers(facts) | _numbers(customer_text) | {f"{float(n):.2f}" for n in _HARMLESS}
    problems = sorted(n for n in _numbers(reply) if n not in allowed)
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
    customer_text = "\n".join(item["text"] or "" for item in state.get("inbound", []))
    brief = reply_brief(state)
    writer = runtime.context.writer
    problems = ungrounded(text, brief.facts, customer_text)
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
