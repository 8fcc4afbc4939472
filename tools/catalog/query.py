"""Query understanding: a customer's message → typed filters plus the text left for ranking.

Handles English, Arabic (MSA and Gulf), Russian and Arabizi: budgets ("under 800 AED",
"أقل من ٨٠٠ درهم", "до 800 дирхам", "10 chairs, budget 8000"), colours, materials, sizes
("desk 160 cm", "160x80", "1.6 м"), "in stock", categories and SKU mentions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.catalog import vocabulary as V
from tools.catalog.normalize import (
    arabizi_loose,
    arabizi_skeleton,
    ascii_digits,
    compact_sku,
    fold_homoglyphs,
    normalize_arabic,
    normalize_text,
    tokenize,
)
from tools.catalog.numbers import count_terms, spell_out_numbers
from tools.catalog.stemming import language_of, stem
from tools.catalog.words import dictionary, within_one_edit

Language = Literal["en", "ar", "ru", "arabizi"]


class SearchFilters(BaseModel):
    """Hard constraints for catalog search. Empty lists / None mean "no constraint"."""

    model_config = ConfigDict(frozen=True)

    categories: list[str] = Field(default_factory=list)
    colors: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    min_price: float | None = Field(default=None, description="AED per unit, excl. VAT")
    max_price: float | None = Field(default=None, description="AED per unit, excl. VAT")
    budget_total: float | None = Field(default=None, description="Total budget in AED when a quantity was given")
    quantity: int | None = None
    min_width_cm: float | None = None
    max_width_cm: float | None = None
    in_stock_only: bool = False
    skus: list[str] = Field(default_factory=list, description="Canonical SKUs the customer named")

    def is_empty(self) -> bool:
        return self == SearchFilters()

    def merged(self, other: SearchFilters | None) -> SearchFilters:
        """These filters with every field `other` sets explicitly taking precedence."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_unset=True))


class ParsedQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    language: Language
    filters: SearchFilters
    terms: list[str] = Field(description="Normalised content words not recognised as a filter")
    lexical_terms: list[str] = Field(default_factory=list, description="All content words, for lexical ranking")
    semantic_text: str = Field("", description="The query without prices and sizes, for the dense embedding")
    concepts: list[str] = Field(default_factory=list, description="Vocabulary phrases recognised")
    sku_candidates: list[str] = Field(default_factory=list, description="Compact SKU keys to look up")
    cheap: bool = False


# --- vocabulary compilation -----------------------------------------------------------------------

Kind = Literal["category", "color", "material", "stock", "cheap", "ignore"]


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]  # each: a normalised word (matched as is or by its stem) or "~skeleton" (Arabizi)
    kind: Kind
    values: tuple[str, ...]
    phrase: str


def _compile_word(word: str) -> str:
    if word.startswith("~"):
        return "~" + arabizi_skeleton(word[1:])
    return normalize_text(word)


@cache
def _entries() -> tuple[_Entry, ...]:
    out: list[_Entry] = []

    def add(spec: str, kind: Kind, values: tuple[str, ...]) -> None:
        for alternative in spec.split("|"):
            words = tuple(_compile_word(w) for w in alternative.split())
            if words and all(w != "~" for w in words):
                out.append(_Entry(words, kind, values, alternative))

    for spec, values in V.CATEGORY_TERMS:
        add(spec, "category", values)
    for spec, values in V.COLOR_TERMS:
        add(spec, "color", values)
    for spec, values in V.MATERIAL_TERMS:
        add(spec, "material", values)
    for spec in V.IN_STOCK_TERMS:
        add(spec, "stock", ())
    add(V.CHEAP_WORDS, "cheap", ())
    for spec in V.IGNORED_TERMS:
        add(spec, "ignore", ())
    return tuple(out)


@cache
def _english_words() -> frozenset[str]:
    return frozenset(w for e in _entries() for w in e.words if re.fullmatch(r"[a-z]{5,}", w))


_LATIN_WORD = re.compile(r"[a-z0-9']+")
_LOOSE_MIN = 3  # loose Arabizi keys shorter than this collide with too many English words

