"""What the offline reviewer reads in a message's words, in English, Arabic (MSA, Gulf), Arabizi and Russian.

Each function is pure and answers one narrow question (does this message open with a greeting, how many
questions does it ask, does it ask for the customer's name...). Text is matched after the escalation
module's normalisation (lower case, Arabic letter variants and diacritics folded, ё → е).
"""

from __future__ import annotations

import re
from typing import Any

from agent.models.offline.cues import normalise

_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "چ": "ج"})


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.translate(_FOLD)})" for p in patterns))


# ----- greetings -------------------------------------------------------------------------------------------

_GREETING = _rx(
    r"^\W*(hello|hi|hey|hiya|greetings|good (morning|afternoon|evening|day)|welcome|dear)\b",
    r"^\W*(salam|salaam|marhaba|mar7aba|ahlan|hala|hla|masa2 el 5eer|saba7 el 5eer)\b",
    r"^\W*(مرحبا|اهلا|اهلين|هلا|حياك|حياكم|السلام عليكم|وعليكم السلام|يا هلا|سلام)",
    r"^\W*(صباح|مساء) (الخير|النور)",
    r"^\W*(здравствуйте|здравствуй|добрый (день|вечер)|доброе утро|привет|приветствую|доброго времени)",
)


def opens_with_greeting(text: str) -> bool:
    return bool(_GREETING.search(normalise(text)))


def mentions_name(text: str, name: str) -> bool:
    """The first word of the customer's name appears in the text (case and Arabic letter variants folded)."""
    first = normalise(name).split(" ")[0].strip(".,!")
    return len(first) >= 2 and first in normalise(text)


def same_script(a: str, b: str) -> bool:
    """Both texts are written mainly in the same script (Latin, Arabic or Cyrillic)."""
    return _script(a) == _script(b)


def _script(text: str) -> str:
    counts = {
        "arabic": len(re.findall(r"[\u0600-\u06FF]", text)),
        "cyrillic": len(re.findall(r"[\u0400-\u04FF]", text)),
        "latin": len(re.findall(r"[A-Za-z]", text)),
    }
    return max(counts, key=lambda k: counts[k])


_ARABIZI_MARKERS = frozenset(
    {
        "abi",
        "abgha",
        "abghi",
        "aby",
        "3ayez",
        "3indkom",
        "3ndkom",
        "3andkom",
        "3ndk",
        "bkam",
        "kam",
        "se3r",
        "si3r",
        "s3r",
        "hatha",
        "hadha",
        "wain",
        "wein",
        "fein",
        "mal",
        "el",
        "momken",
        "mumkin",
        "zain",
        "zen",
        "yalla",
        "tamam",
        "insan",
        "akalem",
        "mowadhaf",
        "mob",
        "mu",
        "7abba",
        "7aba",
        "3ard",
        "fatora",
        "kbeer",
        "sghir",
        "korsi",
        "kursi",
        "karasi",
        "maktab",
        "tawila",
        "shukran",
        "inshallah",
        "wallah",
        "habibi",
        "ba3d",
        "bas",
        "mafi",
        "fi",
        "shlon",
        "shlonak",
    }
)


