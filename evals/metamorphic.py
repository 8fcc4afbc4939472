"""`python -m evals.metamorphic`: the active scenarios again, with the customer's words rewritten.

Each transformation is a pure, seeded function of one customer text that keeps its meaning: a greeting or a
sign-off, the customer's name and company, a second harmless clause, the clauses in another order, typos,
Arabic-Indic digits (Western ones where a message has Arabic-Indic), Arabizi spelling, mixed English and
Arabic, a full street address instead of an area, polite wrappers, an emoji. Product codes, e-mails, URLs
and numbers are never changed (digits may change script, never value). A transformation that changes
nothing in a scenario makes the case "not applicable". The scenario's own assertions are run on the
transformed conversation; the report gives the pass rate per transformation and overall, and which cases
broke although the original passes.

Examples:
  uv run python -m evals.metamorphic --limit 10                   # 10 active scenarios, every transformation
  uv run python -m evals.metamorphic --transform typos --tag quotation
  uv run python -m evals.metamorphic --transform arabizi --language ar --dry-run   # print, do not run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from evals.results import RunOut, ScenarioOut
from evals.scenario import Scenario, Turn, load_scenarios, select

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_SEED = 14

# ---- what must never change ------------------------------------------------------------------------------

_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_URL = r"https?://\S+"
_CODE_HYPHEN = r"\b[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,10}){1,5}\b"
_CODE_SPACED = r"\b[A-Z]{2}(?: [A-Z0-9]{2,8}){2,4}\b"
_DIGIT = r"[0-9\u0660-\u0669\u06f0-\u06f9]"
_NUMBER = rf"(?<![^\W\d_]){_DIGIT}+(?:[.,/]{_DIGIT}+)*(?![^\W\d_])"
"""A number standing on its own: the 3 of Arabizi "3ajman" is a letter, not a number."""
PROTECTED = re.compile("|".join(f"(?:{p})" for p in (_EMAIL, _URL, _CODE_HYPHEN, _CODE_SPACED, _NUMBER)))
"""E-mails, URLs, product and order codes (MC-AIRO-MB-BLK, "MC AIRO LB BLK", SO-00001) and numbers."""

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_TO_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def protected_spans(text: str) -> list[str]:
    """The spans a transformation keeps, in order, with digits read as ASCII (their value)."""
    return [m.group(0).translate(_TO_ASCII_DIGITS) for m in PROTECTED.finditer(text)]


def _mask(text: str) -> tuple[str, list[str]]:
    """Protected spans replaced by placeholders (private-use characters), to rewrite the rest safely."""
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    return PROTECTED.sub(keep, text), spans


def _unmask(text: str, spans: list[str], convert: Callable[[str], str] | None = None) -> str:
    def put(match: re.Match[str]) -> str:
        span = spans[int(match.group(1))]
        return convert(span) if convert is not None else span

    return re.sub("\ue000(\\d+)\ue001", put, text)


def script_of(text: str) -> str:
    """The writing of one customer text: ar (Arabic letters), ru (Cyrillic) or latin."""
    if _ARABIC_LETTER.search(text):
        return "ar"
    if _CYRILLIC_LETTER.search(text):
        return "ru"
    return "latin"


# ---- where a text sits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """One customer text: the scenario's language, its place among the customer's texts, a seed key."""

    language: str
    index: int = 0
    count: int = 1
    key: str = ""
    names_given: bool = False
    """The conversation already states the customer's name or company (gold labels)."""

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def last(self) -> bool:
        return self.index == self.count - 1

    def rng(self, name: str, seed: int) -> random.Random:
        return random.Random(f"{seed}:{name}:{self.key}:{self.index}")

    def voice(self, text: str) -> str:
        """Which set of words fits this text: en, ar, ru or arabizi (Latin letters in an Arabic chat)."""
        script = script_of(text)
        if script != "latin":
            return script
        return "arabizi" if self.language == "ar" else ("ru" if self.language == "ru" else "en")


Transformation = Callable[[str, Where, int], str]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _join_prefix(prefix: str, text: str) -> str:
    """`prefix` before the text; a Latin first letter is lower-cased after it ("Kindly, how much …")."""
    first = text.split(" ", 1)[0]
    capitalised = re.fullmatch(r"[A-ZА-ЯЁ][a-zа-яё']+", first) and first not in ("I", "I'd")
    if prefix.rstrip().endswith((",", "،")) and capitalised:
        text = text[0].lower() + text[1:]
    return f"{prefix}{text}"


def _split_greeting(text: str) -> tuple[str, str]:
    """An opening greeting ("Hi, ", "Здравствуйте! ") and the rest of the text; ("", text) when none."""
    match = _GREETING_START.search(text)
    if match is None:
        return "", text
    after = re.compile(r"[\s,،!.]*").match(text, match.end())
    cut = after.end() if after else match.end()
    return text[:cut], text[cut:]