# How well a token matches a vocabulary word: the same word beats the same stem, which beats the same Arabizi
# skeleton, then the skeleton up to the feminine ending ("tawla" for "~twl"), then a loose skeleton. Among the
# longest entries at a position, the best matched win: "مكتبه" (bookcase) is that word exactly, and "مكتب" (desk)
# only by its Snowball stem; "maktaba" is "~mktbh" exactly and "~mktb" only without its ending.
EXACT, STEM, SKELETON, SKELETON_BASE, LOOSE = 5, 4, 3, 2, 1
_EN_SUFFIX_MAX = 3


def _without_feminine(skeleton: str) -> str:
    return skeleton[:-1] if len(skeleton) > 2 and skeleton.endswith("h") else skeleton


def _stem_match(pattern: str, token: str) -> bool:
    """Same Snowball stem. For English only an inflection (a short ending) counts: the English stemmer also
    joins derived words ("management" and "manager" → "manag"), which as a filter would be wrong."""
    if stem(token) != stem(pattern):
        return False
    if language_of(token) != "english":
        return True
    shorter = min(len(token), len(pattern))
    common = next((i for i in range(shorter) if token[i] != pattern[i]), shorter)
    return max(len(token), len(pattern)) - common <= _EN_SUFFIX_MAX


def _loose_key(token: str) -> str:
    if not _LATIN_WORD.fullmatch(token) or token in V.STOPWORDS or token in _english_words():
        return ""
    key = arabizi_loose(arabizi_skeleton(token))
    return key if len(key) >= _LOOSE_MIN else ""


@lru_cache(maxsize=65536)
def _match_quality(pattern: str, token: str) -> int:
    """0 when the token does not match the vocabulary word at all."""
    if pattern.startswith("~"):
        if not _LATIN_WORD.fullmatch(token):
            return 0
        skeleton = arabizi_skeleton(token)
        if skeleton and skeleton == pattern[1:]:
            return SKELETON
        if skeleton and _without_feminine(skeleton) == _without_feminine(pattern[1:]):
            return SKELETON_BASE
        key = _loose_key(token)
        return LOOSE if key and key == arabizi_loose(pattern[1:]) else 0
    if token == pattern:
        return EXACT
    return STEM if _stem_match(pattern, token) else 0


def _word_matches(pattern: str, token: str) -> bool:
    return _match_quality(pattern, token) > 0


@dataclass(frozen=True)
class _Vocabulary:
    """The vocabulary entries indexed by their first word (as is, by stem, by Arabizi skeleton and loose skeleton),
    so that a token is matched by dictionary look-ups instead of a scan over every entry at every position."""

    exact: dict[str, tuple[int, ...]]
    stems: dict[str, tuple[int, ...]]
    skeleton: dict[str, tuple[int, ...]]
    skeleton_base: dict[str, tuple[int, ...]]
    loose: dict[str, tuple[int, ...]]


@cache
def _vocabulary() -> _Vocabulary:
    exact: dict[str, list[int]] = {}
    stems: dict[str, list[int]] = {}
    skeleton: dict[str, list[int]] = {}
    skeleton_base: dict[str, list[int]] = {}
    loose: dict[str, list[int]] = {}
    for n, entry in enumerate(_entries()):
        first = entry.words[0]
        if first.startswith("~"):
            skeleton.setdefault(first[1:], []).append(n)
            skeleton_base.setdefault(_without_feminine(first[1:]), []).append(n)
            loose.setdefault(arabizi_loose(first[1:]), []).append(n)
        else:
            exact.setdefault(first, []).append(n)
            stems.setdefault(stem(first), []).append(n)

    def frozen(d: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v) for k, v in d.items()}

    return _Vocabulary(frozen(exact), frozen(stems), frozen(skeleton), frozen(skeleton_base), frozen(loose))


@lru_cache(maxsize=8192)
def _first_word_entries(token: str) -> tuple[int, ...]:
    """Indices (in vocabulary order) of the entries whose first word matches `token`."""
    vocab = _vocabulary()
    found: set[int] = set(vocab.exact.get(token, ()))
    found.update(vocab.stems.get(stem(token), ()))
    if _LATIN_WORD.fullmatch(token):
        skeleton = arabizi_skeleton(token)
        found.update(vocab.skeleton.get(skeleton, ()))
        found.update(vocab.skeleton_base.get(_without_feminine(skeleton), ()))
        key = _loose_key(token)
        if key:
            found.update(vocab.loose.get(key, ()))
    return tuple(sorted(found))


