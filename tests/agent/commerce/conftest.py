"""The fake Zoho over real loopback HTTP and a real Postgres database for the quotation/CRM services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from agent.policies.pricing import DiscountPolicy
from agent.services.crm import CrmSync
from agent.services.customers import CustomerDirectory
from agent.services.quotes import QuoteService
from tests.tools.zoho.conftest import (  # noqa: F401  (fixtures)
    Zoho,
    fake,
    fake_server,
    zoho,
    zoho_database_url,
    zoho_pool,
)
from tools.zoho import ZohoCrmClient, ZohoInventoryClient

TODAY = date(2026, 11, 21)
MY_TABLES = ("customer_links", "quotes", "crm_deals", "crm_contacts", "crm_notes")


@dataclass
class Commerce:
    zoho: Zoho
    inventory: ZohoInventoryClient
    crm_client: ZohoCrmClient
    customers: CustomerDirectory
    quotes: QuoteService
    crm: CrmSync
    policy: DiscountPolicy


@pytest.fixture
async def commerce(zoho: Zoho) -> Commerce:  # noqa: F811
    async with zoho.pool.connection() as conn:
        for table in MY_TABLES:
            await conn.execute(f"DELETE FROM {table}")
    inventory = zoho.inventory()
    crm = zoho.crm()
    return Commerce(
        zoho=zoho,
        inventory=inventory,
        crm_client=crm,
        customers=CustomerDirectory(zoho.pool, inventory, crm),
        quotes=QuoteService(zoho.pool, inventory, today=lambda: TODAY),
        crm=CrmSync(zoho.pool, crm, today=lambda: TODAY),
        policy=DiscountPolicy(),
    )