def _append(text: str, addition: str) -> str:
    """`addition` (", btw …") after the text: before a final full stop, after a final question mark."""
    body, end = _strip_end(text)
    if any(mark in end for mark in "?!؟"):
        return text.rstrip() + " " + addition.lstrip(" ,،")
    return body + addition + end


def _strip_end(text: str) -> tuple[str, str]:
    """The text without its trailing punctuation, and that punctuation."""
    match = re.search(r"[\s.!?؟,،]*$", text)
    cut = match.start() if match else len(text)
    return text[:cut], text[cut:]


# ---- greetings, sign-offs, names, clauses -----------------------------------------------------------------

GREETINGS = {
    "en": ["Hi, ", "Hello, ", "Good morning, ", "Hi there, "],
    "ar": ["مرحبا، ", "السلام عليكم، ", "هلا، ", "مساء الخير، "],
    "ru": ["Здравствуйте! ", "Добрый день, ", "Привет, "],
    "arabizi": ["salam, ", "marhaba ", "hala, "],
}
_GREETING_START = re.compile(
    r"^\s*(?:hi there|hi|hello|hey|good (?:morning|afternoon|evening)|salam(?: 3alaikum| alaikum)?|marhaba|hala"
    r"|مرحبا|السلام عليكم|هلا|مساء الخير|صباح الخير|здравствуйте|добрый (?:день|вечер|утро)|доброе утро|привет)"
    r"(?!\w)",
    re.IGNORECASE,
)


def greeting(text: str, where: Where, seed: int) -> str:
    """A greeting before the customer's first message (none when it already greets)."""
    if not where.first or _GREETING_START.search(text):
        return text
    return _join_prefix(where.rng("greeting", seed).choice(GREETINGS[where.voice(text)]), text)


SIGNOFFS = {
    "en": [" thanks", " cheers", " thx", " thank you"],
    "ar": [" شكراً", " مشكور", " يعطيك العافية"],
    "ru": [" спасибо", " заранее спасибо"],
    "arabizi": [" shukran", " thanks habibi", " mashkoor"],
}
_THANKS = re.compile(r"(thank|thx|cheers|شكر|مشكور|спасибо|shukran)", re.IGNORECASE)


def signoff(text: str, where: Where, seed: int) -> str:
    """A sign-off after the customer's last message (none when it already thanks)."""
    if not where.last or _THANKS.search(text):
        return text
    return _append(text, where.rng("signoff", seed).choice(SIGNOFFS[where.voice(text)]))


NAMES = {
    "en": ["This is Daniel from Falcon Ridge Consulting. ", "Priyanka here from Bluewave Media. "],
    "ar": ["معك سعيد من شركة الصقر للتجارة، ", "أنا منى من مؤسسة الندى، "],
    "ru": ["Это Дмитрий из компании Сокол. ", "Меня зовут Анна, компания Восток Трейд. "],
    "arabizi": ["ana Saeed mn sharikat al saqr, ", "m3ak Mona mn mo2asasat al nada, "],
}


def name(text: str, where: Where, seed: int) -> str:
    """The customer's name and company before their first message (when the chat does not state them)."""
    if not where.first or where.names_given:
        return text
    opening, rest = _split_greeting(text)
    if not rest.strip():
        comma = "، " if where.voice(text) == "ar" else ", "
        return text.rstrip(" ,،!.") + comma + where.rng("name", seed).choice(NAMES[where.voice(text)]).rstrip(" ,،")
    return opening + where.rng("name", seed).choice(NAMES[where.voice(text)]) + rest


CLAUSES = {
    "en": [
        ", btw we found you on Google",
        ", by the way we just moved into a new office",
        ", I saw your Instagram page",
    ],
    "ar": ["، بالمناسبة شفت صفحتكم في انستقرام", "، بالمناسبة انتقلنا لمكتب جديد", "، حصلناكم في قوقل"],
    "ru": [", кстати, нашёл вас в инстаграме", ", кстати, мы недавно переехали в новый офис"],
    "arabizi": [", btw shift safhatkom 3al insta", ", 3la fekra ana 7assaltkom 3la google"],
}


def clause(text: str, where: Where, seed: int) -> str:
    """A second, harmless clause after the first message that says something (three words or more)."""
    if not where.first or _words(text) < 3:
        return text
    return _append(text, where.rng("clause", seed).choice(CLAUSES[where.voice(text)]))


_SENTENCE = re.compile(r"(?<=[.!?؟])\s+")
_DASH = re.compile(r"\s+[—–-]\s+")
_CONJUNCTION = re.compile(r"\s+(?:and|also|и|а также)\s+|\s+و(?:\s+|(?=كم|هل|ال|تو))", re.IGNORECASE)
_COMMA = re.compile(r"\s*[,،]\s+")