def _longest_entries(tokens: Sequence[str], i: int) -> list[_Entry]:
    """The longest vocabulary entries matching the tokens from position i, and of those the best matched (all of
    them, in vocabulary order), or []."""
    entries = _entries()
    best: list[_Entry] = []
    best_key = (0, 0)
    for n in _first_word_entries(tokens[i]):
        entry = entries[n]
        size = len(entry.words)
        if size < best_key[0] or i + size > len(tokens):
            continue
        qualities = [_match_quality(p, tokens[i + k]) for k, p in enumerate(entry.words)]
        if min(qualities) == 0:
            continue
        key = (size, sum(qualities))
        if key > best_key:
            best, best_key = [entry], key
        elif key == best_key:
            best.append(entry)
    return best


@cache
def _english_words_sorted() -> tuple[str, ...]:
    return tuple(sorted(_english_words()))


@lru_cache(maxsize=8192)
def _spell(token: str) -> str:
    """Correct one typo in an English vocabulary word ("ergonmic" → "ergonomic")."""
    if len(token) < 5 or not token.isalpha() or not token.isascii() or token in _english_words():
        return token
    if token in V.STOPWORDS or token in dictionary("en"):
        return token
    for word in _english_words_sorted():
        if within_one_edit(token, word):
            return word
    return token


# --- numbers ------------------------------------------------------------------------------------

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k|الف|الاف|تыс\w*|тыс\w*|thousand)?"


def _num(value: str, multiplier: str | None) -> float:
    number = float(value.replace(",", ""))
    if multiplier:
        number *= 1000
    return number


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    cur = normalize_arabic(V.CURRENCY_PATTERN)
    size = normalize_arabic(V.SIZE_UNITS)
    size_words = normalize_arabic(V.SIZE_WORDS)
    metre = normalize_arabic(V.METRE_UNITS)
    max_w = normalize_arabic(V.MAX_PRICE_WORDS)
    min_w = normalize_arabic(V.MIN_PRICE_WORDS)
    between = normalize_arabic(V.BETWEEN_WORDS)
    and_w = normalize_arabic(V.AND_WORDS)
    b = r"(?<![\w.])"
    e = r"(?![\w])"
    return {
        "dims": re.compile(rf"{b}(\d{{2,3}})\s*x\s*(\d{{2,3}})(?:\s*x\s*\d{{2,3}})?(?:\s*{size})?{e}"),
        "size_min": re.compile(
            rf"(?:at least|min(?:imum)?|wider than|more than|over|from|от|не менее|минимум|اكثر من|على الاقل|من)\s*"
            rf"(\d{{2,3}})\s*{size}{e}"
        ),
        "size_max": re.compile(
            rf"(?:up to|max(?:imum)?|under|less than|narrower than|до|не более|максимум|اقل من|حتى|لا يتجاوز)\s*"
            rf"(\d{{2,3}})\s*{size}{e}"
        ),
        "size": re.compile(rf"{b}(\d{{2,3}})\s*(?:{size}|(?:cm\s*)?{size_words}){e}"),
        "metre": re.compile(rf"{b}(\d(?:\.\d{{1,2}})?)\s*{metre}{e}"),
        "range": re.compile(
            rf"(?:{between}\s*)?{b}{_NUM}\s*(?:{cur})?\s*{and_w}\s*{_NUM}\s*(?:{cur}){e}"
            rf"|{between}\s*{_NUM}\s*(?:{cur})?\s*{and_w}\s*{_NUM}(?:\s*{cur})?{e}"
        ),
        "max": re.compile(rf"{max_w}\s*:?\s*(?:{cur})?\s*{_NUM}(?:\s*(?:{cur}))?{e}"),
        "min": re.compile(rf"{min_w}\s*(?:{cur})?\s*{_NUM}\s*(?:{cur}){e}"),
        "min_words": re.compile(rf"(?:over|above|more than|at least|اكثر من|فوق|дороже|больше|более)\s*{_NUM}{e}"),
        "bare": re.compile(rf"(?:{cur})\s*{_NUM}{e}|{b}{_NUM}\s*(?:{cur}){e}"),
        "seats": re.compile(rf"{b}(\d{{1,2}})[\s-]*{normalize_arabic(V.SEAT_WORDS)}{e}"),
        "budget": re.compile(r"budget|total|ميزاني|اجمالي|الاجمالي|бюджет|всего|итого|в сумме|mizan"),
        "per_unit": re.compile(rf"(?<!\w){normalize_arabic(V.PER_UNIT_PATTERN)}(?!\w)"),
    }


