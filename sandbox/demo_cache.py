"""Regenerate the demo catalog's embedding cache shipped in the repo (`data/demo/catalog-embeddings.sqlite3`).

    uv run python -m sandbox.demo_cache [--reuse .data/catalog/embeddings.sqlite3]

Holds the passage vectors of every demo item (both default embedders) and of the knowledge-base chunks, so
that a fresh `make run` seeds its runtime cache from it and embeds nothing. Run it after changing
`passage_text`, the embedders, the demo items or the knowledge files. `--reuse` takes vectors from an existing
cache (same keys: model name + sha256 of the passage) instead of computing them again.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from sandbox.seed import KNOWLEDGE_DIR, demo_items
from tools.catalog.embedding import E5Embedder, EmbeddingCache, default_embedders, embed_passages_cached
from tools.catalog.product import product_from_zoho_item
from tools.catalog.runtime import DEMO_EMBEDDINGS
from tools.catalog.search import passage_text
from tools.knowledge import KnowledgeBase


def build(target: Path, reuse: list[Path]) -> dict[str, int]:
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    cache = EmbeddingCache(tmp)
    sources = [EmbeddingCache(p) for p in reuse if p.exists()]
    passages = [passage_text(product_from_zoho_item(i)) for i in demo_items()]
    embedders = default_embedders()
    counts: dict[str, int] = {}

    def fill(names: list[str], texts: list[str]) -> None:
        keys = [EmbeddingCache.key(t) for t in texts]
        for name in names:
            for source in sources:
                found = source.get_many(name, keys)
                if found:
                    cache.put_many(name, found)

    fill([e.name for e in embedders], passages)
    for embedder in embedders:
        counts[f"catalog/{embedder.name}"] = embed_passages_cached(embedder, passages, cache)[1]
    e5 = next((e for e in embedders if isinstance(e, E5Embedder)), E5Embedder())
    kb = KnowledgeBase(KNOWLEDGE_DIR, embedders=[e5], cache=cache)
    fill([e5.name], _knowledge_passages(kb))
    kb._build_sync()
    counts["knowledge chunks"] = len(kb.chunks)
    cache.close()
    for source in sources:
        source.close()
    db = sqlite3.connect(str(tmp))
    db.execute("VACUUM")
    db.close()
    tmp.replace(target)
    return counts


def _knowledge_passages(kb: KnowledgeBase) -> list[str]:
    from tools.knowledge import chunk_markdown

    passages = []
    for path in sorted(kb.folder.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        chunks = chunk_markdown(path.read_text(encoding="utf-8"), str(path.relative_to(kb.folder)))
        passages += [c.passage() for c in chunks]
    return passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEMO_EMBEDDINGS)
    parser.add_argument("--reuse", type=Path, action="append", default=[], help="an existing cache to copy from")
    args = parser.parse_args()
    t0 = time.perf_counter()
    counts = build(args.out, args.reuse)
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {size:.1f} MB in {time.perf_counter() - t0:.1f}s; computed / chunks: {counts}")


if __name__ == "__main__":
    main()
