"""The services nodes call for side effects, as the worker builds them (server/components/commerce.py,
server/desk/escalations.py).

Typed here so the graph depends on interfaces, not on the server: Studio and node tests run without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agent.policies.escalation import EscalationDecision
    from agent.policies.pricing import DiscountPolicy
    from agent.services.crm import CrmSync
    from agent.services.customers import CustomerDirectory
    from agent.services.quotes import DocumentPublisher, QuoteService
    from tools.quote_pdf import SellerDetails
    from tools.zoho import ZohoInventoryClient


@dataclass
class Commerce:
    """Quotations, customers and the CRM."""

    inventory: ZohoInventoryClient
    customers: CustomerDirectory
    quotes: QuoteService
    crm: CrmSync
    documents: DocumentPublisher
    policy: DiscountPolicy
    seller: SellerDetails
    vat_rate: Decimal
    prefer_zoho_pdf: bool


@dataclass(frozen=True)
class EscalationTicket:
    episode: int
    manager_id: str | None
    created: bool
    """False: the thread's open escalation already existed (a replayed turn)."""


class EscalationDesk(Protocol):
    """Opens a thread's escalation once per episode: routed to a manager, alerted, shown in the inbox."""

    async def open(
        self,
        thread_id: str,
        decision: EscalationDecision,
        *,
        summary: str,
        language: str,
        categories: list[str],
    ) -> EscalationTicket: ...