def swap(text: str, where: Where, seed: int) -> str:
    """The clauses in another order: the first sentence moved to the end, or two clauses swapped."""
    masked, spans = _mask(text)
    sentences = [p for p in _SENTENCE.split(masked) if p.strip()]
    if len(sentences) >= 2:
        return _unmask(" ".join([*sentences[1:], sentences[0]]), spans)
    for splitter, glue in ((_DASH, " — "), (_CONJUNCTION, ""), (_COMMA, ", ")):
        parts = [p for p in splitter.split(masked) if p.strip()]
        separator = splitter.search(masked)
        if len(parts) != 2 or separator is None or min(_words(p) for p in parts) < 2:
            continue
        head, end = _strip_end(parts[1])
        joint = glue or separator.group(0)
        if joint == ", " and script_of(text) == "ar":
            joint = "، "
        return _unmask(head + joint + parts[0].strip() + end, spans)
    return text


# ---- spelling ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{4,}")


def _typo(word: str, rng: random.Random) -> str:
    inner = range(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double"])
    i = rng.choice(list(inner))
    if kind == "swap" and i + 1 < len(word) and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _touches_digit(text: str, start: int, end: int) -> bool:
    """A word glued to a digit (Arabizi "3indkom", "si3r") is left as written."""
    return (start > 0 and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit())


def typos(text: str, where: Where, seed: int) -> str:
    """One or two typos in words of four letters or more (never in names, codes, e-mails or numbers), in
    messages of two words or more: a lone misspelt word has no context left to read it by."""
    if _words(text) < 2:
        return text
    masked, spans = _mask(text)
    candidates = [
        m
        for m in _WORD.finditer(masked)
        if not m.group(0)[0].isupper() and not _touches_digit(masked, m.start(), m.end())
    ]
    if not candidates:
        return text
    rng = where.rng("typos", seed)
    chosen = sorted(rng.sample(candidates, k=min(len(candidates), rng.choice([1, 2]))), key=lambda m: m.start())
    out, last = [], 0
    for match in chosen:
        out += [masked[last : match.start()], _typo(match.group(0), rng)]
        last = match.end()
    out.append(masked[last:])
    return _unmask("".join(out), spans)


def _is_standalone_number(span: str) -> bool:
    return bool(re.fullmatch(_NUMBER, span))


def arabic_digits(text: str, where: Where, seed: int) -> str:
    """The numbers of an Arabic chat's message in the other digit script: Western digits become Arabic-Indic
    ("12" → "١٢"); a message already written in Arabic-Indic digits gets Western ones. Never inside codes
    or e-mails, never another value."""
    if script_of(text) != "ar" and where.language != "ar":
        return text
    masked, spans = _mask(text)
    numbers = [s for s in spans if _is_standalone_number(s)]
    if any(re.search("[0-9]", s) for s in numbers):
        table = _TO_ARABIC_DIGITS
    elif numbers:
        table = _TO_ASCII_DIGITS
    else:
        return text
    return _unmask(masked, spans, lambda s: s.translate(table) if _is_standalone_number(s) else s)


# Arabic words and phrases as Gulf customers spell them in Latin letters; longest first when applied.
ARABIZI_WORDS = {
    "السلام عليكم": "salam 3alaikum",
    "عرض سعر": "3ard si3r",
    "لو سمحت": "law sama7t",
    "من فضلك": "min fadlak",
    "توكل على الله": "tawakal 3ala allah",
    "غيرت رايي": "ghayart ra2yi",
    "مساء الخير": "masa el khair",
    "أبغى": "abgha",
    "ابغى": "abgha",
    "أبي": "abi",
    "ابي": "abi",
    "نبي": "nabi",
    "نبغى": "nabgha",
    "كم": "kam",
    "سعر": "si3r",
    "السعر": "el si3r",
    "كرسي": "kursi",
    "كراسي": "karasi",
    "مكتب": "maktab",
    "مكاتب": "makatib",
    "نعم": "na3am",
    "أؤكد": "a2akid",
    "أكد": "akid",
    "اعتمد": "i3tamid",
    "مرحبا": "marhaba",
    "شكرا": "shukran",
    "شكراً": "shukran",
    "ممكن": "mumkin",
    "خصم": "khasm",
    "موظف": "mwazaf",
    "الضمان": "el daman",
    "ضمان": "daman",
    "مدة": "muddat",
    "التوصيل": "el tawseel",
    "توصلون": "twasloon",
    "الشارقة": "el shar2a",
    "دبي": "dubai",
    "عجمان": "3ajman",
    "تمام": "tamam",
    "موافق": "mwafeg",
    "لا": "la",
    "خلاص": "khalas",
    "الغيه": "elghee",
    "بدلها": "baddelha",
    "بالرمادي": "bil ramadi",
    "الطلب": "el talab",
    "وصل": "wasal",
    "متأخر": "mit2akhir",
    "الكرسي": "el kursi",
    "مكسور": "maksoor",
    "استرجاع": "istirja3",
    "المبلغ": "el mablagh",
    "اكلم": "akallem",
    "أكلم": "akallem",
    "احد": "a7ad",
    "من": "min",
    "المبيعات": "el mabee3at",
    "مو": "mu",
    "روبوت": "robot",
    "عندكم": "3indkom",
    "هل": "hal",
    "شركة": "sharikat",
    "معك": "ma3ak",
    "إذا": "itha",
    "اذا": "itha",
    "أخذت": "akhatht",
    "لو": "law",
    "على": "3ala",
    "بسيط": "baseet",
    "وين": "wain",
    "اليوم": "el yom",
    "حل": "7al",
    "مكتبي": "maktabi",
    "الاسم": "el ism",
    "فرد": "fard",
    "ايميلي": "emaili",
    "نحتاج": "ni7taj",
    "نقدر": "nigdar",
    "ندفع": "nidfa3",
    "يوم": "yom",
    "بعد": "ba3d",
    "الاستلام": "el istilam",
    "محمد": "Mohammed",
    "العلي": "el 3ali",
    "خالد": "Khalid",
    "الشامسي": "el Shamsi",
    "سالم": "Salem",
    "الكتبي": "el Ketbi",
    "مريم": "Mariam",
    "الحمادي": "el Hammadi",
    "عبدالله": "Abdulla",
    "المري": "el Marri",
    "فهد": "Fahad",
    "الظاهري": "el Dhaheri",
    "نورة": "Noura",
    "النخيل": "el Nakheel",
    "للتجارة": "lil tijara",
    "الخليج التجاري": "el Khaleej el Tijari",
    "القوز": "Al Quoz",
    "البرشاء": "Al Barsha",
    "مردف": "Mirdif",
    "ديرة": "Deira",
    "الشيخ زايد": "Sheikh Zayed",
    "بناية": "binayat",
    "شارع": "share3",
    "مؤسسة": "mo2asasat",
    "للمقاولات": "lil muqawalat",
    "الريم": "el Reem",
    "القابضة": "el qabida",
    "للسفريات": "lil safariyat",
    "الأفق الذهبي": "el Ofoq el Thahabi",
    "مدينة دبي للإنترنت": "Dubai Internet City",
    "للتقنية": "lil taqniya",
    "الزرعوني": "el Zarooni",
    "الكرامة": "el Karama",
    "أريد": "areed",
    "أبغي": "abghi",
    "عشان": "3ashan",
    "الحين": "el 7een",
    "السعر؟": "el si3r?",
    "متوفر": "mitwaffir",
    "عندكم؟": "3indkom?",
    "مكتبية": "maktabiya",
    "للكرسي": "lil kursi",
    "درهم": "dirham",
    "الميزانية": "el mizaniya",
    "تعطوني": "t3tuni",
    "كراسي،": "karasi,",
}
_ARABIZI_LETTERS = {
    "ا": "a", "أ": "a", "إ": "e", "آ": "a", "ء": "2", "ؤ": "2", "ئ": "2", "ب": "b", "ت": "t", "ث": "th",
    "ج": "j", "ح": "7", "خ": "kh", "د": "d", "ذ": "th", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s",
    "ض": "d", "ط": "6", "ظ": "th", "ع": "3", "غ": "gh", "ف": "f", "ق": "g", "ك": "k", "ل": "l", "م": "m",
    "ن": "n", "ه": "h", "ة": "a", "و": "w", "ي": "y", "ى": "a", "،": ",", "؟": "?", "٪": "%", "؛": ";", "ـ": "",
}  # fmt: skip
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u064b-\u065f\u0670]+")
_ARABIC_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670]")


