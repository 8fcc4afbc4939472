"""Slots the offline model reads from a message: the catalog's query understanding plus quantities,
picks among shown options ("the second one") and contact details."""

from __future__ import annotations

import re

from agent.understanding import Slots
from tools.catalog.normalize import ascii_digits
from tools.catalog.query import parse_query

_UNIT_WORDS = (
    r"pcs|pieces?|units?|nos|x|chairs?|desks?|tables?|stools?|seats?|sets?|lockers?|cabinets?|sofas?|pods?"
    r"|قطعة|قطع|حبة|حبات|كرسي|كراسي|مكتب|مكاتب|طاولة|طاولات"
    r"|штук[аи]?|шт|кресл[оа]?|стул(?:ьев|a)?|стол(?:ов|а)?"
)
_QUANTITY = re.compile(rf"\b(\d{{1,5}})\s*(?:{_UNIT_WORDS})\b|(?:^|\s)(?:x|×)\s*(\d{{1,5}})\b", re.IGNORECASE)
_MAKE_IT = re.compile(
    r"(?:make it|change (?:it )?to|instead|actually|rather|update (?:it )?to|need|want"
    r"|خليها|خله|غيرها|بدلها|نبي|ابي|أبي|ابغى|أبغى|ابغي|أبغي|сделайте|давайте|лучше|нужно|надо)\D{0,12}(\d{1,5})\b",
    re.IGNORECASE,
)
# A product code as customers copy it from the website or a price list: "MC-AIRO-MB-BLK", "od-form-12070-blk".
# Three or more hyphenated parts; written in lower case it needs a digit or four parts ("up-to-date" is no code).
_CODE = re.compile(r"(?<![\w-])([A-Za-z]{2,4}(?:-[A-Za-z0-9]{1,8}){2,5})(?![\w-])")
# "10 of MC-AIRO-MB-BLK", "١٠ من …", "10 шт …": a number right before a code is its quantity.
_QUANTITY_BEFORE_CODE = re.compile(
    r"(?<![\d.,])(\d{1,5})\s*(?:x|×|of|pcs|pieces|units|من|حبة|قطعة|шт\.?|штук[аи]?)?\s+(?=[A-Za-z]{2,4}-)", re.I
)
# "500 AED per chair", "٥٠٠ درهم للكرسي", "500 дирхам за штуку": the budget is per piece even with a quantity.
_BUDGET_PER_UNIT = re.compile(
    r"\bper (?:chair|piece|unit|item|desk|table|seat)\b|\beach\b|\ba piece\b|\bapiece\b"
    r"|للكرسي|للقطعة|للحبة|للمكتب|للطاولة|لكل (?:كرسي|قطعة|حبة|مكتب|طاولة)|الواحد|الواحدة"
    r"|за (?:штуку|одн|кресло|стул|стол|единицу)|за шт",
    re.I,
)
_ORDINALS: dict[int, tuple[str, ...]] = {
    1: ("first", "1st", "option 1", "number 1", "#1", "الأول", "الاول", "первый", "первое", "первую"),
    2: ("second", "2nd", "option 2", "number 2", "#2", "الثاني", "второй", "второе", "вторую"),
    3: ("third", "3rd", "option 3", "number 3", "#3", "الثالث", "третий", "третье", "третью"),
}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BUDGET_FOR_TOTAL = re.compile(r"total|overall|in total|for all|إجمالي|اجمالي|المجموع|всего|итого|на все", re.I)


def product_codes(text: str) -> list[str]:
    """Product codes written in the message, upper-cased ("mc-airo-mb-blk" → "MC-AIRO-MB-BLK")."""
    codes: list[str] = []
    for match in _CODE.finditer(text):
        code = match.group(1)
        if code.isupper() or any(c.isdigit() for c in code) or code.count("-") >= 3:
            codes.append(code.upper())
    return list(dict.fromkeys(codes))


def read_quantity(text: str) -> int | None:
    """How many pieces the message asks for ("8 chairs", "x 8", "make it 12", "١٠ من MC-…"), if it says so."""
    plain = ascii_digits(text)
    match = _QUANTITY.search(plain) or _QUANTITY_BEFORE_CODE.search(plain) or _MAKE_IT.search(plain)
    return int(next(group for group in match.groups() if group)) if match else None


def read_slots(text: str) -> Slots:
    plain = ascii_digits(text)
    parsed = parse_query(plain)
    filters = parsed.filters
    quantity = filters.quantity
    if quantity is None:
        quantity = read_quantity(plain)
    budget_total = filters.budget_total
    budget_per_unit = filters.max_price
    if budget_total is None and budget_per_unit is not None and _BUDGET_FOR_TOTAL.search(plain):
        budget_total, budget_per_unit = budget_per_unit, None
    if budget_total is not None and _BUDGET_PER_UNIT.search(plain) and not _BUDGET_FOR_TOTAL.search(plain):
        budget_total, budget_per_unit = None, budget_total
    if budget_total is not None and quantity:
        budget_per_unit = round(budget_total / quantity, 2)
    lowered = plain.lower()
    pick = next((n for n, words in _ORDINALS.items() if any(w in lowered for w in words)), None)
    email = _EMAIL.search(plain)
    return Slots(
        categories=list(filters.categories),
        colors=list(filters.colors),
        materials=list(filters.materials),
        quantity=quantity,
        budget_total=budget_total,
        budget_per_unit=budget_per_unit,
        min_width_cm=filters.min_width_cm,
        max_width_cm=filters.max_width_cm,
        in_stock_only=filters.in_stock_only,
        skus=list(dict.fromkeys([*filters.skus, *product_codes(plain)])),
        pick=pick,
        email=email.group(0) if email else None,
    )