def _first_number(groups: tuple[str | None, ...]) -> list[float]:
    out: list[float] = []
    i = 0
    while i + 1 < len(groups) + 1 and i < len(groups):
        value = groups[i]
        if value is not None and re.fullmatch(r"[\d.,]+", value):
            multiplier = groups[i + 1] if i + 1 < len(groups) else None
            out.append(_num(value, multiplier))
            i += 2
        else:
            i += 1
    return out


# Words that make a number before a product something else than a count: "2 weeks chairs", "500 AED desks".
_NOT_A_COUNT = frozenset(
    {
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "aed",
        "dhs",
        "dirham",
        "dirhams",
        "cm",
        "mm",
        "m",
        "percent",
        "يوم",
        "أيام",
        "ايام",
        "اسبوع",
        "أسبوع",
        "اسابيع",
        "أسابيع",
        "شهر",
        "درهم",
        "سم",
        "день",
        "дня",
        "дней",
        "неделя",
        "недели",
        "недель",
        "месяц",
        "месяца",
        "лет",
        "год",
        "дирхам",
        "дирхамов",
        "см",
    }
)


def _count_before(tokens: list[str], position: int) -> int | None:
    """Where the count of the product named at `position` is: right before it, or before at most two describing
    words ("12 mesh office chairs", "12 сетчатых офисных кресел")."""
    for back in range(1, 4):
        at = position - back
        if at < 0:
            return None
        token = tokens[at]
        if token.isdigit():
            return at if 1 < int(token) <= 2000 else None
        if not token.isalpha() or token.lower() in _NOT_A_COUNT:
            return None
    return None


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


# --- parsing ------------------------------------------------------------------------------------


def _language(raw: str, arabizi_hits: int) -> Language:
    arabic = len(re.findall("[\u0600-\u06ff]", raw))
    cyrillic = len(re.findall("[\u0400-\u04ff]", raw))
    if arabic and arabic >= cyrillic:
        return "ar"
    if cyrillic:
        return "ru"
    if arabizi_hits or re.search(r"[a-z][2357][a-z]|\b[2357][a-z]", raw.lower()):
        return "arabizi"
    return "en"


_ARABIZI_VOWELS = re.compile(r"[aeiou2-9]")
_PRICE_LEAD = re.compile(r"(?<![\w.])([a-z0-9']+)(\s+(?:men|min|mn|man)\b)?(?=\s*\d)")


@cache
def _arabizi_price_keys() -> dict[str, str]:
    return {arabizi_loose(arabizi_skeleton(w)): w for w in V.ARABIZI_MAX_PRICE_WORDS}


def _arabizi_price_words(text: str) -> str:
    """Arabizi "less than" / "under" before a number in any spelling ("a2al men", "a8al min", "agal", "ta7t")
    written the one way the price patterns know ("aqal min", "taht")."""

    def canonical(m: re.Match[str]) -> str:
        word = m.group(1)
        if len(word) < 3 or not _ARABIZI_VOWELS.search(word) or word in V.STOPWORDS or word in _english_words():
            return m.group(0)
        found = _arabizi_price_keys().get(arabizi_loose(arabizi_skeleton(word)))
        if found is None:
            return m.group(0)
        return f"{found} min" if m.group(2) else found

    return _PRICE_LEAD.sub(canonical, text)


