"""Lexical matching as sparse vectors (BM25-like), stored next to the dense vectors in Qdrant.

Documents: English and Arabic names, SKU (whole, compact and its parts), collection, brand,
category, colour and material, after normalisation. Words are indexed by their Snowball stem
(tools/catalog/stemming.py: "drawers"/"drawer", "الطاولات"/"طاولة", "кресла"/"кресло" are one term), numbers
written as words are read as numbers, counted parts become "N:unit" terms ("8 Seater", "for 8 people" → "8:seat";
tools/catalog/numbers.py), and longer words add character trigrams for typo tolerance. Term weights carry
BM25's saturation and length normalisation on the document side; the index applies IDF (Qdrant's
`Modifier.Idf`) at query time.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from tools.catalog.normalize import (
    arabic_skeleton,
    arabizi_loose,
    arabizi_skeleton,
    canonical_sku,
    compact_sku,
    normalize_text,
)
from tools.catalog.numbers import count_terms, spell_out_numbers
from tools.catalog.stemming import stem
from tools.catalog.vocabulary import STOPWORDS

#: The lexical terms' version, kept in each point's payload: an index built with other terms (a shared Qdrant server
#: that outlives a deploy) gets its points' vectors rebuilt even when the products did not change.
LEXICAL_VERSION = "2-stems-counts-skeletons"
K1 = 1.2
B = 0.75
AVG_DOC_LEN = 28.0
TRIGRAM_WEIGHT = 0.3
SKELETON_WEIGHT = 0.6
SKELETON_MIN = 2


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]

    def __bool__(self) -> bool:
        return bool(self.indices)


def term_id(term: str) -> int:
    """A stable 31-bit id for a term (so that no vocabulary has to be stored)."""
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


_TOKEN = re.compile(r"\d+\.\d+|[^\W_]+", re.UNICODE)


def _trigrams(token: str) -> list[str]:
    if len(token) < 4 or token.isdigit() or ":" in token:
        return []
    padded = f"^{token}$"
    return ["3:" + padded[i : i + 3] for i in range(len(padded) - 2)]


def words_of(text: str) -> list[str]:
    """Normalised words of a text with numbers written as words read as digits, stop-words removed."""
    return [t for t in _TOKEN.findall(spell_out_numbers(normalize_text(text))) if t not in STOPWORDS]


def skeleton_term(word: str) -> str | None:
    """ "~key": the loose Arabizi skeleton of an Arabic or a Latin word, so that an Arabizi query word meets the
    Arabic word it spells ("masnad ras" / "مسند راس", "kursi" / "كرسي")."""
    skeleton = arabic_skeleton(word) if not word.isascii() else arabizi_skeleton(word)
    key = arabizi_loose(skeleton) if skeleton else ""
    return "~" + key if len(key) >= SKELETON_MIN else None


def terms_of(text: str, skeletons: bool = False) -> list[str]:
    """Lexical terms of a text: word stems, "N:unit" counts, the trigram terms of the words and, with `skeletons`,
    the Arabizi skeletons of its Arabic words."""
    words = words_of(text)
    out = [stem(w) for w in words] + count_terms(words) + [g for w in words for g in _trigrams(w)]
    if skeletons:
        out += [k for w in words if not w.isascii() and (k := skeleton_term(w))]
    return out


def sku_terms(sku: str) -> list[str]:
    """The compact SKU and its parts ("TC-NOVP-AA-BLK" → tcnovpaablk, tc, novp, aa, blk)."""
    parts = [p.lower() for p in canonical_sku(sku).split("-") if p]
    return [compact_sku(sku).lower(), *parts]


def document_vector(fields: Iterable[tuple[str, float]], sku: str | None = None) -> SparseVector:
    """Sparse BM25 document vector from (text, field weight) pairs and an optional SKU."""
    tf: dict[str, float] = {}
    length = 0
    for text, weight in fields:
        for term in terms_of(text, skeletons=True):
            w = weight * _term_weight(term)
            tf[term] = tf.get(term, 0.0) + w
            if w == weight:
                length += 1
    if sku:
        for term in sku_terms(sku):
            tf[term] = tf.get(term, 0.0) + 1.0
    norm = K1 * (1 - B + B * max(length, 1) / AVG_DOC_LEN)
    weights: dict[int, float] = {}
    for term, f in tf.items():
        tid = term_id(term)
        weights[tid] = weights.get(tid, 0.0) + f * (K1 + 1) / (f + norm)
    indices = sorted(weights)
    return SparseVector(indices, [round(weights[i], 5) for i in indices])


def _term_weight(term: str) -> float:
    if term.startswith("3:"):
        return TRIGRAM_WEIGHT
    if term.startswith("~"):
        return SKELETON_WEIGHT
    return 1.0


def query_vector(terms: Iterable[str], extra: Iterable[str] = (), arabizi: bool = False) -> SparseVector:
    """Sparse query vector: each word term weight 1, its trigrams share TRIGRAM_WEIGHT; `extra` are
    pre-normalised expansion words (e.g. "black" for "أسود"). For an Arabizi query its Latin words also look for
    the Arabic words they spell (skeleton terms, SKELETON_WEIGHT)."""
    weights: dict[int, float] = {}
    words = [t for t in terms if t and t not in STOPWORDS]
    if arabizi:
        for word in words:
            key = skeleton_term(word) if word.isascii() and not word.isdigit() and ":" not in word else None
            if key:
                kid = term_id(key)
                weights[kid] = max(weights.get(kid, 0.0), SKELETON_WEIGHT)
    for word in [*words, *extra]:
        tid = term_id(stem(word))
        weights[tid] = max(weights.get(tid, 0.0), 1.0)
        grams = _trigrams(word)
        for g in grams:
            gid = term_id(g)
            weights[gid] = weights.get(gid, 0.0) + TRIGRAM_WEIGHT / max(len(grams), 1) * 3
    indices = sorted(weights)
    return SparseVector(indices, [round(weights[i], 5) for i in indices])
