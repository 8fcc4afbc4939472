"""Wiring of the quotation, customer and CRM services from Settings (the worker builds one per process)."""

from __future__ import annotations

from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from agent.policies.pricing import DiscountPolicy, parse_tiers
from agent.services.commerce import Commerce
from agent.services.crm import CrmStages, CrmSync
from agent.services.customers import CustomerDirectory
from agent.services.quotes import QuoteService
from server.components.documents import DocumentLinks
from server.components.zoho import zoho_tokens
from server.settings import Settings
from tools.quote_pdf import SellerDetails
from tools.zoho import ZohoCrmClient, ZohoInventoryClient, ZohoRateLimiter


def discount_policy(settings: Settings) -> DiscountPolicy:
    return DiscountPolicy(
        tiers=parse_tiers(settings.discount_tiers),
        bot_max_percent=settings.discount_bot_max_percent,
        approval_from_subtotal=settings.discount_approval_from,
        combine_with_pricebook=settings.discount_with_pricebook,
    )


def crm_stages(settings: Settings) -> CrmStages:
    return CrmStages(
        pipeline=settings.crm_pipeline,
        interest=settings.crm_stage_interest,
        quotation_sent=settings.crm_stage_quotation_sent,
        order_confirmed=settings.crm_stage_order_confirmed,
        lost=settings.crm_stage_lost,
    )


def seller_details(settings: Settings) -> SellerDetails:
    return SellerDetails(
        company_name=settings.quote_company_name,
        legal_name=settings.quote_legal_name,
        address=settings.quote_address,
        trn=settings.quote_trn,
        phone=settings.quote_phone,
        email=settings.quote_email,
        website=settings.quote_website,
        bank_details=settings.quote_bank_details,
        terms=settings.quote_terms,
    )


def zoho_clients(
    settings: Settings,
    pool: AsyncConnectionPool[Any],
    *,
    http: httpx.AsyncClient | None = None,
    limiter: ZohoRateLimiter | None = None,
) -> tuple[ZohoInventoryClient, ZohoCrmClient]:
    inventory_tokens = zoho_tokens(settings, pool, "inventory", http)
    crm_tokens = zoho_tokens(settings, pool, "crm", http)
    inventory = ZohoInventoryClient(
        base_url=settings.zoho_inventory_api_url,
        organization_id=settings.zoho_organization_id,
        tokens=inventory_tokens,
        limiter=limiter or ZohoRateLimiter(),
        http=http,
    )
    crm = ZohoCrmClient(base_url=settings.zoho_crm_api_url, tokens=crm_tokens, http=http)
    return inventory, crm


def build_commerce(
    settings: Settings,
    pool: AsyncConnectionPool[Any],
    *,
    inventory: ZohoInventoryClient | None = None,
    crm: ZohoCrmClient | None = None,
    http: httpx.AsyncClient | None = None,
) -> Commerce:
    if inventory is None or crm is None:
        built_inventory, built_crm = zoho_clients(settings, pool, http=http)
        inventory = inventory or built_inventory
        crm = crm or built_crm
    return Commerce(
        inventory=inventory,
        customers=CustomerDirectory(pool, inventory, crm, max_age_seconds=settings.customer_cache_seconds),
        quotes=QuoteService(pool, inventory, validity_days=settings.quote_validity_days, vat_rate=settings.vat_rate),
        crm=CrmSync(pool, crm, stages=crm_stages(settings), lead_source=settings.crm_lead_source),
        documents=DocumentLinks.from_settings(settings),
        policy=discount_policy(settings),
        seller=seller_details(settings),
        vat_rate=settings.vat_rate,
        prefer_zoho_pdf=settings.quote_pdf_prefer_zoho,
    )