def maybe_arabizi(text: str) -> bool:
    """Latin text with Arabizi words in it ("hi, hatha el plan, abi furniture"): Arabic may be the right answer
    even when the language detector reads it as English."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return (
        bool(words)
        and not re.search(r"[\u0600-\u06FF\u0400-\u04FF]", text)
        and any(
            word in _ARABIZI_MARKERS or re.fullmatch(r"[a-z]*[2375689][a-z]+|[2375689][a-z]{2,}", word)
            for word in words
        )
    )


# ----- questions -------------------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+")


def question_count(text: str) -> int:
    """Questions asked: runs of question marks (Latin or Arabic) outside links."""
    return len(re.findall(r"[?؟]+", _URL.sub(" ", text)))


_ASKS_NAME = _rx(
    r"\byour (full |first )?name\b",
    r"\bwho (am i|do i have the pleasure of) (speaking|chatting) (with|to)\b",
    r"\bwhat (should|shall|may) i call you\b",
    r"\b(esmak|ismak|esmik|ismik|esmuk|ismuk)\b",
    r"اسمك|اسم حضرتك|اسمكم|الاسم الكامل|اسمك الكريم",
    r"как (вас|тебя) зовут|ваше (полное )?имя|как (к вам|вас) (обращаться|называть)|имя и фамили",
)


def asks_for_name(text: str) -> bool:
    return question_count(text) > 0 and bool(_ASKS_NAME.search(normalise(text)))


_GIVES_NAME = _rx(
    r"\bmy name is\b|\bmy name's\b|\bthis is \w+ (from|of|here)\b|\bname:\s*\w+",
    r"\b(esmi|ismi|ana esmi|ana ismi)\b",
    r"اسمي|انا اسمي|معك \w+",
    r"меня зовут|мое имя|моё имя",
)


def gives_name(text: str) -> bool:
    return bool(_GIVES_NAME.search(normalise(text)))


_NAME_PREFIX = _rx(
    r"\b(my name is|my name's|this is|name:)\s*",
    r"\b(ana )?(esmi|ismi)\s+",
    r"(انا )?اسمي\s+|معك\s+",
    r"(меня зовут|мое имя)\s+",
)


def given_name(text: str) -> str | None:
    """The name a customer gives for themselves ("my name is Sara" → "sara"), normalised; None if none."""
    words = normalise(text)
    if not _GIVES_NAME.search(words):
        return None
    match = _NAME_PREFIX.search(words)
    rest = words[match.end() :].split() if match else []
    return rest[0].strip(".,!?؟،") or None if rest else None


def short_answer(text: str) -> bool:
    """A reply of a few words without a question: what answering "your name?" looks like."""
    return 0 < len(text.split()) <= 4 and question_count(text) == 0


# ----- figures ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\d.,])\d[\d,]*(?:\.\d+)?")
_ALPHANUMERIC = re.compile(r"\b[A-Za-z]+[-_]?\d[\w-]*")
"""Codes of letters then digits (CH616, A4, SO-00042): not figures."""
_SKU = re.compile(r"\b[A-Z]{2,}(?:-[A-Z0-9]{2,}){2,}\b")
_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")
"""Thousands written with a (no-break) space, as in Russian: "14 996.00"."""
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS.update({ord("٫"): ".", ord("٬"): ","})
HARMLESS = frozenset({*(f"{float(n):.2f}" for n in range(11)), "24.00", "100.00"})
"""Small counts, list numbers, 24/7, 100% and the 5% VAT are not claims about the shop's data."""


def numbers(text: str) -> set[str]:
    """Every number in the text, normalised ("1,250.00" and "1250" → "1250.00"); Arabic-Indic digits read."""
    found = set()
    plain = _SKU.sub(" ", _URL.sub(" ", text.translate(_DIGITS)))
    plain = _GROUP_SPACE.sub("", plain)
    for raw in _NUMBER.findall(_ALPHANUMERIC.sub(" ", plain)):
        value = raw.replace(",", "").rstrip(".")
        try:
            found.add(f"{float(value):.2f}")
        except ValueError:
            continue
    return found


def codes(text: str) -> set[str]:
    """Product codes (SKUs) in the text, upper case."""
    return {code.upper() for code in _SKU.findall(text)}


def fact_values(value: Any) -> tuple[set[str], set[str]]:
    """The numbers and product codes a turn's facts contain, at any depth."""
    found_numbers: set[str] = set()
    found_codes: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, bool) or item is None:
            return
        if isinstance(item, int | float):
            found_numbers.add(f"{float(item):.2f}")
        elif isinstance(item, str):
            found_numbers.update(numbers(item))
            found_codes.update(code.upper() for code in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]{4,}", item))
        elif isinstance(item, dict):
            for key, nested in item.items():
                walk(key)
                walk(nested)
        elif isinstance(item, list | tuple):
            for nested in item:
                walk(nested)

    walk(value)
    return found_numbers, found_codes


# ----- escalation, quotations, style -----------------------------------------------------------------------

