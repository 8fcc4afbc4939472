"""A sales order reference in one form: Zoho's number ("so 417" → "SO-00417") or our quotation id
("WA-971501234567-Q7"). The offline model reads it from a message; the order service normalises the value any
model returned with the same rule."""

from __future__ import annotations

import re
from typing import Literal

_SO_NUMBER = re.compile(r"\bSO[\s\-#:]*0*(\d{1,10})\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\bWA-\d{6,15}-Q\d+\b", re.IGNORECASE)


def parse_order_reference(text: str) -> tuple[Literal["number", "reference"], str] | None:
    """("number", "SO-00417") / ("reference", "WA-971501234567-Q7") found in a message, else None."""
    reference = _REFERENCE.search(text)
    if reference:
        return "reference", reference.group(0).upper()
    number = _SO_NUMBER.search(text)
    if number:
        return "number", f"SO-{int(number.group(1)):05d}"
    return None
