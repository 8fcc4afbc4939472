"""A conversation with the sales graph on the real demo catalog (in-memory checkpointer), for tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import Context
from agent.models.base import SalesModel
from agent.models.offline import OfflineModel
from agent.state import TurnInput
from graphs.sales import builder
from sandbox.seed import DEMO_DATA_DIR, KNOWLEDGE_DIR, demo_items
from tools.catalog.embedding import EmbeddingCache
from tools.catalog.product import product_from_zoho_item
from tools.catalog.search import CatalogSearch
from tools.knowledge import KnowledgeBase

PRODUCTS = {p.canonical_sku: p for p in (product_from_zoho_item(i) for i in demo_items())}

Services = tuple[CatalogSearch, KnowledgeBase]


async def demo_services(folder: Path) -> Services:
    """The demo catalog and knowledge base, indexed from the shipped embedding cache (nothing embedded)."""
    shutil.copy(DEMO_DATA_DIR / "catalog-embeddings.sqlite3", folder / "embeddings.sqlite3")
    catalog = CatalogSearch.embedded(folder)
    report = await catalog.index_products(PRODUCTS.values())
    assert report.embedded == 0, "the shipped embedding cache covers the demo catalog"
    knowledge = KnowledgeBase(KNOWLEDGE_DIR, cache=EmbeddingCache(folder / "embeddings.sqlite3"))
    await knowledge.build()
    return catalog, knowledge


def money(value: float) -> str:
    return f"{value:,.2f}"


class Conversation:
    def __init__(self, services: Services, model: SalesModel | None = None) -> None:
        catalog, knowledge = services
        self.graph = builder.compile(checkpointer=InMemorySaver())
        self.context = Context(model=model or OfflineModel(), catalog=catalog, knowledge=knowledge)
        self.config: RunnableConfig = {"configurable": {"thread_id": "test"}}
        self.turns = 0

    async def say(self, text: str) -> str:
        self.turns += 1
        turn: TurnInput = {
            "turn_id": f"t{self.turns}",
            "inbound": [{"message_id": f"m{self.turns}", "kind": "text", "text": text, "content_uri": None}],
            "customer_name": None,
        }
        output = await self.graph.ainvoke(turn, self.config, context=self.context)
        return "\n".join(part["text"] or "" for part in output["reply_parts"])

    async def state(self) -> dict[str, Any]:
        return dict((await self.graph.aget_state(self.config)).values)