def _arabizi_letters(word: str) -> str:
    return "".join(_ARABIZI_LETTERS.get(ch, ch) for ch in word)


def _arabizi_word(word: str) -> str:
    plain = _ARABIC_DIACRITICS.sub("", word)
    if plain in ARABIZI_WORDS:
        return ARABIZI_WORDS[plain]
    for prefix, latin in (("وال", "w el "), ("بال", "bil "), ("ال", "el ")):
        rest = plain[len(prefix) :]
        if plain.startswith(prefix) and len(rest) >= 2:
            known = ARABIZI_WORDS.get("ال" + rest)
            return latin + (known.removeprefix("el ") if known else _arabizi_letters(rest))
    for prefix, latin in (("و", "w "), ("ب", "b "), ("ل", "l ")):
        rest = plain[len(prefix) :]
        if plain.startswith(prefix) and rest in ARABIZI_WORDS:
            return latin + ARABIZI_WORDS[rest]
    return _arabizi_letters(plain)


def arabizi(text: str, where: Where, seed: int) -> str:
    """An Arabic text spelled in Latin letters as Gulf customers type it (digits in ASCII)."""
    if script_of(text) != "ar":
        return text
    masked, spans = _mask(text)
    for phrase in sorted((p for p in ARABIZI_WORDS if " " in p), key=len, reverse=True):
        masked = masked.replace(phrase, ARABIZI_WORDS[phrase])
    masked = _arabizi_letters(_ARABIC_WORD.sub(lambda m: _arabizi_word(m.group(0)), masked))
    return _unmask(masked, spans, lambda s: s.translate(_TO_ASCII_DIGITS))


