"""The quality-review job: every conversation that went quiet is reviewed on the client's checklist by the quality
graph (graphs/quality.py) and the review stored, once per new stretch of messages; any number of workers may run
it (a review of the same episode replaces the row, so a race costs one review twice, never a duplicate)."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agent.quality.context import QualityContext
from agent.quality.review import Reviewer
from graphs.quality import graph as quality_graph
from server.desk.quality import QualityStore
from server.loops import WokenLoop

log = logging.getLogger(__name__)


class QualityReviewer(WokenLoop):
    def __init__(
        self,
        store: QualityStore,
        reviewer: Reviewer,
        *,
        idle_seconds: float,
        poll_interval_seconds: float,
        batch_size: int = 20,
        graph: CompiledStateGraph[Any, Any, Any, Any] = quality_graph,
    ) -> None:
        super().__init__("quality-review", poll_interval_seconds)
        self.store = store
        self.reviewer = reviewer
        self.idle_seconds = idle_seconds
        self.batch_size = batch_size
        self.graph = graph
        self.context = QualityContext(reviewer=reviewer, store=store)

    async def run_pass(self) -> bool:
        due = await self.store.to_review(self.reviewer.name, self.batch_size, self.idle_seconds)
        for conversation_id in due:
            result = await self.graph.ainvoke({"conversation_id": conversation_id}, context=self.context)
            if result.get("error"):
                log.warning("quality review of conversation %s: %s", conversation_id, result["error"])
        return len(due) == self.batch_size  # a full batch: more may be waiting
