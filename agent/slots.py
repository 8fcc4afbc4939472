"""Slots the offline model reads from a message: the catalog's query understanding plus quantities,
picks among shown options ("the second one") and contact details."""

from __future__ import annotations

import re

from agent.model import Slots
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
    r"|خليها|خله|غيرها|بدلها|نبي|ابي|أبي|сделайте|давайте|лучше|нужно|надо)\D{0,12}(\d{1,5})\b",
    re.IGNORECASE,
)
_ORDINALS: dict[int, tuple[str, ...]] = {
    1: ("first", "1st", "option 1", "number 1", "#1", "الأول", "الاول", "первый", "первое", "первую"),
    2: ("second", "2nd", "option 2", "number 2", "#2", "الثاني", "второй", "второе", "вторую"),
    3: ("third", "3rd", "option 3", "number 3", "#3", "الثالث", "третий", "третье", "третью"),
}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BUDGET_FOR_TOTAL = re.compile(r"total|overall|in total|for all|إجمالي|اجمالي|المجموع|всего|итого|на все", re.I)


def read_slots(text: str) -> Slots:
    plain = ascii_digits(text)
    parsed = parse_query(plain)
    filters = parsed.filters
    quantity = filters.quantity
    if quantity is None:
        match = _QUANTITY.search(plain) or _MAKE_IT.search(plain)
        if match:
            quantity = int(next(group for group in match.groups() if group))
    budget_total = filters.budget_total
    budget_per_unit = filters.max_price
    if budget_total is None and budget_per_unit is not None and _BUDGET_FOR_TOTAL.search(plain):
        budget_total, budget_per_unit = budget_per_unit, None
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
        skus=list(filters.skus),
        pick=pick,
        email=email.group(0) if email else None,
    )