# Arabic words customers often write in English in the middle of an Arabic message.
MIXED_WORDS = {
    "عرض سعر": "quotation",
    "عرض السعر": "quotation",
    "كراسي": "chairs",
    "كرسي": "chair",
    "مكاتب": "desks",
    "مكتب": "office",
    "التوصيل": "delivery",
    "خصم": "discount",
    "الضمان": "warranty",
    "الطلب": "order",
    "السعر": "price",
    "سعر": "price",
    "موظف": "staff",
    "ايميلي": "my email",
}


def _arabic_word_in(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\u0621-\u064a])" + re.escape(word) + r"(?![\u0621-\u064a])")


MIXED_LATIN = {"en": ["salam, ", "yalla, "], "arabizi": ["ok ", "pls "]}


def mixed(text: str, where: Where, seed: int) -> str:
    """Code-switching: an Arabic message with one English word in place of its Arabic one; an English
    message of an Arabic speaker's first turn starting with a Latin-script Arabic word."""
    script = script_of(text)
    if script == "ar":
        masked, spans = _mask(text)
        found = [w for w in sorted(MIXED_WORDS, key=len, reverse=True) if _arabic_word_in(w).search(masked)]
        found = [w for w in found if not any(w != longer and w in longer for longer in found)]
        if not found:
            return text
        word = where.rng("mixed", seed).choice(found)
        return _unmask(_arabic_word_in(word).sub(MIXED_WORDS[word], masked, count=1), spans)
    if script == "latin" and where.first and where.language in ("en", "ar"):
        if _GREETING_START.search(text) or _words(text) < 2:
            return text
        return where.rng("mixed", seed).choice(MIXED_LATIN[where.voice(text)]) + text
    return text


# ---- places ------------------------------------------------------------------------------------------------

AREAS = [
    "Dubai Investment Park", "Jumeirah Lake Towers", "Dubai Silicon Oasis", "Business Bay", "Dubai Marina",
    "Al Barsha", "Al Quoz", "Media City", "Jebel Ali", "Oud Metha", "Al Nahda", "Karama", "Deira", "DIFC",
    "JLT", "Jumeirah",
]  # fmt: skip
AREAS_AR = ["الخليج التجاري", "مدينة دبي للإنترنت", "القوز", "البرشاء", "مردف", "ديرة", "دبي مارينا", "الكرامة"]
AREAS_RU = ["Дубай Марина", "Бизнес Бэй"]
BUILDINGS = {
    "latin": ["Office 1204, Prime Tower, ", "Unit 7, Building 3, ", "Shop 12, Al Attar Business Centre, "],
    "ar": ["مكتب ١٢٠٤، برج برايم، ", "وحدة ٧، مبنى ٣، ", "محل ١٢، مركز العطار التجاري، "],
    "ru": ["офис 1204, башня Prime Tower, ", "блок 7, здание 3, "],
}
_BUILDING_BEFORE = re.compile(r"(office|unit|shop|warehouse|villa|tower|building|مكتب|بناية|مبنى|офис|башня)", re.I)


def address(text: str, where: Where, seed: int) -> str:
    """A full street address (office, building) in place of a bare delivery area of Dubai."""
    masked, spans = _mask(text)
    if _BUILDING_BEFORE.search(masked):
        return text  # already a street address
    candidates = [(a, "latin") for a in AREAS] + [(a, "ar") for a in AREAS_AR] + [(a, "ru") for a in AREAS_RU]
    for area, kind in candidates:
        pattern = re.compile(r"(?<![\w])" + re.escape(area) + r"(?![\w])", re.IGNORECASE)
        match = pattern.search(masked)
        if match is None:
            continue
        building = where.rng("address", seed).choice(
            BUILDINGS["ru" if kind == "latin" and script_of(text) == "ru" else kind]
        )
        start = match.start()
        return _unmask(masked[:start] + building + masked[start:], spans)
    return text


