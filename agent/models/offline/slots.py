"""Slots the offline model reads from a message: the catalog's query understanding plus quantities,
picks among shown options ("the second one") and contact details."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from agent.understanding import ItemRequest, Slots
from tools.catalog.normalize import ascii_digits
from tools.catalog.query import parse_query

_UNIT_WORDS = (
    r"pcs|pieces?|units?|nos|x|chairs?|desks?|tables?|stools?|seats?|sets?|lockers?|cabinets?|sofas?|pods?"
    r"|قطعة|قطع|حبة|حبات|كرسي|كراسي|مكتب|مكاتب|طاولة|طاولات"
    r"|karasi|kraasi|kursi|korsi|makatib|makateb|maktab|tawla|tawlat|7aba|7abat"
    r"|штук[аи]?|шт|кресл[оа]?|стул(?:ьев|a)?|стол(?:ов|а)?"
)
_QUANTITY = re.compile(rf"\b(\d{{1,5}})\s*(?:{_UNIT_WORDS})\b|(?:^|\s)(?:x|×)\s*(\d{{1,5}})\b", re.IGNORECASE)
_MAKE_IT = re.compile(
    r"(?:make it|change (?:it )?to|instead|actually|rather|update (?:it )?to|need|want|take|order|buy"
    r"|خليها|خله|غيرها|بدلها|نبي|ابي|أبي|ابغى|أبغى|ابغي|أبغي|сделайте|давайте|лучше|нужно|надо)\D{0,12}(\d{1,5})\b",
    re.IGNORECASE,
)
# A product code as customers copy it from the website or a price list: "MC-AIRO-MB-BLK", "od-form-12070-blk".
# Three or more hyphenated parts; written in lower case it needs a digit or four parts ("up-to-date" is no code).
PRODUCT_CODE = re.compile(r"(?<![\w-])([A-Za-z]{2,4}(?:-[A-Za-z0-9]{1,8}){2,5})(?![\w-])")
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
# Number words customers type instead of digits (EN, AR, RU, Arabizi), up to twenty and the round tens.
NUMBER_WORDS: dict[str, int] = {
    **{
        word: n
        for n, word in enumerate(
            [
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
                "thirteen",
                "fourteen",
                "fifteen",
                "sixteen",
                "seventeen",
                "eighteen",
                "nineteen",
                "twenty",
            ],
            start=1,
        )
    },
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "dozen": 12,
    "a dozen": 12,
    "واحد": 1,
    "اثنين": 2,
    "ثنين": 2,
    "ثلاث": 3,
    "ثلاثة": 3,
    "اربع": 4,
    "أربع": 4,
    "اربعة": 4,
    "أربعة": 4,
    "خمس": 5,
    "خمسة": 5,
    "ست": 6,
    "ستة": 6,
    "سبع": 7,
    "سبعة": 7,
    "ثمان": 8,
    "ثمانية": 8,
    "تسع": 9,
    "تسعة": 9,
    "عشر": 10,
    "عشرة": 10,
    "عشرين": 20,
    "ثلاثين": 30,
    "خمسين": 50,
    "مية": 100,
    "مائة": 100,
    "один": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
    "двенадцать": 12,
    "пятнадцать": 15,
    "двадцать": 20,
    "тридцать": 30,
    "пятьдесят": 50,
    "сто": 100,
    "wa7ed": 1,
    "ithnain": 2,
    "thalatha": 3,
    "arba3a": 4,
    "khamsa": 5,
    "sitta": 6,
    "sab3a": 7,
    "thamanya": 8,
    "tis3a": 9,
    "3ashara": 10,
    "3ashra": 10,
    "3ishreen": 20,
}
_NUMBER_WORD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
# A message that is only a number, with polite words around it ("15 please", "12 pcs pls", "٢٠ لو سمحت").
_BARE_NUMBER = re.compile(
    r"(?:(?:ok|okay|then|so|make it|let's say|lets say|about|around)\s+)?(\d{1,5})"
    r"(?:\s*(?:please|pls|plz|thanks|thank you|then|ok|لو سمحت|من فضلك|пожалуйста|please\.?))?[.!]?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_BUDGET_FOR_TOTAL = re.compile(r"total|overall|in total|for all|إجمالي|اجمالي|المجموع|всего|итого|на все", re.I)


def product_codes(text: str) -> list[str]:
    """Product codes written in the message, upper-cased ("mc-airo-mb-blk" → "MC-AIRO-MB-BLK")."""
    codes: list[str] = []
    for match in PRODUCT_CODE.finditer(text):
        code = match.group(1)
        if code.isupper() or any(c.isdigit() for c in code) or code.count("-") >= 3:
            codes.append(code.upper())
    return list(dict.fromkeys(codes))


def read_quantity(text: str) -> int | None:
    """How many pieces the message asks for ("8 chairs", "x 8", "make it 12", "١٠ من MC-…", "fifteen", a bare
    "15 please"), if it says so."""
    plain = _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m.group(0).lower()]), ascii_digits(text))
    match = _QUANTITY.search(plain) or _QUANTITY_BEFORE_CODE.search(plain) or _MAKE_IT.search(plain)
    if match:
        return int(next(group for group in match.groups() if group))
    bare = _BARE_NUMBER.fullmatch(plain.strip())
    return int(bare.group(1)) if bare else None


# "3 desks OD-TEMP-16080-WHT and 6 chairs TC-ZEPH-AA-GRY", "٣ مكاتب OD-… و ٣ كراسي TC-…": a quantity per code.
_LINE = re.compile(
    rf"(?<![\d.,])(\d{{1,5}})\s*(?:x|×|of|(?:{_UNIT_WORDS}))?\s*(?:\w+\s+){{0,2}}?"
    r"([A-Za-z]{2,4}(?:-[A-Za-z0-9]{1,8}){2,5})(?![\w-])",
    re.IGNORECASE,
)


def read_items(text: str) -> list[ItemRequest]:
    """One line per product code that has its own quantity, when the message names several codes."""
    lines = [
        ItemRequest(sku=code.upper(), quantity=int(count))
        for count, code in _LINE.findall(ascii_digits(text))
        if int(count) >= 1
    ]
    return lines if len({line.sku for line in lines}) >= 2 else []


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
    return _valid_slots(
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
        items=read_items(plain),
        email=email.group(0) if email else None,
    )


def _valid_slots(**read: Any) -> Slots:
    """The slots the schema accepts: a reading it refuses ("0 chairs", "0 AED") is dropped, not raised; the rules
    guess, the schema decides."""
    while True:
        try:
            return Slots.model_validate(read)
        except ValidationError as exc:
            refused = {str(error["loc"][0]) for error in exc.errors() if error["loc"]} & read.keys()
            if not refused:
                raise
            read = {name: value for name, value in read.items() if name not in refused}
