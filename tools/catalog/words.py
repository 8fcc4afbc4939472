"""Which words are real words, and which two words are one typo apart: shared by the catalog's query speller
(tools/catalog/query.py) and the offline model's cue speller (agent/models/offline/spelling.py), so one process
loads each language's dictionary once."""

from __future__ import annotations

from functools import cache

from spellchecker import SpellChecker


@cache
def dictionary(language: str) -> SpellChecker:
    """pyspellchecker's maintained word list for "en", "ru" or "ar" (loaded on first use, ~0.15 s)."""
    return SpellChecker(language=language, distance=1)


def within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance ≤ 1: equal, or one letter dropped, added, changed or two neighbours swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]
