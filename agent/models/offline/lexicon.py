"""How the offline model's cue lists become patterns: Latin cues match at a word start, Arabic and Cyrillic cues
anywhere (attached prefixes such as "و", "بال")."""

from __future__ import annotations

import re


def cue_words(*words: str) -> re.Pattern[str]:
    latin = [w for w in words if w.isascii()]
    other = [w for w in words if not w.isascii()]
    parts = []
    if latin:
        parts.append(r"\b(?:" + "|".join(latin) + ")")
    if other:
        parts.append("(?:" + "|".join(other) + ")")
    return re.compile("|".join(parts), re.IGNORECASE)
