"""What a customer's message says about the quotation: contact details, a yes, a no, a discount request.

Customers answer "Sara Khan, Khan Trading LLC, sara@khantrading.ae, Al Quoz, Dubai" in one message, or one
detail at a time after being asked; both are read here, in English, Arabic and Russian. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from agent.models.offline.slots import PRODUCT_CODE
from agent.policies.quote_details import INDIVIDUAL, emirate_of, is_specific_area, is_valid_email, normalise_company
from agent.state import Customer
from agent.understanding import Question
from tools.catalog.normalize import ascii_digits

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Clause ends: commas and semicolons (Latin and Arabic), new lines, a sentence's full stop, a dash between spaces.
_SEPARATORS = re.compile(r"[,;\n،؛|]+|(?<=[^\s.])\.(?=\s|$)|[!?]+|\s[-–—/]\s")

# A field's label; the value runs from it to the next label, separator, e-mail or product code. Latin labels start
# at a word; Arabic ones may carry "و" ("والتوصيل"). Labels marked `kept` are part of the value ("شركة النخبة").
_LATIN, _ARABIC = r"(?<![\w'])", r"(?<![^\sو])"
_LABELS: tuple[tuple[str, str], ...] = (
    ("name", _LATIN + r"(?:my name is|my name'?s|name is|name\s*:|full name\s*:?|ismi|esmi)\s*"),
    ("name?", _LATIN + r"(?:this is|it'?s|i am|i'?m|ana|here'?s)\s+"),
    ("name", _ARABIC + r"(?:اسمي|الاسم|الإسم|معك|معاك)\s+"),
    ("name?", _ARABIC + r"(?:انا|أنا)\s+"),
    ("name", r"(?<!\w)(?:меня зовут|имя\s*:?)\s*"),
    ("name?", r"(?<!\w)(?:это|я)\s+(?=[А-ЯA-Z])"),
    ("company", _LATIN + r"(?:company name\s*:?|company\s*:|company is|company)\s*"),
    ("company", r"(?<!\w)(?:компания|фирма|организация)\s*:?\s*"),
    ("company", _ARABIC + r"(?:شركتي|اسم الشركة|الشركة)\s*:?\s*(?:اسمها\s+)?"),
    ("company+", _ARABIC + r"(?=(?:شركة|مؤسسة|مجموعة)\s)"),
    ("company+", _LATIN + r"(?=sharik(?:a|at|et)\s)"),
    ("email", _LATIN + r"(?:e-?mail(?: address)?|mail)\s*:?\s*(?:is\s+)?"),
    ("email", _ARABIC + r"(?:الايميل|ايميلي|الإيميل|إيميلي|البريد(?: الإلكتروني| الالكتروني)?|ايميل|إيميل)\s*:?\s*"),
    ("email", r"(?<!\w)(?:почта|e-mail|емейл|имейл)\s*:?\s*"),
    (
        "address",
        _LATIN + r"(?:deliver(?:y|ed)?(?: address)?\s*(?:to|in|at|:)|ship(?:ping)?(?: address)?\s*(?:to|:)|"
        r"(?:delivery |site |office )?address\s*(?:is|:)?|location\s*:|tawseel|tawsil|el tawseel|3nwan)\s*",
    ),
    (
        "address",
        _ARABIC + r"(?:التوصيل|توصيل|توصلون|توصلوا|وصلوا|العنوان|عنوان التوصيل|الموقع)\s*(?:إلى|الى|على|في|لـ|ل|:)?\s*",
    ),
    ("address", r"(?<!\w)(?:доставка|доставкой|доставьте|доставить|адрес(?: доставки)?)\s*(?:в|на|до|по|:)?\s*"),
    (
        "request",
        _LATIN + r"(?:we need|i need|need|we want|i want|want|would like|looking for|please send|pls send|send me|"
        r"quot(?:e|ation)|abi|abgha|nabi|ne7taj|a7taj|3ard)\b",
    ),
    ("request", _ARABIC + r"(?:نبي|نبغى|ابي|أبي|ابغى|أبغى|ابغي|نحتاج|احتاج|أحتاج|محتاج|اريد|أريد|عرض سعر|ودي|حاب)"),
    ("request", r"(?<!\w)(?:нужн\w*|оформите|пришлите|хочу|хотим|интересу\w*)"),
    # a question ends the field before it: "доставка в Абу-Даби сколько будет?"
    ("question", _LATIN + r"(?:how much|how long|how many|what|when|can you|could you|do you|is there)\b"),
    ("question", _ARABIC + r"(?:كم|متى|هل|وش|ايش|شو)(?!\w)"),
    ("question", r"(?<!\w)(?:сколько|когда|можно|есть ли|какой|какая)(?!\w)"),
)
_LABEL = re.compile("|".join(f"(?P<l{i}>{pattern})" for i, (_, pattern) in enumerate(_LABELS)), re.IGNORECASE)
_GREETING = re.compile(
    r"^(?:hi+|hello|hey|dear\s+\w+|good (?:morning|afternoon|evening)|salam|salaam|assalam\w*|marhaba|ahlan|hala|"
    r"السلام عليكم|السلام|مرحبا|اهلا|أهلا|هلا|صباح الخير|مساء الخير|здравствуйте|привет|добрый (?:день|вечер|утро))"
    r"(?:\s+(?:there|all|team|treejar))?[\s!.]*",
    re.IGNORECASE,
)
# "Layla from Gulf Horizon Trading", "ليلى من شركة الأفق", "Лейла из компании Горизонт": a name, then where from.
_FROM = re.compile(r"\s+(?:from|at|of|here from|with|mn|min|men|من|مِن|из|от)\s+", re.IGNORECASE)
_HERE = re.compile(r"^(.+?)\s+here\b\s*(.*)$", re.IGNORECASE)
_COMPANY_MARKERS = re.compile(
    r"\b(?:llc|l\.l\.c|fze|fzco|fz-llc|dmcc|ltd|inc|co\.|company|trading|group|est\.?|establishment|interiors|"
    r"solutions|contracting|holding|enterprises|logistics|events|studio|consult\w*|services|technologies|tech)\b"
    r"|شركة|مؤسسة|مجموعة|ооо|компани|групп",
    re.IGNORECASE,
)
_COMPANY_INTRO = re.compile(r"(?:company\s*:|\bfrom|\bat|(?<!\w)من|(?<!\w)из|(?<!\w)от)\s+(.+)", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"^(?:(?:to|in|at|into|our|my|إلى|الى|على|في|в|на|до|ila|ela|l)\s+)+", re.I)
_AREA_WORDS = re.compile(
    r"\b(?:al |jumeirah|marina|bay|deira|bur|quoz|barsha|jlt|jbr|difc|downtown|silicon|oasis|city|street|st\.|road|"
    r"tower|building|office|warehouse|villa|area|district|industrial|sports|motor|internet|media|hills|springs|"
    r"meadows|ranches|karama|khalifa|mussafah|reem|saadiyat|yas|nahda|qusais|rashidiya|mirdif|satwa|free zone|"
    r"park|cluster|square|plaza|mall|unit|floor|flat|apartment)\b"
    r"|منطقة|شارع|برج|مبنى|الخليج التجاري|القوز|البرشاء|مرسى|ديرة|بر دبي|الممزر|النهدة|مكتب|مستودع"
    r"|район|улица|офис|башня|марина",
    re.IGNORECASE,
)
YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|ya|sure|ok(?:ay)?|k|confirm(?:ed)?|go ahead|go for it|proceed|correct|agreed|deal|"
    r"please do|sounds good|looks good|all good|perfect|fine|let'?s do it|do it|send it|👍|✅|👌|"
    r"na3am|n3am|aywa|aiwa|akid|akeed|tamam|tmam|mashi|"
    r"نعم|ايوه|إيوه|ايوا|اي|أكيد|اكيد|تمام|موافق|أؤكد|اؤكد|أكد|اكد|مؤكد|تم|"
    r"да|ага|угу|ок|конечно|подтверждаю|подтвердить|согласен|согласна|верно|хорошо|оформляйте|давайте)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\s*(?:no\b|nope|not (?:now|yet)|cancel|stop|don't|do not|no thanks|later|"
    r"لا\b|لأ|مو الحين|ليس الآن|الغ|ألغ|بعدين|"
    r"нет\b|не надо|отмен|пока нет|позже)",
    re.IGNORECASE,
)
_DISCOUNT = re.compile(
    r"discount|reduc|cheaper|(?:better|best|special|lower|good) price|knock\b.{0,20}\boff|money off|come down"
    r"|خصم|تخفيض|سعر أفضل|نزل(?:وا|ت)? (?:ال)?سعر|تنزيل|скидк|дешевле|уступ|снизить цену|подешевле",
    re.IGNORECASE,
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
    return plain and not YES.search(segment) and not NO.search(segment) and not _GREETING.fullmatch(segment)


def _looks_like_a_name(value: str) -> bool:
    """After a weak label ("this is", "я", "انا") a name starts with a capital where the script has them."""
    first = value[:1]
    return _is_name(value) and (first.isupper() or first.lower() == first.upper())  # Arabic letters have no case


@dataclass
class _Clause:
    label: str | None
    text: str


def _clauses(text: str) -> list[_Clause]:
    """The message cut at separators, e-mails, product codes and field labels, each piece with its label."""
    pieces: list[_Clause] = []
    for part in _SEPARATORS.split(PRODUCT_CODE.sub("\n", _EMAIL.sub("\n", text))):
        if not part or not part.strip():
            continue
        cuts = [
            (m.start(), m.end(), _LABELS[int(str(m.lastgroup)[1:])][0])  # the alternative that matched: l<index>
            for m in _LABEL.finditer(part)
        ]
        cuts = [cut for cut in cuts if cut[1] > cut[0] or cut[2].endswith("+")]
        if not cuts or cuts[0][0] > 0:
            pieces.append(_Clause(None, part[: cuts[0][0] if cuts else len(part)]))
        for index, (_, end, label) in enumerate(cuts):
            stop = cuts[index + 1][0] if index + 1 < len(cuts) else len(part)
            pieces.append(_Clause(label, part[end:stop]))
    return [
        _Clause(c.label, _GREETING.sub("", c.text.strip(" .:-")).strip(" .:-"))
        for c in pieces
        if c.text.strip(" .:-") or c.label == "email"
    ]


def _name_and_company(value: str, found: Details, weak: bool) -> None:
    here = _HERE.match(value)
    if here:
        value = f"{here.group(1)} {here.group(2)}".strip()
    name, company = _split_from(value)
    if name and (_looks_like_a_name(name) if weak else _is_name(name)):
        found.setdefault("name", name)
    if company:
        found.setdefault("company", normalise_company(company))


def _split_from(value: str) -> tuple[str, str]:
    """ "Layla from Gulf Horizon" → ("Layla", "Gulf Horizon")."""
    parts = _FROM.split(f" {value} ", maxsplit=1)
    return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (value.strip(), "")


def _continues_address(piece: str) -> bool:
    """A piece after an address that is more of it: a unit, a building, an area ("Bay Square 7"), not "3 x"."""
    letters = sum(c.isalpha() for c in piece)
    looks_like_a_place = any(c.isdigit() for c in piece) or _AREA_WORDS.search(piece) or emirate_of(piece)
    return letters >= 2 and bool(looks_like_a_place)


def names_an_address(text: str) -> bool:
    """Whether the message labels an address ("deliver to …", "التوصيل …", "доставка в …")."""
    return any(clause.label == "address" and clause.text for clause in _clauses(text))


def _is_name_from_company(value: str) -> bool:
    name, company = _split_from(value)
    return bool(company) and _is_name(name) and bool(_COMPANY_MARKERS.search(company))


def read_details(text: str, known: Customer, asked: list[str]) -> Details:
    """The details this message gives that are still missing (name, company, email, delivery_area).

    Labelled fields ("name: …", "this is …", "التوصيل …", "компания …") are read wherever they stand; unlabelled
    pieces by what they look like (a company suffix, an area), and in a list of details the first plain piece is
    the name and the next one the company. A detail asked for alone may be answered by the whole message
    ("Khan Trading" after "Which company?")."""
    found: Details = {}
    plain = text.strip()
    email = _EMAIL.search(plain)
    if email and is_valid_email(email.group(0)):
        found["email"] = email.group(0)
    clauses = _clauses(plain)
    area: list[str] = []
    rest: list[str] = []
    for index, clause in enumerate(clauses):
        value = clause.text
        if clause.label in ("name", "name?"):
            _name_and_company(value, found, weak=clause.label == "name?")
        elif clause.label in ("company", "company+") and value:
            found.setdefault("company", normalise_company(value))
        elif clause.label == "address" and value and "address" not in found:
            parts = [_LEADING_PREPOSITION.sub("", value)]
            # an address runs on over commas while the pieces look like one ("Office 12, Bay Square 7, Business Bay")
            for following in clauses[index + 1 :]:
                if following.label is not None or not _continues_address(following.text):
                    break
                parts.append(following.text)
                following.label = "address-part"
            found["address"] = ", ".join(p for p in parts if p)
        elif clause.label is None and value:
            if normalise_company(value) == INDIVIDUAL:
                found.setdefault("company", INDIVIDUAL)
            elif _HERE.match(value) or _is_name_from_company(value):
                _name_and_company(value, found, weak=True)
            elif _COMPANY_MARKERS.search(value):
                intro = _COMPANY_INTRO.search(value)
                found.setdefault("company", normalise_company(intro.group(1) if intro else value))
            elif emirate_of(value) or _AREA_WORDS.search(value):
                area.append(_LEADING_PREPOSITION.sub("", value))
            else:
                rest.append(value)
    if "address" in found:
        found["delivery_area"] = found.pop("address")
    elif area:
        joined = ", ".join(area)
        if is_specific_area(joined) or "delivery_area" in asked:
            found["delivery_area"] = joined
    contact_block = len(found) >= 2 or "name" in asked
    if rest and "name" not in found and _is_name(rest[0]) and (not known.get("name") or contact_block) and found:
        found["name"] = rest.pop(0)  # "Sara Khan, Khan Trading LLC, sara@…": a name beside other details
    if rest and "company" not in found and "name" in found and contact_block and _is_name(rest[0]):
        found["company"] = normalise_company(rest[0])  # "Karim Nassar, Nassar Brothers Logistics, karim@…"
    segments = [c for c in clauses if c.text]
    if len(asked) == 1 and asked[0] not in found and len(segments) <= 1 and plain:
        # the answer to the one question we asked
        only = asked[0]
        if only == "name" and _is_name(plain):
            found["name"] = plain
        elif only == "company":
            found["company"] = normalise_company(plain)
        elif only == "delivery_area" and is_specific_area(plain):
            found["delivery_area"] = plain
    return {key: value for key, value in found.items() if value}
