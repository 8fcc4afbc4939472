"""Zoho OAuth from Settings: one token cache per product, shared by the catalog sync, quotations and CRM."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from psycopg_pool import AsyncConnectionPool

from server.settings import Settings
from tools.zoho import ZohoTokenCache


def zoho_tokens(
    settings: Settings,
    pool: AsyncConnectionPool[Any],
    product: Literal["inventory", "crm"],
    http: httpx.AsyncClient | None = None,
) -> ZohoTokenCache:
    refresh_token = settings.zoho_inventory_refresh_token if product == "inventory" else settings.zoho_crm_refresh_token
    return ZohoTokenCache(
        pool,
        product=product,
        accounts_url=settings.zoho_accounts_api_url,
        client_id=settings.zoho_client_id,
        client_secret=settings.zoho_client_secret.get_secret_value(),
        refresh_token=refresh_token.get_secret_value(),
        http=http,
    )
