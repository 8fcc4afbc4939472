"""Numbers written as words, and counted parts ("8 seater", "for 8 people", "4 drawers") as lexical terms.

Both work on normalised text (`normalize_text`), the same on the product side and on the query side.

    spell_out_numbers("طاوله لعشره اشخاص")        → "طاوله 10 اشخاص"
    spell_out_numbers("до полутора тысяч")       → "до 1500"
    spell_out_numbers("budget alfain w khamsmeya") → "budget 2500"
    count_terms(["table", "for", "8", "people"])  → ["8:seat"]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from tools.catalog import vocabulary as V
from tools.catalog.normalize import normalize_text
from tools.catalog.stemming import stem

_WORD = re.compile(r"[^\W_]+(?:\.\d+)?|\S", re.UNICODE)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


@cache
def _number_words() -> dict[str, float]:
    return {normalize_text(w): value for w, value in V.NUMBER_WORDS.items()}


@cache
def _multiword_numbers() -> dict[tuple[str, ...], float]:
    return {tuple(w.split()): v for w, v in _number_words().items() if " " in w}


@cache
def _joiners() -> frozenset[str]:
    return frozenset(normalize_text(w) for w in V.NUMBER_JOINERS)


def number_value(word: str) -> float | None:
    """The value of one number word (also after an Arabic proclitic: "لعشره" → 10), or of digits."""
    if _DIGITS.fullmatch(word):
        return float(word)
    words = _number_words()
    if word in words:
        return words[word]
    for clitic in V.ARABIC_PROCLITICS:
        if word.startswith(clitic) and word[len(clitic) :] in words and len(word) - len(clitic) >= 3:
            return words[word[len(clitic) :]]
    return None


def _combine(values: Sequence[float]) -> float:
    total, current = 0.0, 0.0
    for v in values:
        if v == V.THOUSAND:
            total += (current or 1.0) * v
            current = 0.0
        elif v == V.HUNDRED:
            current = (current or 1.0) * v
        else:
            current += v
    return total + current


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def spell_out_numbers(text: str) -> str:
    """Runs of number words (with digits and "and"/"و" between them) replaced by their value in digits. A run of
    digits alone is left as it is (the price and size patterns read those)."""
    if not text:
        return text
    tokens = text.split(" ")
    multi = _multiword_numbers()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        values: list[float] = []
        has_word = False
        j = i
        while j < len(tokens):
            matched = next(
                (
                    (words, v)
                    for words, v in multi.items()
                    if tuple(tokens[j : j + len(words)]) == words and len(words) > 1
                ),
                None,
            )
            if matched:
                values.append(matched[1])
                has_word = True
                j += len(matched[0])
                continue
            value = number_value(tokens[j])
            if value is not None:
                values.append(value)
                has_word = has_word or not _DIGITS.fullmatch(tokens[j])
                j += 1
                continue
            if values and tokens[j] in _joiners() and j + 1 < len(tokens) and number_value(tokens[j + 1]) is not None:
                j += 1
                continue
            break
        if values and has_word:
            out.append(_format(_combine(values)))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


@cache
def _units() -> dict[str, str]:
    """Unit words (normalised, and their stems) → unit name."""
    out: dict[str, str] = {}
    for unit, spec in V.COUNT_UNITS:
        for word in spec.split("|"):
            w = normalize_text(word)
            out.setdefault(w, unit)
            out.setdefault(stem(w), unit)
    return out


def unit_of(word: str) -> str | None:
    units = _units()
    return units.get(word) or units.get(stem(word))


def count_terms(tokens: Sequence[str]) -> list[str]:
    """ "N:unit" terms for a number followed by a counted unit ("8 seater", "2-person", "4 drawers", "на 8
    человек") or an adjective that carries the count ("трехместный", "ثلاثيه"). Tokens are normalised words."""
    parts = [p for t in tokens for p in t.split("-") if p]
    out: list[str] = []
    for i, part in enumerate(parts):
        if part.isdigit() and 0 < int(part) < 100:
            for nxt in parts[i + 1 : i + 3]:  # "4 drawers", "4 steel drawers" is rare: the next word or one after
                unit = unit_of(nxt)
                if unit:
                    out.append(f"{int(part)}:{unit}")
                    break
                if nxt.isdigit():
                    break
            continue
        found = _count_adjectives().get(part) or _count_adjectives().get(stem(part))
        if found:
            out.append(f"{_format(found[0])}:{found[1]}")
            continue
        times = _multiplicity().get(part) or _multiplicity().get(stem(part))
        if times:  # "dual motor", "double monitor"; Arabic puts it after: "شاشه مزدوج"
            around = [*parts[i + 1 : i + 2], *parts[max(0, i - 1) : i]]
            unit = next((u for u in map(unit_of, around) if u), None)
            if unit:
                out.append(f"{_format(times)}:{unit}")
    return list(dict.fromkeys(out))


@cache
def _multiplicity() -> dict[str, float]:
    out: dict[str, float] = {}
    for word, value in V.MULTIPLICITY_WORDS.items():
        w = normalize_text(word)
        out[w] = out[stem(w)] = value
    return out


@cache
def _count_adjectives() -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for word, value, unit in V.COUNT_ADJECTIVES:
        w = normalize_text(word)
        out[w] = out[stem(w)] = (value, unit)
    return out