_READY = _rx(
    r"\b(send|make|prepare|share|give|need|want|get)\b.{0,20}\b(quote|quotation|invoice|proforma|offer)\b",
    r"\b(let'?s|we will|we'll|i will|i'll) (go|proceed|order|take|buy|do it)\b",
    r"\b(i|we) (want|would like|need) to (order|buy|purchase)\b",
    r"\bhow (do|can) (i|we) (order|pay|buy|purchase)\b",
    r"\b(place|confirm) (an |the |my |our )?order\b",
    r"\bready to (order|buy)\b",
    r"\b(abi|abgha|abghi|aby|3ayez|ayez) (at?lob|a6lob|ashtri|eshtri)\b|\b(3ard|3rd) (se3r|si3r|s3r)\b|\bfatora\b",
    r"عرض سعر|عرض اسعار|عرض الاسعار|فاتوره|ابي اطلب|ابغى اطلب|ابغي اطلب|اريد ان اطلب|اريد اطلب|ودي اطلب|نبي ناخذ"
    r"|ابي اشتري|ابغى اشتري|كيف اطلب|خلاص ناخذ|بناخذ|اعتمد الطلب",
    r"\bсчет\b|коммерческ\w* предложени|\bкп\b|оформ(ить|ляем|им|ите)|заказать|(мы |я )?бер(у|ем)\b|выставьте"
    r"|хочу купить|хотим купить|готов\w* заказать",
)
_NOT_YET = _rx(
    r"\b(no|not|without|don'?t|do not)\b.{0,12}\b(quote|quotation|invoice)\b",
    r"\bnot (now|yet)\b|\bjust (looking|browsing)\b",
    r"لا ابي عرض|لا ابغى عرض|مو الحين|مب الحين|ليس الان|لاحقا|بدون عرض|ما ابي عرض",
    r"пока не|не нужно|не надо|без счета|без кп|просто смотр",
    r"\b(mo|mob|mu) al7een\b|\bmsh delwa2ty\b",
)


def ready_to_buy(text: str) -> bool:
    words = normalise(text)
    return bool(_READY.search(words)) and not _NOT_YET.search(words)


_OFFERS_NEXT_STEP = _rx(
    r"\bquot(e|ation)\b|\bproforma\b|\bsales order\b|\binvoice\b|\border summary\b|\bsummary\b.{0,40}\bconfirm",
    r"\b(shall|should|can|may) i (prepare|send|create|book|place)\b|\bconfirm (the|your) order\b",
    r"\b(company|e-?mail|delivery (area|address))\b.{0,60}[?]",
    r"عرض السعر|عرض سعر|عرض الاسعار|الفاتوره|فاتوره|اكد الطلب|تاكيد الطلب|ملخص الطلب|امر البيع|اسم الشركه|البريد",
    r"предложени|\bсчет\b|\bсчета\b|оформ\w+|подтверд\w+|заказ\w*|электронн\w* почт|e-?mail"
    r"|название (вашей )?компании|на (какую|кого) компани",
    r"\bcompany name\b|\b(company|business) or (for )?(you|yourself) personally\b",
)


def offers_next_step(text: str) -> bool:
    """Offers a quotation or an order, a summary to confirm, or asks for a detail the quotation needs."""
    return bool(_OFFERS_NEXT_STEP.search(normalise(text))) or asks_for_name(text)


_TABLE_ROW = re.compile(r"^\s*\|.*\|.*\|\s*$", re.MULTILINE)
_HEADING = re.compile(r"^\s*#{1,6}\s", re.MULTILINE)
_DOUBLE_STARS = re.compile(r"\*\*[^*\n]+\*\*")
WALL_CHARS = 1000
"""A message longer than this is a wall of text on a phone screen."""
UNBROKEN_CHARS = 600
"""A message longer than this without a line break is hard to read on a phone."""


def style_problems(text: str) -> list[str]:
    problems = []
    if _TABLE_ROW.search(text):
        problems.append("a markdown table")
    if _HEADING.search(text):
        problems.append("markdown headings")
    if _DOUBLE_STARS.search(text):
        problems.append("**double stars** (WhatsApp shows them as they are)")
    if len(text) > WALL_CHARS:
        problems.append(f"{len(text)} characters in one message")
    elif len(text) > UNBROKEN_CHARS and "\n" not in text.strip():
        problems.append(f"{len(text)} characters without a line break")
    return problems
