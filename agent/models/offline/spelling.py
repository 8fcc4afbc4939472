"""Typos in the words the offline model's cues listen for: "qoutation", "discont", "пожалуста", "التوصييل".

A word is corrected only when it is not a real word of its language (pyspellchecker's maintained dictionaries for
English, Russian and Arabic decide that) and exactly one cue word is one edit away (a letter dropped, doubled,
swapped or changed). Only cue words are targets, so names, companies and Arabizi are never "corrected" into
ordinary words; the message's details are read from the text as written.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from types import ModuleType

from tools.catalog.words import dictionary, within_one_edit

_WORD = re.compile(r"[^\W\d_]{4,}")
# never inside a product code (MC-AIRO-LB) or an e-mail address
_MESSAGE_WORD = re.compile(r"(?<![\w@.-])[^\W\d_]{4,}(?![\w@-]|\.\w)")
# "quot(?:e|ation)" → quote, quotation; "messag\w*" → every dictionary word that starts so
_ENDINGS = re.compile(r"([^\W\d_]+)\(\?:([^\W\d_]+(?:\|[^\W\d_]+)*)\)")
_STEM = re.compile(r"([^\W\d_]{4,})\\w[*+]")
_WORDS_PER_STEM = 40
_MIN_CUE_LENGTH = 4


def _script(word: str) -> str:
    first = word[0]
    if "\u0600" <= first <= "\u06ff":
        return "ar"
    if "\u0400" <= first <= "\u04ff":
        return "ru"
    return "en" if first.isascii() else ""


@cache
def _sorted_words(language: str) -> tuple[str, ...]:
    return tuple(sorted(dictionary(language).word_frequency.dictionary))


def _words_starting(language: str, stem: str) -> list[str]:
    words = _sorted_words(language)
    start = bisect_left(words, stem)
    return [w for w in words[start : start + _WORDS_PER_STEM] if w.startswith(stem)]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class CueSpeller:
    """Corrects one-edit typos towards a fixed vocabulary of cue words (a deletion index: each word and each of
    its one-letter deletions point back to the word)."""

    def __init__(self, cue_words: Iterable[str]) -> None:
        self.words = frozenset(w.lower() for w in cue_words if len(w) >= _MIN_CUE_LENGTH)
        index: dict[str, set[str]] = defaultdict(set)
        for word in self.words:
            for key in {word, *_deletions(word)}:
                index[key].add(word)
        self._index = index

    def correct_word(self, word: str) -> str:
        lowered = word.lower()
        language = _script(lowered)
        if lowered in self.words or not language or lowered in dictionary(language):
            return word
        candidates = {w for key in {lowered, *_deletions(lowered)} for w in self._index.get(key, ())}
        # a typo keeps the word's first and last letters: "gmail" is no "mail", "цвете" no "цвет"
        matches = [w for w in candidates if w[0] == lowered[0] and w[-1] == lowered[-1] and within_one_edit(lowered, w)]
        return matches[0] if len(matches) == 1 else word

    def correct(self, text: str) -> str:
        return _MESSAGE_WORD.sub(lambda m: self.correct_word(m.group(0)), text)


def words_of_patterns(*modules: ModuleType) -> set[str]:
    """The literal words of every compiled pattern a module defines: what its cues listen for."""
    found: set[str] = set()
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, re.Pattern):
                pattern = str(value.pattern).lower()
                for stem, endings in _ENDINGS.findall(pattern):
                    found.update(stem + ending for ending in endings.split("|"))
                for stem in _STEM.findall(pattern):
                    language = _script(stem)
                    if language:
                        found.update(_words_starting(language, stem))
                # a stem followed by \w* is a prefix, not a word; escapes such as \b and \s are not words
                source = re.sub(r"\\[a-zA-Z]", " ", _STEM.sub(" ", pattern))
                found.update(_WORD.findall(source))
    return found