@cache
def _russian_translations() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for english, russian in V.RUSSIAN_NAME_WORDS:
        for word in russian.split("|"):
            for key in {normalize_text(word), stem(normalize_text(word))}:
                out.setdefault(key, []).extend(normalize_text(english).split())
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def _russian_name_words(tokens: Sequence[str]) -> list[str]:
    """English name words for the Russian words of a query (RUSSIAN_NAME_WORDS), for lexical ranking."""
    table = _russian_translations()
    out: list[str] = []
    for token in tokens:
        if language_of(token) == "russian":
            out.extend(table.get(token) or table.get(stem(token)) or ())
    return list(dict.fromkeys(out))


def _sku_candidates(raw: str) -> list[str]:
    tokens = [fold_homoglyphs(t) for t in ascii_digits(raw).split()]
    parts = [re.sub(r"[^0-9A-Za-z-]", "", t) for t in tokens]
    out: list[str] = []
    for i in range(len(parts)):
        for j in range(i + 1, min(i + 6, len(parts)) + 1):
            window = parts[i:j]
            if not all(window):
                break
            key = compact_sku("".join(window))
            if 5 <= len(key) <= 24 and key not in out:
                out.append(key)
    return out


@cache
def _place_words() -> tuple[frozenset[str], frozenset[str]]:
    def words(spec: str) -> frozenset[str]:
        return frozenset(x for w in spec.split("|") for x in (normalize_text(w), stem(normalize_text(w))))

    return words(V.SPATIAL_WORDS), words(V.ROOM_WORDS)


def _is_place(tokens: Sequence[str], i: int, size: int) -> bool:
    """Whether the category words at tokens[i:i+size] name where the product goes rather than the product: after a
    spatial preposition ("between desks", "تحت المكتب", "под стол"), or with a room word ("training room",
    "قاعة التدريب", "конференц-зал")."""
    spatial, rooms = _place_words()
    before = [t for t in tokens[max(0, i - 2) : i] if t not in V.STOPWORDS or t in spatial]
    if before and before[-1] in spatial:
        return True
    span = [*tokens[max(0, i - 1) : i + size + 1], *tokens[i : i + size][0].split("-")]
    return any(t in rooms or stem(t) in rooms for t in span)


def _combine(current: set[str] | None, new: set[str]) -> set[str]:
    if current is None:
        return set(new)
    both = current & new
    return both if both else current | new


