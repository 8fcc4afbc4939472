"""Run-scoped knobs the graph reads (LangGraph context), and the services its nodes call.

Services are injected by the worker (server/worker/main.py); when absent (Studio, a test of one node) the model
is the offline one and the other services are simply not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langgraph.config import get_config

from agent.models.base import SalesModel
from agent.models.offline import OfflineModel
from agent.policies.pricing import DiscountPolicy

if TYPE_CHECKING:
    from agent.services.commerce import Commerce, EscalationDesk
    from tools.catalog.search import CatalogSearch
    from tools.knowledge import KnowledgeBase
    from tools.live_stock import LiveStock


@dataclass(kw_only=True)
class Context:
    assistant_name: str = "Noor"
    company_name: str = "Treejar"
    max_part_chars: int = 1500
    """WhatsApp shows long messages poorly: longer replies are split into parts of at most this size."""
    recommendations: int = 3
    """How many options a recommendation shows."""
    history_messages: int = 6
    """Recent messages the model sees verbatim; older ones are summarised."""
    order_value_threshold_aed: float = 10_000.0
    """A quotation at or above this total (incl. VAT) goes to a manager."""
    failed_turns_threshold: int = 2
    """Consecutive turns without help before a person takes over."""
    model: SalesModel | None = field(default=None, repr=False)
    catalog: CatalogSearch | None = field(default=None, repr=False)
    knowledge: KnowledgeBase | None = field(default=None, repr=False)
    inventory: LiveStock | None = field(default=None, repr=False)
    """Live price and stock of one product from Zoho Inventory (falls back to the catalog mirror)."""
    commerce: Commerce | None = field(default=None, repr=False)
    desk: EscalationDesk | None = field(default=None, repr=False)

    writer: SalesModel = field(default_factory=OfflineModel, repr=False)
    """The deterministic writer: rewrites a reply the guard refuses, from the same facts."""

    def sales_model(self) -> SalesModel:
        """The model the service configured; the offline model where none was given (Studio, a test of one node)."""
        if self.model is None:
            self.model = OfflineModel()
        return self.model

    def discount_policy(self) -> DiscountPolicy:
        """The client's discount policy; its defaults where no commerce backend was given (Studio, graph tests)."""
        return self.commerce.policy if self.commerce is not None else DiscountPolicy()


def thread_id() -> str:
    """The conversation this graph run belongs to ("channelId:chatId"), from the run's configuration."""
    return str(get_config().get("configurable", {}).get("thread_id", ""))


def chat_id() -> str:
    """The customer's WhatsApp chat id (their phone number): the thread id's last part."""
    return thread_id().rsplit(":", 1)[-1]
