"""Knowledge-base search over any folder of Markdown files (FAQ, delivery, warranty, payment, rules...).

Files are chunked by headings (each chunk keeps its heading path as context), embedded with the same
embedders as the catalog, and ranked by fusing dense similarity with BM25 over normalised words
(reciprocal-rank fusion). The index is small and lives in memory; embeddings are cached on disk.

    kb = KnowledgeBase(Path("data/knowledge"), cache=EmbeddingCache(".data/kb.sqlite3"))
    await kb.build()
    hits = await kb.search("do you deliver to Abu Dhabi?")
"""

from __future__ import annotations

import asyncio
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from tools.catalog.embedding import E5Embedder, Embedder, EmbeddingCache, embed_passages_cached
from tools.catalog.normalize import tokenize
from tools.catalog.stemming import stem
from tools.catalog.vocabulary import STOPWORDS

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MAX_CHUNK_CHARS = 1200


class KnowledgeChunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str  # file name relative to the folder
    title: str  # the document's first heading
    headings: list[str]  # heading path of the section
    text: str  # section body (Markdown)

    @property
    def heading(self) -> str:
        return " › ".join(self.headings)

    def passage(self) -> str:
        return f"{self.heading}\n{self.text}"


class KnowledgeHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    chunk: KnowledgeChunk
    score: float


def chunk_markdown(text: str, source: str) -> list[KnowledgeChunk]:
    """Split a Markdown document at headings; long sections are split at paragraph boundaries."""
    chunks: list[KnowledgeChunk] = []
    path: list[tuple[int, str]] = []
    title = ""
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if not content:
            return
        headings = [h for _, h in path] or [title or source]
        parts: list[str] = []
        current = ""
        for para in re.split(r"\n\s*\n", content):
            if current and len(current) + len(para) > MAX_CHUNK_CHARS:
                parts.append(current)
                current = para
            else:
                current = f"{current}\n\n{para}" if current else para
        if current:
            parts.append(current)
        for part in parts:
            chunks.append(KnowledgeChunk(source=source, title=title or headings[0], headings=headings, text=part))

    in_code = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            flush()
            body = []
            level, heading = len(m.group(1)), m.group(2)
            if not title:
                title = heading
            path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
        else:
            body.append(line)
    flush()
    return chunks


# Words of questions that say nothing about the topic (the catalog's stop words are about products).
_QUESTION_WORDS = frozenset(["вы", "мы", "ли", "ваш", "ваши", "вашей"])


def _terms(text: str) -> list[str]:
    """BM25 terms: normalised words by their Snowball stem, so that "оплаты", "оплатить" and "оплату", "الضمان" and
    "ضمان", "deliveries" and "delivery" are one term (the same stemmers as the catalog's lexical index)."""
    return [stem(t) for t in tokenize(text) if t not in STOPWORDS and t not in _QUESTION_WORDS]


class KnowledgeBase:
    """Hybrid (dense + BM25) search over the Markdown files of one folder."""

    def __init__(
        self,
        folder: Path | str,
        embedders: Sequence[Embedder] | None = None,
        cache: EmbeddingCache | None = None,
        rrf_k: float = 20.0,
    ) -> None:
        self.folder = Path(folder)
        self.embedders: list[Embedder] = list(embedders) if embedders is not None else [E5Embedder()]
        self.cache = cache or EmbeddingCache(None)
        self.rrf_k = rrf_k
        self.chunks: list[KnowledgeChunk] = []
        self._dense: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        self._tf: list[Counter[str]] = []
        self._idf: dict[str, float] = {}
        self._len = np.zeros(0)

    async def build(self) -> int:
        """(Re)read the folder and index it; returns the number of chunks."""
        return await asyncio.to_thread(self._build_sync)

    def _build_sync(self) -> int:
        chunks: list[KnowledgeChunk] = []
        for path in sorted(self.folder.rglob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            chunks.extend(chunk_markdown(path.read_text(encoding="utf-8"), str(path.relative_to(self.folder))))
        passages = [c.passage() for c in chunks]
        dense = {e.name: embed_passages_cached(e, passages, self.cache)[0] for e in self.embedders}
        docs = [_terms(p) for p in passages]
        df: Counter[str] = Counter(t for d in docs for t in set(d))
        n = max(len(docs), 1)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._tf = [Counter(d) for d in docs]
        self._len = np.array([len(d) for d in docs], dtype=np.float64)
        self._dense = dense
        self.chunks = chunks
        return len(chunks)

    def _bm25(self, query: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        terms = _terms(query)
        scores = np.zeros(len(self.chunks))
        avg = float(self._len.mean()) if len(self._len) else 1.0
        for i, tf in enumerate(self._tf):
            norm = 1.2 * (0.25 + 0.75 * self._len[i] / avg)
            scores[i] = sum(self._idf[t] * tf[t] * 2.2 / (tf[t] + norm) for t in terms if t in tf)
        return scores

    async def search(self, query: str, limit: int = 5) -> list[KnowledgeHit]:
        if not self.chunks:
            await self.build()
        vectors = await asyncio.to_thread(lambda: {e.name: e.embed_queries([query])[0] for e in self.embedders})
        fused = np.zeros(len(self.chunks))
        for name, q in vectors.items():
            order = np.argsort(-(self._dense[name] @ q), kind="stable")
            fused[order] += 1.0 / (self.rrf_k + np.arange(1, len(order) + 1))
        lexical = self._bm25(query)
        order = np.argsort(-lexical, kind="stable")
        ranks = np.arange(1, len(order) + 1, dtype=np.float64)
        fused[order] += np.where(lexical[order] > 0, 1.0 / (self.rrf_k + ranks), 0.0)
        top = np.argsort(-fused, kind="stable")[:limit]
        best = float(fused[top[0]]) if len(top) else 1.0
        return [KnowledgeHit(chunk=self.chunks[i], score=round(float(fused[i]) / best, 4)) for i in top]
