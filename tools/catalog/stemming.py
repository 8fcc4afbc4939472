"""Word stems for search: the Snowball stemmers (PyStemmer) for Arabic, Russian and English.

Used on both sides of every comparison (the lexical index and its queries, the query vocabulary, the knowledge
base), always on words that went through `normalize_text` first, so that "кресла", "креслами" and "кресло" meet
on "кресл", "الكراسي" and "كراسي" on "كراس", and "drawers" and "drawer" on "drawer". The language is chosen by
the word's script; words with digits (sizes, SKUs) and very short words are left as they are.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import Stemmer  # type: ignore[import-not-found]

_ARABIC = re.compile("[\u0600-\u06ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_MIN_LENGTH = 3

_local = threading.local()  # a Stemmer object must not be shared by threads


def _stemmer(language: str) -> Any:
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    found = stemmers.get(language)
    if found is None:
        found = stemmers[language] = Stemmer.Stemmer(language)
    return found


def language_of(word: str) -> str | None:
    """ "arabic", "russian" or "english" by the word's script, or None (digits, codes, other scripts)."""
    if any(c.isdigit() for c in word):
        return None
    if _ARABIC.search(word):
        return "arabic"
    if _CYRILLIC.search(word):
        return "russian"
    if _LATIN_WORD.fullmatch(word):
        return "english"
    return None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one normalised word (the word itself when no stemmer applies)."""
    language = language_of(word)
    if language is None or len(word) < _MIN_LENGTH:
        return word
    stemmer = _stemmer(language)
    stemmed = str(stemmer.stemWord(word))
    if language == "arabic":
        # One pass of the Arabic stemmer can leave part of a suffix ("طاولات" → "طاولا"; "اجتماعات" → "اجتماعا");
        # a second pass finishes it, so that plural and singular meet ("طاول", "اجتماع").
        again = str(stemmer.stemWord(stemmed))
        if len(again) >= 2:
            stemmed = again
    return stemmed if len(stemmed) >= 2 else word


def stems(words: list[str]) -> list[str]:
    return [stem(w) for w in words]