# ---- politeness and emoji -----------------------------------------------------------------------------------

POLITE = {
    "en": (["Sorry to bother you, ", "If you don't mind, ", "Kindly, "], [", thank you so much", ", appreciate it"]),
    "ar": (["لو سمحت، ", "من فضلك، ", "بعد إذنك، "], [" ومشكور", " وجزاك الله خير"]),
    "ru": (["Будьте добры, ", "Подскажите, пожалуйста, "], [", заранее благодарю", ", буду признателен"]),
    "arabizi": (["law sama7t, ", "min fadlak, "], [" w shukran", " mashkoor"]),
}


def polite(text: str, where: Where, seed: int) -> str:
    """A polite wrapper around a request of three words or more ("Kindly, …, thank you so much")."""
    if _words(text) < 3:
        return text
    rng = where.rng("polite", seed)
    prefixes, suffixes = POLITE[where.voice(text)]
    prefix, suffix = rng.choice(prefixes), rng.choice(suffixes)
    opening, rest = _split_greeting(text)
    if re.search(_EMAIL, text) or _THANKS.match(text) or not rest.strip():
        return _append(text, suffix)  # a details line or a thank-you: only the closing words
    if opening and prefix[:1].isupper():
        prefix = prefix[0].lower() + prefix[1:]
    return _append(opening + _join_prefix(prefix, rest), suffix)


EMOJI = ["🙏", "😊", "🙂", "✨"]


def emoji(text: str, where: Where, seed: int) -> str:
    """An emoji after the message, as people add them (never inside a word, code or number)."""
    return text.rstrip() + " " + where.rng("emoji", seed).choice(EMOJI)


TRANSFORMATIONS: dict[str, Transformation] = {
    "greeting": greeting,
    "signoff": signoff,
    "name": name,
    "clause": clause,
    "swap": swap,
    "typos": typos,
    "arabic_digits": arabic_digits,
    "arabizi": arabizi,
    "mixed": mixed,
    "address": address,
    "polite": polite,
    "emoji": emoji,
}


# ---- scenarios ----------------------------------------------------------------------------------------------


def _names_given(scenario: Scenario) -> bool:
    if scenario.initial.crm_contact is not None or scenario.expect.replies.greet_by_name:
        return True
    return any(
        t.understanding is not None and (t.understanding.slots.customer_name or t.understanding.slots.company)
        for t in scenario.turns
    )


def _customer_texts(turn: Turn) -> list[str]:
    if turn.say is not None:
        return [turn.say]
    if turn.burst is not None:
        return list(turn.burst)
    if turn.goal is not None:
        return list(turn.script)
    if turn.caption is not None and turn.echo is None:
        return [turn.caption]
    return []


def _with_texts(turn: Turn, texts: list[str]) -> Turn:
    if turn.say is not None:
        return turn.model_copy(update={"say": texts[0]})
    if turn.burst is not None:
        return turn.model_copy(update={"burst": texts})
    if turn.goal is not None:
        return turn.model_copy(update={"script": texts})
    return turn.model_copy(update={"caption": texts[0]})


def transform_scenario(scenario: Scenario, name: str, seed: int = DEFAULT_SEED) -> Scenario | None:
    """The scenario with every customer text rewritten by one transformation; None when nothing changed."""
    function = TRANSFORMATIONS[name]
    count = sum(len(_customer_texts(t)) for t in scenario.turns)
    names_given = _names_given(scenario)
    index, changed, turns = 0, False, []
    for turn in scenario.turns:
        texts = _customer_texts(turn)
        if not texts:
            turns.append(turn)
            continue
        new = []
        for text in texts:
            where = Where(scenario.language, index, count, scenario.id, names_given)
            new.append(function(text, where, seed))
            index += 1
        changed = changed or new != texts
        turns.append(_with_texts(turn, new) if new != texts else turn)
    if not changed:
        return None
    return scenario.model_copy(update={"id": f"{scenario.id}~{name}", "turns": turns})


def customer_texts(scenario: Scenario) -> list[str]:
    return [text for turn in scenario.turns for text in _customer_texts(turn)]


@dataclass
class Case:
    scenario: Scenario
    transform: str
    transformed: Scenario | None
    """None: not applicable (the transformation changes nothing in this scenario)."""


def plan(scenarios: Iterable[Scenario], transforms: Iterable[str], seed: int = DEFAULT_SEED) -> list[Case]:
    names = list(transforms)
    return [Case(s, t, transform_scenario(s, t, seed)) for s in scenarios for t in names]


