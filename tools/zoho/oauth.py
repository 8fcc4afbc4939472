"""Zoho OAuth access tokens shared by every process through one Postgres row per product (docs/contracts.md §2).

Zoho issues at most 10 access tokens per refresh token per 10 minutes and then answers "Access Denied", so
every worker must reuse one token. The row in `zoho_tokens` (migration 0002) is the cache; a refresh
happens under `pg_advisory_xact_lock` keyed by the refresh token, only when the cached token is missing,
within `margin_seconds` of expiry, or reported dead by the API (`refresh(stale_token)`), and never more than
`max_refreshes` per `window_seconds` (checked on our side before asking Zoho). Error bodies come inside
HTTP 200 or 400 and are always inspected; terminal ones raise `ZohoOAuthTerminalError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from psycopg_pool import AsyncConnectionPool

from tools.zoho.errors import ZohoOAuthError, ZohoOAuthTerminalError, ZohoRefreshThrottled

log = logging.getLogger(__name__)

TERMINAL_ERRORS = frozenset(
    {"invalid_code", "invalid_client", "invalid_client_secret", "invalid_grant", "unauthorized_client"}
)


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: float  # epoch seconds
    api_domain: str | None = None
    scope: str | None = None


class TokenProvider(Protocol):
    """What the API clients need: a current token, and a fresh one when the API rejected `stale_token`."""

    async def get_token(self) -> str: ...

    async def refresh(self, stale_token: str | None = None) -> str: ...


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class ZohoTokenCache:
    """One product's access token (`product` = "inventory" or "crm", each with its own refresh token).

    Args:
        pool: psycopg AsyncConnectionPool (dict rows, autocommit) on the migrated database.
        product: row key, e.g. "inventory" / "crm".
        accounts_url: accounts server root, e.g. "https://accounts.zoho.eu" (the fake: ".../sandbox/zoho").
        client_id, client_secret, refresh_token: the OAuth client and its refresh token.
        http: optional shared httpx.AsyncClient.
        clock: epoch-seconds clock (tests may pass a fake one).
    """

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        *,
        product: str,
        accounts_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        margin_seconds: float = 60.0,
        max_refreshes: int = 10,
        window_seconds: float = 600.0,
        throttle_cooldown_seconds: float = 60.0,
        timeout_seconds: float = 15.0,
    ) -> None:
        self.pool = pool
        self.product = product
        self.token_url = accounts_url.rstrip("/") + "/oauth/v2/token"
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.refresh_token_hash = hashlib.sha256(refresh_token.encode()).hexdigest()
        self.lock_key = int.from_bytes(
            hashlib.sha256(b"zoho-token:" + refresh_token.encode()).digest()[:8], "big", signed=True
        )
        self._http = http
        self.clock = clock
        self.margin_seconds = margin_seconds
        self.max_refreshes = max_refreshes
        self.window_seconds = window_seconds
        self.throttle_cooldown_seconds = throttle_cooldown_seconds
        self.timeout_seconds = timeout_seconds
        self._memory: AccessToken | None = None
        self._local_lock = asyncio.Lock()

    # ---- public ----------------------------------------------------------------------------------------

    async def get_token(self) -> str:
        return (await self.get()).token

    async def refresh(self, stale_token: str | None = None) -> str:
        """A token other than `stale_token` (which the API just rejected); refreshes unless another process
        already did."""
        return (await self.get(stale_token=stale_token, force=True)).token

    async def get(self, *, stale_token: str | None = None, force: bool = False) -> AccessToken:
        memory = self._memory
        if memory is not None and self._usable(memory, stale_token):
            return memory
        async with self._local_lock:
            memory = self._memory
            if memory is not None and self._usable(memory, stale_token):
                return memory
            if not force:
                cached = await self._read()
                if cached is not None and self._usable(cached, stale_token):
                    self._memory = cached
                    return cached
            token = await self._refresh_locked(stale_token)
            self._memory = token
            return token

    async def invalidate(self) -> None:
        """Forget the cached token everywhere (next `get` refreshes)."""
        self._memory = None
        async with self.pool.connection() as conn:
            await conn.execute(
                "UPDATE zoho_tokens SET access_token = NULL, expires_at = NULL, updated_at = now() WHERE product = %s",
                (self.product,),
            )

    # ---- internals ---------------------------------------------------------------------------------------

    def _usable(self, token: AccessToken, stale_token: str | None) -> bool:
        return token.token != stale_token and token.expires_at - self.margin_seconds > self.clock()

    def _row_token(self, row: dict[str, Any] | None) -> AccessToken | None:
        if row is None or row["refresh_token_hash"] != self.refresh_token_hash or not row["access_token"]:
            return None
        expires = _epoch(row["expires_at"])
        if expires is None:
            return None
        return AccessToken(row["access_token"], expires, row["api_domain"], row["scope"])

    async def _read(self) -> AccessToken | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute("SELECT * FROM zoho_tokens WHERE product = %s", (self.product,))
            return self._row_token(await cur.fetchone())

    async def _refresh_locked(self, stale_token: str | None) -> AccessToken:
        failure: Exception | None = None
        result: AccessToken | None = None
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
            cur = await conn.execute("SELECT * FROM zoho_tokens WHERE product = %s FOR UPDATE", (self.product,))
            row = await cur.fetchone()
            current = self._row_token(row)
            if current is not None and self._usable(current, stale_token):
                return current  # another process refreshed while we waited for the lock
            now = self.clock()
            if row is not None and row["refresh_token_hash"] == self.refresh_token_hash:
                blocked = _epoch(row["blocked_until"])
                if blocked is not None and blocked > now:
                    raise ZohoRefreshThrottled(
                        f"Zoho {self.product} token refresh is paused until {_ts(blocked).isoformat()} "
                        f"after Zoho throttled refreshes ({row['last_error']})",
                        retry_at=blocked,
                    )
            cur = await conn.execute(
                "SELECT unnest(refresh_attempts) AS at FROM zoho_tokens WHERE refresh_token_hash = %s",
                (self.refresh_token_hash,),
            )
            horizon = now - self.window_seconds
            recent = sorted(t for t in (_epoch(r["at"]) for r in await cur.fetchall()) if t is not None and t > horizon)
            if len(recent) >= self.max_refreshes:
                retry_at = recent[-self.max_refreshes] + self.window_seconds
                raise ZohoRefreshThrottled(
                    f"refusing to refresh the Zoho {self.product} token: {len(recent)} refreshes in the last "
                    f"{self.window_seconds:.0f} s (Zoho allows {self.max_refreshes}); next allowed at "
                    f"{_ts(retry_at).isoformat()}",
                    retry_at=retry_at,
                )
            attempts = (
                [t for t in (_epoch(a) for a in row["refresh_attempts"]) if t is not None and t > horizon]
                if row is not None and row["refresh_token_hash"] == self.refresh_token_hash
                else []
            )
            attempts.append(now)
            blocked_until: float | None = None
            error_text: str | None = None
            try:
                result = await self._call_zoho(now)
            except ZohoRefreshThrottled as exc:
                blocked_until = exc.retry_at
                error_text = exc.message
                failure = exc
            except ZohoOAuthError as exc:
                error_text = exc.message
                failure = exc
            await conn.execute(
                """
                INSERT INTO zoho_tokens (product, refresh_token_hash, access_token, api_domain, scope, expires_at,
                                         refreshed_at, refresh_attempts, refresh_count, blocked_until, last_error,
                                         last_error_at, updated_at)
                VALUES (%(product)s, %(hash)s, %(token)s, %(api_domain)s, %(scope)s, %(expires_at)s, %(refreshed_at)s,
                        %(attempts)s, %(count)s, %(blocked_until)s, %(error)s, %(error_at)s, now())
                ON CONFLICT (product) DO UPDATE SET
                    refresh_token_hash = EXCLUDED.refresh_token_hash,
                    access_token = COALESCE(EXCLUDED.access_token, CASE WHEN zoho_tokens.refresh_token_hash
                        = EXCLUDED.refresh_token_hash THEN zoho_tokens.access_token END),
                    api_domain = COALESCE(EXCLUDED.api_domain, zoho_tokens.api_domain),
                    scope = COALESCE(EXCLUDED.scope, zoho_tokens.scope),
                    expires_at = COALESCE(EXCLUDED.expires_at, CASE WHEN zoho_tokens.refresh_token_hash
                        = EXCLUDED.refresh_token_hash THEN zoho_tokens.expires_at END),
                    refreshed_at = COALESCE(EXCLUDED.refreshed_at, zoho_tokens.refreshed_at),
                    refresh_attempts = EXCLUDED.refresh_attempts,
                    refresh_count = zoho_tokens.refresh_count + EXCLUDED.refresh_count,
                    blocked_until = EXCLUDED.blocked_until,
                    last_error = COALESCE(EXCLUDED.last_error, zoho_tokens.last_error),
                    last_error_at = COALESCE(EXCLUDED.last_error_at, zoho_tokens.last_error_at),
                    updated_at = now()
                """,
                {
                    "product": self.product,
                    "hash": self.refresh_token_hash,
                    "token": result.token if result else None,
                    "api_domain": result.api_domain if result else None,
                    "scope": result.scope if result else None,
                    "expires_at": _ts(result.expires_at) if result else None,
                    "refreshed_at": _ts(now) if result else None,
                    "attempts": [_ts(t) for t in attempts],
                    "count": 1 if result else 0,
                    "blocked_until": _ts(blocked_until) if blocked_until else None,
                    "error": error_text,
                    "error_at": _ts(now) if error_text else None,
                },
            )
        if failure is not None:
            raise failure
        assert result is not None
        log.info("refreshed the Zoho %s access token (expires %s)", self.product, _ts(result.expires_at).isoformat())
        return result

    async def _call_zoho(self, now: float) -> AccessToken:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        try:
            if self._http is not None:
                response = await self._http.post(self.token_url, data=form, timeout=self.timeout_seconds)
            else:
                async with httpx.AsyncClient(timeout=self.timeout_seconds) as http:
                    response = await http.post(self.token_url, data=form)
        except httpx.HTTPError as exc:
            raise ZohoOAuthError(f"Zoho token refresh failed: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZohoOAuthError(
                f"Zoho token refresh answered HTTP {response.status_code} without a JSON object",
                status=response.status_code,
            )
        error = body.get("error")
        if error is None and body.get("access_token"):
            expires_in = float(body.get("expires_in") or body.get("expires_in_sec") or 3600)
            return AccessToken(str(body["access_token"]), now + expires_in, body.get("api_domain"), body.get("scope"))
        description = str(body.get("error_description") or "")
        if error == "Access Denied" or "too many requests" in description.lower():
            raise ZohoRefreshThrottled(
                f"Zoho throttled token refreshes: {description or error}",
                retry_at=now + self.throttle_cooldown_seconds,
                status=response.status_code,
                code=str(error),
            )
        if error in TERMINAL_ERRORS:
            raise ZohoOAuthTerminalError(
                f"Zoho refused the {self.product} credentials: {error}"
                + (f" ({description})" if description else "")
                + " — check the client id/secret and the refresh token; retrying will not help",
                status=response.status_code,
                code=str(error),
                body=body,
            )
        raise ZohoOAuthError(
            f"Zoho token refresh failed: HTTP {response.status_code} {error or body}",
            status=response.status_code,
            code=str(error) if error else None,
            body=body,
        )
