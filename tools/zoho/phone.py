"""Phone numbers as Zoho users type them → E.164, and the variants to look a number up by.

Handles every shape in the demo data: "+971 50 123 4567", "971501234567", "050-1234567", "00971 50 1234567",
"050 123 4567", "+971-50-1234567", landlines "+971 4 345 6789" / "04-3456789", a landline with "Ext. 214",
two numbers in one field ("050-… / 055-…"), a Russian "+7 916 482-31-07", a mobile that lost its leading
zero ("501234567"), surrounding spaces, and Wazzup chat ids (digits only, international).
"""

from __future__ import annotations

import re

UAE = "971"
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$")
_SEPARATORS = re.compile(r"\s*(?:/|,|;|\||\bor\b)\s*", re.IGNORECASE)
_UAE_LANDLINE_AREAS = "234679"


def _uae_ok(national: str) -> bool:
    """National significant number (after 971): mobiles 5X + 7 digits, landlines area + 7 digits."""
    if len(national) == 9:
        return national[0] == "5"
    if len(national) == 8:
        return national[0] in _UAE_LANDLINE_AREAS
    return False


def phone_to_e164(raw: str | None, default_country: str = UAE) -> str | None:
    """One number → "+<country><number>", or None when it cannot be a valid number.

    For a field holding several numbers this reads the first; use `phones_in` for all of them.
    """
    if raw is None:
        return None
    numbers = phones_in(raw, default_country)
    return numbers[0] if numbers else None


def _one(raw: str, default_country: str) -> str | None:
    text = _EXTENSION.sub("", raw.strip())
    has_plus = text.lstrip().startswith("+")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if has_plus:
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith(default_country) and _uae_ok(digits[len(default_country) :].removeprefix("0")):
        number = digits
    elif digits.startswith("0") and not digits.startswith("00"):
        number = default_country + digits[1:]
    elif default_country == UAE and _uae_ok(digits):
        number = default_country + digits  # lost its leading zero: 501234567
    elif 11 <= len(digits) <= 15:
        number = digits  # international without "+" (e.g. a Wazzup chatId 79164823107)
    else:
        return None
    if number.startswith(UAE):
        national = number[len(UAE) :].removeprefix("0")  # "+971 050 …" typed with the trunk zero
        if not _uae_ok(national):
            return None
        number = UAE + national
    if not 8 <= len(number) <= 15 or number.startswith("0"):
        return None
    return "+" + number


def phones_in(raw: str | None, default_country: str = UAE) -> list[str]:
    """Every number in a field, in order, deduplicated ("050-9255533 / 055-7654321" → two numbers)."""
    if not raw or not raw.strip():
        return []
    found: list[str] = []
    for part in _SEPARATORS.split(raw.strip()):
        number = _one(part, default_country) if part.strip() else None
        if number and number not in found:
            found.append(number)
    return found


def is_uae_mobile(e164: str) -> bool:
    return e164.startswith("+9715") and len(e164) == 13


def national_number(e164: str) -> str | None:
    """The UAE trunk form ("0501234567", "043456789"), or None for other countries."""
    if not e164.startswith("+" + UAE):
        return None
    return "0" + e164[len(UAE) + 1 :]


def chat_id(e164: str) -> str:
    """Digits only, as Wazzup chat ids and Zoho CRM `phone=` searches use them."""
    return e164.lstrip("+")


def phone_variants(raw: str) -> list[str]:
    """Ways the same number is commonly stored in Zoho, most likely first (for exact-match lookups)."""
    e164 = phone_to_e164(raw)
    if e164 is None:
        return []
    digits = chat_id(e164)
    variants = [e164, digits, "00" + digits]
    national = national_number(e164)
    if national is not None:
        rest = national[1:]
        if is_uae_mobile(e164):  # 50 123 4567
            prefix, a, b = rest[:2], rest[2:5], rest[5:]
        else:  # 4 345 6789
            prefix, a, b = rest[:1], rest[1:4], rest[4:]
        variants += [
            national,
            f"+971 {prefix} {a} {b}",
            f"0{prefix}-{a}{b}",
            f"0{prefix} {a} {b}",
            f"+971-{prefix}-{a}{b}",
            f"00971 {prefix} {a}{b}",
            f"+971{prefix}{a}{b}",
            rest,
        ]
    elif e164.startswith("+7") and len(digits) == 11:  # Russian typography: +7 916 482-31-07
        rest = digits[1:]
        a, b, c, d = rest[:3], rest[3:6], rest[6:8], rest[8:]
        variants += [f"+7 {a} {b}-{c}-{d}", f"+7 ({a}) {b}-{c}-{d}", f"8 {a} {b}-{c}-{d}", "8" + rest]
    seen: list[str] = []
    for variant in variants:
        if variant not in seen:
            seen.append(variant)
    return seen
