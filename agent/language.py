"""Which language the customer writes in: English, Arabic (including Arabizi) or Russian."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "ar", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "ar", "ru")

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-z0-9']+")
# Product codes and figures as customers paste them ("AC-STEP-RK-BLK", "CH616", "160x80"): no language of their own.
_CODE_OR_FIGURE = re.compile(r"\b[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)+\b|\b[A-Za-z]*\d[A-Za-z0-9]*\b|\b[xX]\b")

# Arabizi: Arabic written in Latin letters, with digits standing for Arabic sounds (3=ع, 7=ح, 2=ء, 5=خ).
_ARABIZI_WORDS = frozenset(
    [
        "salam",
        "salaam",
        "marhaba",
        "mar7aba",
        "ahlan",
        "ahla",
        "hala",
        "hla",
        "shlonak",
        "shlonik",
        "shlon",
        "kaifak",
        "kifak",
        "keefak",
        "kef",
        "kaif",
        "3ayez",
        "3ayz",
        "abi",
        "abgha",
        "abghi",
        "ab6i",
        "ba3d",
        "bas",
        "shukran",
        "shokran",
        "mashkoor",
        "yalla",
        "inshallah",
        "insha",
        "wallah",
        "habibi",
        "korsi",
        "kursi",
        "karasi",
        "kraasi",
        "maktab",
        "makatib",
        "tawila",
        "taawila",
        "3indkom",
        "3ndkm",
        "3andkom",
        "endkom",
        "3ndk",
        "fi",
        "mafi",
        "kam",
        "b",
        "kam",
        "bkam",
        "se3r",
        "si3r",
        "s3r",
        "kamm",
        "ghali",
        "rakhees",
        "ra5ees",
        "aby",
        "abi7",
        "ta3ban",
        "zain",
        "zen",
        "tayeb",
        "tamam",
    ]
)
_ARABIZI_DIGIT_WORD = re.compile(r"\b[a-z]*[a-z][2375][a-z]+\b|\b[2375][a-z]{2,}\b")


def is_arabizi(text: str) -> bool:
    lowered = text.lower()
    if _ARABIC.search(lowered) or _CYRILLIC.search(lowered):
        return False
    words = _WORD.findall(lowered)
    if not words:
        return False
    hits = sum(1 for word in words if word in _ARABIZI_WORDS)
    hits += len(_ARABIZI_DIGIT_WORD.findall(lowered))
    return hits >= 1 and hits / len(words) >= 0.2


def detect_language(text: str, previous: Language | None = None) -> Language:
    """The language to answer in. Text without letters (emoji, numbers, "ok") keeps the previous one."""
    arabic = len(_ARABIC.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic == cyrillic == latin == 0:
        return previous or "en"
    if (arabic or cyrillic) and not _LATIN.search(_CODE_OR_FIGURE.sub(" ", text)):
        # "Есть AC-STEP-RK-BLK?", "كم سعر MC-AIRO-MB-BLK": the words around the codes tell the language
        return "ar" if arabic >= cyrillic else "ru"
    if arabic >= max(cyrillic, latin * 0.5):
        return "ar"
    if cyrillic >= max(arabic, latin * 0.5):
        return "ru"
    if is_arabizi(text):
        return "ar"
    if previous and previous != "en" and latin < 12:
        # A short Latin reply ("ok", "yes 12", a SKU) inside an Arabic or Russian conversation.
        return previous
    return "en"
