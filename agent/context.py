"""Run-scoped knobs the graph reads (LangGraph context), and the services it calls."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.model import SalesModel


@dataclass(kw_only=True)
class Context:
    assistant_name: str = "Noor"
    company_name: str = "Treejar"
    max_part_chars: int = 1500
    """WhatsApp shows long messages poorly: longer replies are split into parts of at most this size."""
    model: SalesModel | None = field(default=None, repr=False)
    """Injected by the service; when absent (Studio, tests of one node) the default is built from Settings."""

    def sales_model(self) -> SalesModel:
        if self.model is None:
            from agent.models import make_model

            self.model = make_model()
        return self.model
