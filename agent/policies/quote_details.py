"""What a quotation needs from the customer, and whether what they gave is enough: a name, a company (or
"individual"), a valid e-mail and a delivery area more precise than an emirate. Pure functions on values the
model already extracted; the order of `missing_details` is the order to ask in."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, Protocol

from agent.state import Customer

INDIVIDUAL = "individual"


class ContactDetails(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def company(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def delivery_area(self) -> str: ...


Detail = Literal["name", "company", "email", "delivery_area"]
DETAILS: tuple[Detail, ...] = ("name", "company", "email", "delivery_area")
EMIRATES: dict[str, tuple[str, ...]] = {
    "Dubai": ("dubai", "dxb", "دبي"),
    "Abu Dhabi": ("abu dhabi", "abudhabi", "auh", "أبوظبي", "أبو ظبي", "ابوظبي", "ابو ظبي"),
    "Sharjah": ("sharjah", "shj", "الشارقة", "شارقة"),
    "Ajman": ("ajman", "عجمان"),
    "Umm Al Quwain": ("umm al quwain", "umm al-quwain", "uaq", "أم القيوين", "ام القيوين"),
    "Ras Al Khaimah": ("ras al khaimah", "ras al-khaimah", "rak", "رأس الخيمة", "راس الخيمة"),
    "Fujairah": ("fujairah", "الفجيرة", "فجيرة"),
}
_COUNTRY_WORDS = (
    "united arab emirates",
    "u.a.e.",
    "u.a.e",
    "uae",
    "الإمارات العربية المتحدة",
    "الامارات العربية المتحدة",
    "الإمارات",
    "الامارات",
    "emirate of",
    "emirate",
    "city",
    "مدينة",
    "إمارة",
    "امارة",
    "оаэ",
    "дубай",
)
_INDIVIDUAL_WORDS = (
    "individual",
    "private",
    "personal",
    "myself",
    "for myself",
    "for me",
    "me",
    "home",
    "none",
    "no company",
    "فرد",
    "شخصي",
    "لنفسي",
    "لا يوجد",
    "частное лицо",
    "физ лицо",
    "физлицо",
    "для себя",
)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def emirate_of(text: str) -> str | None:
    """The emirate named in an address ("Business Bay, Dubai" → "Dubai"), if any."""
    folded = f" {_fold(text)} "
    for emirate, names in EMIRATES.items():
        for name in names:
            if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", folded):
                return emirate
    return None


def is_specific_area(text: str | None) -> bool:
    """An address precise enough to deliver to: something besides emirate and country names.
    "Dubai", "UAE", "Sharjah, UAE" are not; "Dubai Marina", "Al Quoz 3", "Business Bay, Dubai" are."""
    if not text or not text.strip():
        return False
    rest = f" {_fold(text)} "
    names = [n for names in EMIRATES.values() for n in names] + list(_COUNTRY_WORDS)
    for name in sorted(names, key=len, reverse=True):
        rest = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", " ", rest)
    letters = [c for c in rest if c.isalnum()]
    return len(letters) >= 2


def is_valid_email(text: str | None) -> bool:
    return bool(text) and bool(_EMAIL.match(str(text).strip()))


def normalise_company(text: str | None) -> str:
    """A company answer, with every way of saying "no company" folded into "individual"."""
    if not text or not text.strip():
        return ""
    folded = _fold(text).strip(" .!")
    if folded in _INDIVIDUAL_WORDS or folded.startswith(("i'm an individual", "i am an individual", "individual")):
        return INDIVIDUAL
    return " ".join(text.split())


def missing_details(customer: Customer | ContactDetails) -> list[Detail]:
    """What is still needed for a quotation, in the order to ask for it."""
    get = customer.get if isinstance(customer, dict) else lambda key, default="": getattr(customer, key, default)
    missing: list[Detail] = []
    if not str(get("name", "") or "").strip():
        missing.append("name")
    if not normalise_company(str(get("company", "") or "")):
        missing.append("company")
    if not is_valid_email(str(get("email", "") or "")):
        missing.append("email")
    if not is_specific_area(str(get("delivery_area", "") or "")):
        missing.append("delivery_area")
    return missing
