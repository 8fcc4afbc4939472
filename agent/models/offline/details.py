"""What a customer's message says about the quotation: contact details, a yes, a no, a discount request.

Customers answer "Sara Khan, Khan Trading LLC, sara@khantrading.ae, Al Quoz, Dubai" in one message, or one
detail at a time after being asked; both are read here, in English, Arabic and Russian. Pure functions.
"""

from __future__ import annotations

import re
from decimal import Decimal

from agent.policies.quote_details import INDIVIDUAL, emirate_of, is_specific_area, is_valid_email, normalise_company
from agent.state import Customer
from agent.understanding import Question
from tools.catalog.normalize import ascii_digits

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SEGMENTS = re.compile(r"[,;\n،؛]+")
_NAME_INTRO = re.compile(
    r"(?:my name is|name\s*:|name is|this is|i am|i'm|اسمي|الاسم|الإسم|انا|أنا|меня зовут|имя\s*:?|я)\s+"
    r"([^\d,;\n@،]{2,60})",
    re.IGNORECASE,
)
# "Layla from Gulf Horizon Trading", "ليلى من شركة الأفق", "Лейла из компании Горизонт": a name, then where from.
_FROM = re.compile(r"\s+(?:from|at|of|with|here from|من|مِن|в|из|от)\s+", re.IGNORECASE)
_COMPANY_MARKERS = re.compile(
    r"\b(?:llc|l\.l\.c|fze|fzco|fz-llc|dmcc|ltd|inc|co\.|company|trading|group|est\.?|establishment|interiors|"
    r"solutions|contracting|holding|enterprises)\b|شركة|مؤسسة|مجموعة|ооо|компани|групп",
    re.IGNORECASE,
)
_COMPANY_INTRO = re.compile(r"(?:company\s*:|\bfrom|\bat|(?<!\w)من|(?<!\w)из|(?<!\w)от)\s+(.+)", re.IGNORECASE)
_AREA_INTRO = re.compile(
    r"^(?:please\s+)?(?:deliver(?:y|ed)?\s+(?:to|in|at)\s+|ship\s+to\s+|address\s*:\s*)?(?:our\s+|the\s+|my\s+)?",
    re.IGNORECASE,
)
_AREA_WORDS = re.compile(
    r"\b(?:al |jumeirah|marina|bay|deira|bur|quoz|barsha|jlt|jbr|difc|downtown|silicon|oasis|city|street|st\.|road|"
    r"tower|building|office|warehouse|villa|area|district|industrial|sports|motor|internet|media|hills|springs|"
    r"meadows|ranches|karama|khalifa|mussafah|reem|saadiyat|yas|nahda|qusais|rashidiya|mirdif|satwa|karama)\b"
    r"|منطقة|شارع|برج|مبنى|الخليج التجاري|القوز|البرشاء|مرسى|ديرة|بر دبي|الممزر|النهدة|مكتب|مستودع"
    r"|район|улица|офис|башня|марина",
    re.IGNORECASE,
)
YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|sure|ok(?:ay)?|confirm(?:ed)?|go ahead|proceed|correct|agreed|deal|please do|"
    r"نعم|ايوه|إيوه|ايوا|اي|أكيد|اكيد|تمام|موافق|أؤكد|اؤكد|أكد|اكد|مؤكد|تم|"
    r"да|подтверждаю|подтвердить|согласен|согласна|верно|хорошо|оформляйте|давайте)\b",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\s*(?:no\b|nope|not (?:now|yet)|cancel|stop|don't|do not|no thanks|later|"
    r"لا\b|لأ|مو الحين|ليس الآن|الغ|ألغ|بعدين|"
    r"нет\b|не надо|отмен|пока нет|позже)",
    re.IGNORECASE,
)
_DISCOUNT = re.compile(
    r"discount|reduc|cheaper|better price|best price|خصم|تخفيض|سعر أفضل|скидк|дешевле", re.IGNORECASE
)
_PERCENT = re.compile(r"(\d{1,2}(?:\.\d+)?)\s*(?:%|٪|percent|per cent|في المية|بالمية|процент)", re.IGNORECASE)

Details = dict[str, str]

DETAIL_QUESTIONS: tuple[Question, ...] = ("name", "company", "email", "delivery_area")


def wants_discount(text: str) -> bool:
    return bool(_DISCOUNT.search(text))


def requested_percent(text: str) -> Decimal | None:
    """The percentage asked for ("30% discount"), or None for "a small discount"."""
    match = _PERCENT.search(ascii_digits(text))
    return Decimal(match.group(1)) if match else None


def confirms(text: str) -> bool:
    return bool(YES.search(text)) and not NO.search(text)


def declines(text: str) -> bool:
    return bool(NO.search(text))


def _is_name(segment: str) -> bool:
    """Up to four words without digits or an e-mail, and not a yes or a no ("موافق" after "your name?" agrees)."""
    words = segment.split()
    plain = 1 <= len(words) <= 4 and all(not any(c.isdigit() for c in w) for w in words) and "@" not in segment
    return plain and not YES.search(segment) and not NO.search(segment)


def read_details(text: str, known: Customer, asked: list[str]) -> Details:
    """The details this message gives that are still missing (name, company, email, delivery_area).

    A detail asked for alone may be answered by the whole message ("Khan Trading" after "Which company?")."""
    found: Details = {}
    plain = text.strip()
    email = _EMAIL.search(plain)
    if email and is_valid_email(email.group(0)):
        found["email"] = email.group(0)
    segments = [s.strip(" .") for s in _SEGMENTS.split(_EMAIL.sub(" ", plain)) if s.strip(" .")]
    area: list[str] = []
    rest: list[str] = []
    for segment in segments:
        if normalise_company(segment) == INDIVIDUAL:
            found.setdefault("company", INDIVIDUAL)
        elif _COMPANY_MARKERS.search(segment):
            intro = _COMPANY_INTRO.search(segment)
            found.setdefault("company", normalise_company(intro.group(1) if intro else segment))
        elif emirate_of(segment) or _AREA_WORDS.search(segment):
            area.append(_AREA_INTRO.sub("", segment))
        else:
            rest.append(segment)
    if area:
        joined = ", ".join(area)
        if is_specific_area(joined) or "delivery_area" in asked:
            found["delivery_area"] = joined
    intro = _NAME_INTRO.search(plain)
    introduced = _FROM.split(intro.group(1).strip(), maxsplit=1)[0].strip() if intro else ""
    if introduced and _is_name(introduced):
        found["name"] = introduced
    elif rest and _is_name(rest[0]) and (not known.get("name") or "name" in asked) and found:
        found["name"] = rest[0]  # "Sara Khan, Khan Trading LLC, sara@…": a name beside other details
    if len(asked) == 1 and asked[0] not in found and len(segments) == 1 and plain:
        # the answer to the one question we asked
        only = asked[0]
        if only == "name" and _is_name(plain):
            found["name"] = plain
        elif only == "company":
            found["company"] = normalise_company(plain)
        elif only == "delivery_area" and is_specific_area(plain):
            found["delivery_area"] = plain
    return {key: value for key, value in found.items() if value}
