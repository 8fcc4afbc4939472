"""Typed Zoho clients: the shared OAuth token cache, Inventory v1 and CRM v7, and phone normalisation.

Wiring (the service does this from `server/settings.py`; clients never read Settings)::

    inventory_tokens = ZohoTokenCache(pool, product="inventory", accounts_url=accounts_url,
                                      client_id=..., client_secret=..., refresh_token=inventory_refresh_token)
    crm_tokens = ZohoTokenCache(pool, product="crm", ..., refresh_token=crm_refresh_token)
    limiter = ZohoRateLimiter()  # one per process and organization, shared by every Inventory client
    inventory = ZohoInventoryClient(base_url=inventory_url, organization_id=org_id, tokens=inventory_tokens,
                                    limiter=limiter, http=http)
    crm = ZohoCrmClient(base_url=crm_url, tokens=crm_tokens, http=http)

Real EU URLs: accounts "https://accounts.zoho.eu", Inventory "https://www.zohoapis.eu/inventory/v1",
CRM "https://www.zohoapis.eu/crm/v7". Demo: "<base>/sandbox/zoho", "<base>/sandbox/zoho/inventory/v1",
"<base>/sandbox/zoho/crm/v7".
"""

from tools.zoho.crm import CrmContact, Deal, NewCrmContact, NewDeal, Note, WriteResult, ZohoCrmClient
from tools.zoho.errors import (
    ZohoAuthError,
    ZohoBadResponse,
    ZohoCrmRecordError,
    ZohoError,
    ZohoNotFound,
    ZohoOAuthError,
    ZohoOAuthTerminalError,
    ZohoRateLimited,
    ZohoRefreshThrottled,
    ZohoRequestError,
    ZohoServerError,
    ZohoTransportError,
    ZohoUnknownOutcome,
)
from tools.zoho.inventory import SalesOrderResult, ZohoInventoryClient
from tools.zoho.models import (
    InventoryContact,
    Item,
    ItemPage,
    NewContact,
    NewSalesOrder,
    NewSalesOrderLine,
    Pricebook,
    SalesOrder,
)
from tools.zoho.oauth import AccessToken, TokenProvider, ZohoTokenCache
from tools.zoho.phone import phone_to_e164, phone_variants, phones_in
from tools.zoho.transport import ZohoRateLimiter, parse_retry_after

__all__ = [
    "AccessToken",
    "CrmContact",
    "Deal",
    "InventoryContact",
    "Item",
    "ItemPage",
    "NewContact",
    "NewCrmContact",
    "NewDeal",
    "NewSalesOrder",
    "NewSalesOrderLine",
    "Note",
    "Pricebook",
    "SalesOrder",
    "SalesOrderResult",
    "TokenProvider",
    "WriteResult",
    "ZohoAuthError",
    "ZohoBadResponse",
    "ZohoCrmClient",
    "ZohoCrmRecordError",
    "ZohoError",
    "ZohoInventoryClient",
    "ZohoNotFound",
    "ZohoOAuthError",
    "ZohoOAuthTerminalError",
    "ZohoRateLimited",
    "ZohoRateLimiter",
    "ZohoRefreshThrottled",
    "ZohoRequestError",
    "ZohoServerError",
    "ZohoTokenCache",
    "ZohoTransportError",
    "ZohoUnknownOutcome",
    "parse_retry_after",
    "phone_to_e164",
    "phone_variants",
    "phones_in",
]
