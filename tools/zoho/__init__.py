"""Typed Zoho clients: the shared OAuth token cache, Inventory v1 and CRM v7, and phone normalisation."""

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
