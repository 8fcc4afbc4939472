"""Typed errors raised by the Zoho clients. Every one carries enough to log and to decide what to do."""

from __future__ import annotations

from typing import Any


class ZohoError(Exception):
    """Base class. `status` is the HTTP status (0 if none), `code` Zoho's error code when there was one."""

    def __init__(self, message: str, *, status: int = 0, code: int | str | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body


# ---- OAuth -----------------------------------------------------------------------------------------------


class ZohoOAuthError(ZohoError):
    """The accounts server refused to refresh the access token."""


class ZohoOAuthTerminalError(ZohoOAuthError):
    """A configuration problem that retrying cannot fix: `invalid_code` (refresh token revoked or wrong),
    `invalid_client`, `invalid_client_secret`, `invalid_grant`, `unauthorized_client`. Fix the credentials."""


class ZohoRefreshThrottled(ZohoOAuthError):
    """Too many refreshes: either Zoho answered "Access Denied" or our own 10-per-10-minutes guard refused to
    ask. `retry_at` is the epoch second after which a refresh may be attempted again."""

    def __init__(self, message: str, *, retry_at: float, status: int = 0, code: str | None = None) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_at = retry_at


# ---- API calls -------------------------------------------------------------------------------------------


class ZohoAuthError(ZohoError):
    """401 even after one token refresh (dead token, wrong organization or missing scope)."""


class ZohoRateLimited(ZohoError):
    """429 that outlasted our back-off (or a daily quota: code 45). `retry_after` in seconds if known."""

    def __init__(
        self, message: str, *, retry_after: float | None, status: int = 429, code: int | str | None = None
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class ZohoNotFound(ZohoError):
    """The record does not exist (Inventory code 1002 / HTTP 404)."""


class ZohoServerError(ZohoError):
    """5xx from Zoho (after retries, for reads)."""


class ZohoTransportError(ZohoError):
    """The request did not complete (connection error or timeout)."""


class ZohoUnknownOutcome(ZohoError):
    """A write (POST) failed with a 5xx or a timeout: Zoho may or may not have applied it. Never blindly retry;
    look the record up by its correlation key first (see `ZohoInventoryClient.create_sales_order_once`)."""


class ZohoBadResponse(ZohoError):
    """A success status with a body that is not what was asked for (e.g. a PDF request answered by HTML/JSON)."""


class ZohoRequestError(ZohoError):
    """4xx with a Zoho error body (bad input, validation, duplicate...)."""


class ZohoCrmRecordError(ZohoRequestError):
    """A record-level CRM error inside `data[i]`: code (`MANDATORY_NOT_FOUND`, `INVALID_DATA`,
    `DUPLICATE_DATA`, ...), the offending field's `api_name` and its `json_path`."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        api_name: str | None,
        json_path: str | None = None,
        details: dict[str, Any] | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(f"{code}: {message} (field {api_name})", status=status, code=code, body=details)
        self.api_name = api_name
        self.json_path = json_path
        self.details = details or {}