# ---- results ------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    applicable: int = 0
    passed: int = 0
    not_applicable: int = 0
    broken: list[str] = field(default_factory=list)
    """Scenarios whose original passes and whose transformed version fails."""

    @property
    def rate(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None


def tally(cases: list[Case], passed: dict[str, bool], original: dict[str, bool]) -> dict[str, Tally]:
    """Per transformation (and "overall"): applicable cases, how many passed, how many were not applicable."""
    out: dict[str, Tally] = {}
    overall = Tally()
    for case in cases:
        row = out.setdefault(case.transform, Tally())
        if case.transformed is None:
            row.not_applicable += 1
            overall.not_applicable += 1
            continue
        ok = passed.get(case.transformed.id, False)
        for target in (row, overall):
            target.applicable += 1
            target.passed += ok
        if not ok and original.get(case.scenario.id, False):
            row.broken.append(case.scenario.id)
            overall.broken.append(case.transformed.id)
    out["overall"] = overall
    return out


def _failed_checks(scenario: ScenarioOut) -> list[str]:
    return [f"{c.name}: {c.detail[:160]}" if c.detail else c.name for t in scenario.trials for c in t.failures][:6]


def report_json(
    cases: list[Case], run: RunOut, originals: RunOut | None, tallies: dict[str, Tally], seconds: float, seed: int
) -> dict[str, Any]:
    by_id = {s.id: s for s in run.scenarios}
    original_by_id = {s.id: s for s in originals.scenarios} if originals else {}
    return {
        "run_id": run.run_id,
        "model": run.model,
        "seed": seed,
        "seconds": round(seconds, 1),
        "scenarios": len({c.scenario.id for c in cases}),
        "original_pass": {k: v.pass_k for k, v in original_by_id.items()},
        "retried_after_harness_error": run.filters.get("retried_after_harness_error", [])
        + (originals.filters.get("retried_after_harness_error", []) if originals else []),
        "harness_errors": harness_errors(run),
        "transformations": {
            name: {
                "applicable": t.applicable,
                "passed": t.passed,
                "not_applicable": t.not_applicable,
                "pass_rate": round(t.rate, 4) if t.rate is not None else None,
                "broken": t.broken,
            }
            for name, t in tallies.items()
        },
        "cases": [
            {
                "scenario": c.scenario.id,
                "transform": c.transform,
                "applicable": c.transformed is not None,
                "passed": by_id[c.transformed.id].pass_k if c.transformed and c.transformed.id in by_id else None,
                "original_passed": original_by_id[c.scenario.id].pass_k if c.scenario.id in original_by_id else None,
                "texts": customer_texts(c.transformed) if c.transformed else [],
                "failed_checks": _failed_checks(by_id[c.transformed.id])
                if c.transformed and c.transformed.id in by_id
                else [],
            }
            for c in cases
        ],
    }


def print_table(tallies: dict[str, Tally], console: Console, title: str) -> None:
    table = Table(title=title)
    for column in ("transformation", "applicable", "passed", "pass rate", "n/a", "broken (original passes)"):
        table.add_column(
            column, justify="left" if column in ("transformation", "broken (original passes)") else "right"
        )
    for name, t in tallies.items():
        rate = f"{t.rate:.1%}" if t.rate is not None else "-"
        broken = ", ".join(t.broken[:4]) + (f" … +{len(t.broken) - 4}" if len(t.broken) > 4 else "")
        style = "bold" if name == "overall" else None
        table.add_row(name, str(t.applicable), str(t.passed), rate, str(t.not_applicable), broken, style=style)
    console.print(table)


# ---- the command --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m evals.metamorphic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transform", dest="transforms", action="append", default=[], choices=list(TRANSFORMATIONS))
    parser.add_argument("--tag", dest="tags", action="append", default=[], help="only scenarios with this tag")
    parser.add_argument("--id", dest="ids", action="append", default=[], help="scenario id or id prefix (repeat)")
    parser.add_argument("--language", dest="languages", action="append", default=[], choices=["en", "ar", "ru"])
    parser.add_argument("--limit", type=int, default=None, help="the first N selected scenarios")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--model", choices=["offline", "openrouter"], default="offline")
    parser.add_argument("--worker", choices=["process", "inline"], default="process")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-original", action="store_true", help="do not run the untransformed scenarios")
    parser.add_argument("--dry-run", action="store_true", help="print the transformed customer texts, run nothing")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--strict", action="store_true", help="exit 1 below --min-rate (overall or any transformation)")
    parser.add_argument("--min-rate", type=float, default=0.9)
    return parser.parse_args(argv)


def chosen_scenarios(args: argparse.Namespace) -> list[Scenario]:
    everything = load_scenarios()
    chosen = select(everything, ids=args.ids, tags=args.tags, languages=args.languages, status="active")
    return chosen[: args.limit] if args.limit is not None else chosen


def dry_run(cases: list[Case], console: Console) -> None:
    for case in cases:
        if case.transformed is None:
            console.print(f"[dim]{case.scenario.id} ~{case.transform}: not applicable[/dim]")
            continue
        console.print(f"[bold]{case.scenario.id} ~{case.transform}[/bold]")
        for before, after in zip(customer_texts(case.scenario), customer_texts(case.transformed), strict=True):
            console.print(f"  {before}\n  [green]→ {after}[/green]" if before != after else f"  [dim]{before}[/dim]")


async def run_cases(
    args: argparse.Namespace, scenarios: list[Scenario], cases: list[Case], console: Console
) -> tuple[RunOut, RunOut | None]:
    from evals.__main__ import model_under_test
    from evals.runner import RunOptions, run_scenarios
    from evals.service import EvalService

    model = model_under_test(args.model)
    assert model is not None, "the metamorphic runner runs the offline or the OpenRouter model"
    options = RunOptions(
        concurrency=args.concurrency,
        turn_timeout=60.0 if args.model == "offline" else 120.0,
        model_name=model.name if args.model == "offline" else f"openrouter:{model.name}",
    )
    transformed = [c.transformed for c in cases if c.transformed is not None]
    key = os.environ.get("NOOR_OPENROUTER_API_KEY") if args.model == "openrouter" else None
    done = 0

    def advance(scenario: Scenario, trial: Any) -> None:
        nonlocal done
        done += 1
        mark = "[green]✓[/green]" if trial.passed else "[red]✗[/red]"
        console.print(f"{mark} {done}/{total} {scenario.id} ({trial.seconds:.1f}s)")

    total = len(transformed) + (0 if args.no_original else len(scenarios))
    async with EvalService(model if args.worker == "inline" else None, worker=args.worker, openrouter_api_key=key) as s:
        originals = None if args.no_original else await run_scenarios(s, scenarios, options, progress=advance)
        run = await run_scenarios(s, transformed, options, progress=advance)
        for result in (originals, run):
            if result is not None:
                await _retry_harness_errors(s, result, [*scenarios, *transformed], options, console)
    return run, originals


def harness_errors(run: RunOut) -> list[str]:
    """Scenarios with a trial the harness could not run (service or fake overloaded): no verdict on the bot."""
    return [s.id for s in run.scenarios if any(t.error is not None for t in s.trials)]


async def _retry_harness_errors(
    service: Any, run: RunOut, scenarios: list[Scenario], options: Any, console: Console
) -> None:
    """Run again, one at a time, the scenarios whose trial errored in the harness; their new result counts."""
    from dataclasses import replace

    from evals.runner import run_scenarios

    errored = set(harness_errors(run))
    if not errored:
        return
    console.print(f"[yellow]{len(errored)} trial(s) errored in the harness: running them again one at a time[/yellow]")
    again = await run_scenarios(service, [s for s in scenarios if s.id in errored], replace(options, concurrency=1))
    fresh = {s.id: s for s in again.scenarios}
    run.scenarios = [fresh.get(s.id, s) for s in run.scenarios]
    run.filters["retried_after_harness_error"] = sorted(errored)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    logging.basicConfig(level=logging.WARNING)
    names = args.transforms or list(TRANSFORMATIONS)
    scenarios = chosen_scenarios(args)
    cases = plan(scenarios, names, args.seed)
    if args.dry_run:
        dry_run(cases, console)
        return 0
    started = time.monotonic()
    run, originals = asyncio.run(run_cases(args, scenarios, cases, console))
    seconds = time.monotonic() - started
    passed = {s.id: s.pass_k for s in run.scenarios}
    original = {s.id: s.pass_k for s in originals.scenarios} if originals else {}
    tallies = tally(cases, passed, original)
    title = (
        f"Metamorphic run {run.run_id} · {len(scenarios)} scenarios × {len(names)} transformations"
        f" · seed {args.seed} · {seconds:.0f}s"
    )
    print_table(tallies, console, title)
    if originals is not None:
        console.print(f"originals: {sum(original.values())}/{len(original)} pass")
    errors = harness_errors(run) + (harness_errors(originals) if originals else [])
    if errors:
        console.print(f"[red]harness errors (counted as failures, not verdicts on the bot): {', '.join(errors)}[/red]")
    data = report_json(cases, run, originals, tallies, seconds, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (args.out / f"metamorphic-{stamp}.json", args.out / "metamorphic-latest.json"):
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"report: {args.out / f'metamorphic-{stamp}.json'}")
    rates = [t.rate for t in tallies.values() if t.rate is not None]
    return 1 if args.strict and any(r < args.min_rate for r in rates) else 0


if __name__ == "__main__":
    sys.exit(main())