def parse_query(text: str) -> ParsedQuery:
    """Understand a customer's product query (any of EN / AR / RU / Arabizi)."""
    raw = text.strip()
    plain = normalize_text(raw)
    norm = _arabizi_price_words(spell_out_numbers(plain))
    work = norm
    pats = _patterns()
    min_price: float | None = None
    max_price: float | None = None
    min_width: float | None = None
    max_width: float | None = None

    extra_terms: list[str] = count_terms(_TOKEN_RE.findall(work)) + _russian_name_words(_TOKEN_RE.findall(work))
    seats = pats["seats"].search(work)
    if seats:
        extra_terms += [seats.group(1), "seater", "person"]
        work = _blank(work, seats.span())
    # sizes first, so that "до 160 см" is a width and not a price
    for key in ("dims", "size_min", "size_max", "size", "metre"):
        for size_match in list(pats[key].finditer(work)):
            value = float(size_match.group(1))
            if key == "metre":
                if not 0.5 <= value <= 6:
                    continue
                value *= 100
            if key == "dims":
                extra_terms.append(f"{size_match.group(1)}x{size_match.group(2)}")
            if key == "size_min":
                min_width = value
            elif key == "size_max":
                max_width = value
            else:
                min_width, max_width = value - 5, value + 5
            work = _blank(work, size_match.span())

    m: re.Match[str] | None = pats["range"].search(work)
    if m:
        numbers = _first_number(m.groups())
        if len(numbers) >= 2:
            min_price, max_price = min(numbers[:2]), max(numbers[:2])
            work = _blank(work, m.span())
    if max_price is None:
        m = pats["max"].search(work)
        if m:
            max_price = _first_number(m.groups())[0]
            work = _blank(work, m.span())
    if min_price is None:
        m = pats["min"].search(work) or pats["min_words"].search(work)
        if m:
            min_price = _first_number(m.groups())[0]
            work = _blank(work, m.span())
    if max_price is None and min_price is None:
        m = pats["bare"].search(work)
        if m:
            max_price = _first_number(m.groups())[0]
            work = _blank(work, m.span())
    if max_price is not None and max_price <= 0:
        max_price = None  # "0 AED", "free": nothing costs that, so it filters nothing

    # vocabulary pass over tokens
    tokens = [_spell(t) for t in _TOKEN_RE.findall(work)]
    categories: set[str] | None = None
    colors: set[str] = set()
    materials: set[str] = set()
    in_stock = False
    cheap = False
    concepts: list[str] = []
    consumed = [False] * len(tokens)
    arabizi_hits = 0
    category_positions: list[int] = []
    places: list[set[str]] = []  # furniture named as where the product goes: "between desks", "training room"
    i = 0
    while i < len(tokens):
        best = _longest_entries(tokens, i)
        best_len = len(best[0].words) if best else 0
        if not best:
            i += 1
            continue
        seen_kinds: set[str] = set()
        for entry in best:
            if any(w.startswith("~") for w in entry.words):
                arabizi_hits += 1
            concepts.append(entry.phrase)
            if entry.kind == "category":
                if "category" not in seen_kinds:
                    if _is_place(tokens, i, best_len):
                        places.append(set(entry.values))
                    else:
                        categories = _combine(categories, set(entry.values))
                    category_positions.append(i)
            elif entry.kind == "color" and "color" not in seen_kinds:
                colors |= set(entry.values)
            elif entry.kind == "material" and "material" not in seen_kinds:
                materials |= set(entry.values)
            elif entry.kind == "stock":
                in_stock = True
            elif entry.kind == "cheap":
                cheap = True
            seen_kinds.add(entry.kind)
        for k in range(best_len):
            consumed[i + k] = True
        i += best_len

    if categories is None:  # only a place was named ("something for the meeting room"): it is the best guess
        for place in places:
            categories = _combine(categories, place)

    # quantity ("10 chairs", "١٠ كراسي", "10 кресел") and total budgets
    quantity: int | None = None
    budget_total: float | None = None
    for pos in category_positions:
        count_at = _count_before(tokens, pos)
        if count_at is not None:
            quantity = int(tokens[count_at])
            consumed[count_at] = True
            break
    per_unit = pats["per_unit"].search(norm) or pats["per_unit"].search(plain)
    if min_width is None and max_width is None and categories and categories <= set(V.SIZED_CATEGORIES):
        # a bare number with desks or tables is their width ("maktab kahrabai abyad 160", "стол 140 на 70")
        for t, used in zip(tokens, consumed, strict=True):
            if not used and t.isdigit() and V.BARE_WIDTH_RANGE[0] <= int(t) <= V.BARE_WIDTH_RANGE[1]:
                min_width, max_width = int(t) - 5.0, int(t) + 5.0
                break
    if quantity and max_price is not None and pats["budget"].search(norm) and not per_unit:
        budget_total = max_price
        max_price = round(budget_total / quantity, 2)

    terms = [
        part
        for t, used in zip(tokens, consumed, strict=True)
        if not used
        for part in t.split("-")
        if part and part not in V.STOPWORDS
    ]
    filters = SearchFilters(
        categories=sorted(categories or ()),
        colors=sorted(colors),
        materials=sorted(materials),
        min_price=min_price,
        max_price=max_price,
        budget_total=budget_total,
        quantity=quantity,
        min_width_cm=min_width,
        max_width_cm=max_width,
        in_stock_only=in_stock,
    )
    return ParsedQuery(
        text=raw,
        language=_language(raw, arabizi_hits),
        filters=filters,
        terms=terms,
        lexical_terms=[
            *(
                part
                for t, used in zip(tokens, consumed, strict=True)
                if not (used and t.isdigit())
                for part in t.split("-")
                if part and part not in V.STOPWORDS
            ),
            *extra_terms,
        ],
        semantic_text=" ".join(work.split()),
        concepts=concepts,
        sku_candidates=_sku_candidates(raw),
        cheap=cheap,
    )


_TOKEN_RE = re.compile(r"\d+\.\d+|[^\W_]+(?:-[^\W\d_]+)?", re.UNICODE)

__all__ = ["Language", "ParsedQuery", "SearchFilters", "parse_query", "tokenize"]
