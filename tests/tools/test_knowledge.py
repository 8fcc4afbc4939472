"""Knowledge-base search over the shipped Treejar Markdown documents (real e5 embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.seed import KNOWLEDGE_DIR
from tools.catalog.embedding import E5Embedder
from tools.knowledge import KnowledgeBase, chunk_markdown


@pytest.fixture(scope="module")
async def kb() -> KnowledgeBase:
    base = KnowledgeBase(KNOWLEDGE_DIR, embedders=[E5Embedder()])
    assert await base.build() > 20
    return base


def test_chunking_keeps_heading_paths() -> None:
    text = "# Doc\nintro\n## A\nalpha\n### A1\ndeep\n## B\nbeta\n```\n# not a heading\n```\n"
    chunks = chunk_markdown(text, "x.md")
    assert [c.heading for c in chunks] == ["Doc", "Doc › A", "Doc › A › A1", "Doc › B"]
    assert "# not a heading" in chunks[-1].text
    assert {c.title for c in chunks} == {"Doc"}


@pytest.mark.parametrize(
    ("query", "source", "needle"),
    [
        ("do you deliver to Abu Dhabi and how much is it?", "delivery-and-installation.md", "Abu Dhabi"),
        ("is VAT included in your prices?", None, "VAT"),
        ("how long is the warranty on chairs?", None, "year"),
        ("do I need to pay an advance for a custom size desk?", "payment-terms.md", "50%"),
        ("can I return a chair I don't like", None, "7 days"),
        ("discount for an order of 30000 AED", None, "8%"),
        ("هل التوصيل مجاني في الشارقة؟", "faq.ar.md", "الشارقة"),
        ("كم مدة الضمان", "faq.ar.md", "الضمان"),
        ("сколько стоит сборка за пределами Дубая", "faq.ru.md", "Сборка"),
    ],
)
async def test_questions_find_the_right_section(kb: KnowledgeBase, query: str, source: str | None, needle: str) -> None:
    hits = await kb.search(query, limit=3)
    assert any(needle in h.chunk.passage() and (source is None or h.chunk.source == source) for h in hits), [
        (h.chunk.source, h.chunk.heading) for h in hits
    ]


async def test_any_folder_of_markdown(tmp_path: Path) -> None:
    (tmp_path / "policy.md").write_text("# Policy\n## Parking\nVisitors park at level B2.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "hours.md").write_text("# Hours\nOpen 9 to 6.\n", encoding="utf-8")
    base = KnowledgeBase(tmp_path, embedders=[E5Embedder()])
    hits = await base.search("where can visitors park?", limit=1)
    assert hits[0].chunk.source == "policy.md"


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("Какие способы оплаты вы принимаете?", "Как можно оплатить?"),
        ("Как оплатить заказ?", "Как можно оплатить?"),
        ("Можно вернуть кресло?", "Можно ли вернуть товар?"),
        ("Доставляете в Абу-Даби?", "Доставляете ли вы за пределы Дубая?"),
        ("Сколько действует предложение?", "Сколько действует коммерческое предложение?"),
    ],
)
async def test_a_russian_question_finds_its_section_first_whatever_the_word_endings(
    kb: KnowledgeBase, query: str, heading: str
) -> None:
    hits = await kb.search(query, limit=3)
    assert hits[0].chunk.headings[-1] == heading, [(h.chunk.source, h.chunk.heading) for h in hits]


def test_word_forms_meet_in_the_lexical_ranking(tmp_path: Path) -> None:
    """BM25 compares Snowball stems: a question's word forms find a section written with other forms of the same
    words (Russian case endings, the Arabic article and plural, English plurals), and nothing else."""
    from tools.knowledge import _terms

    assert set(_terms("Какие способы оплаты?")) & set(_terms("Как можно оплатить заказ"))
    assert set(_terms("التوصيل للطاولات")) >= set(_terms("توصيل الطاولة"))
    assert set(_terms("deliveries of tables")) >= set(_terms("delivery table"))
    assert not set(_terms("оплата")) & set(_terms("оплот"))
    assert not set(_terms("стол")) & set(_terms("стул"))


async def test_a_russian_inflected_question_ranks_its_section_lexically(tmp_path: Path) -> None:
    (tmp_path / "ru.md").write_text(
        "# Вопросы\n## Оплата\nОплатить заказ можно картой или переводом.\n"
        "## Сборка\nМы собираем мебель бесплатно в Дубае.\n## Доставка\nДоставляем по всем эмиратам.\n",
        encoding="utf-8",
    )
    base = KnowledgeBase(tmp_path, embedders=[E5Embedder()])
    await base.build()
    scores = base._bm25("как оплатить картой")
    best = max(range(len(scores)), key=lambda i: scores[i])
    assert base.chunks[best].headings[-1] == "Оплата"
    assert base._bm25("мебели собираете")[[c.headings[-1] for c in base.chunks].index("Сборка")] > 0
