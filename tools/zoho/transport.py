"""What the Inventory and CRM clients share: the request loop (auth refresh, 429 back-off, safe retries), the
client-side rate limiter and Retry-After parsing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from tools.zoho.errors import (
    ZohoAuthError,
    ZohoRateLimited,
    ZohoServerError,
    ZohoTransportError,
    ZohoUnknownOutcome,
)
from tools.zoho.oauth import TokenProvider

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The request never left: retrying cannot duplicate anything, whatever the method.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ZohoRateLimiter:
    """Keeps one process under an org's limits: `max_requests` per `per_seconds` (sliding window), at most
    `max_concurrency` in flight, and an org-wide pause after a 429 (`cool_down`). Share one instance between
    all clients talking to the same organization."""

    def __init__(
        self,
        *,
        max_requests: int = 90,
        per_seconds: float = 60.0,
        max_concurrency: int = 8,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_requests = max_requests
        self.per_seconds = per_seconds
        self.clock = clock
        self.sleep = sleep
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._sent: deque[float] = deque()
        self._paused_until = 0.0

    def cool_down(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            await self._wait_turn()
            yield

    async def _wait_turn(self) -> None:
        while True:
            now = self.clock()
            if self._paused_until > now:
                await self.sleep(self._paused_until - now)
                continue
            while self._sent and self._sent[0] <= now - self.per_seconds:
                self._sent.popleft()
            if len(self._sent) < self.max_requests:
                self._sent.append(now)
                return
            await self.sleep(self._sent[0] + self.per_seconds - now)


class ZohoHttp:
    """The request loop. Subclasses say how their product reports a dead token and a rate limit."""

    product = "zoho"

    def __init__(
        self,
        *,
        base_url: str,
        tokens: TokenProvider,
        http: httpx.AsyncClient | None = None,
        limiter: ZohoRateLimiter | None = None,
        timeout_seconds: float = 30.0,
        max_retries: int = 4,
        backoff_seconds: float = 1.0,
        backoff_cap_seconds: float = 30.0,
        max_wait_seconds: float = 120.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self._http = http or httpx.AsyncClient()
        self._owns_http = http is None
        self.limiter = limiter or ZohoRateLimiter(clock=clock, sleep=sleep)
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.max_wait_seconds = max_wait_seconds
        self.clock = clock
        self.sleep = sleep

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ---- product hooks -------------------------------------------------------------------------------

    def _body(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def _token_rejected(self, response: httpx.Response) -> bool:
        """True when a fresh token may help (401 for an expired/invalid token)."""
        return response.status_code == 401

    def _rate_code(self, response: httpx.Response) -> int | str | None:
        body = self._body(response)
        return body.get("code") if isinstance(body, dict) else None

    def _quota_exhausted(self, response: httpx.Response) -> bool:
        """A limit that an exponential back-off will not lift (e.g. Inventory's daily quota, code 45): waited for
        only when Zoho's Retry-After says it lifts within `max_wait_seconds`, raised otherwise."""
        return False

    # ---- the loop ------------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap_seconds, self.backoff_seconds * 2**attempt))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry_unsafe: bool = False,
    ) -> httpx.Response:
        """Send with auth; refresh the token once on a rejected token; back off on 429 honouring Retry-After;
        retry transport errors and 5xx only for safe methods (or `retry_unsafe`, e.g. idempotent PUTs).
        A POST that fails ambiguously raises `ZohoUnknownOutcome`."""
        method = method.upper()
        safe = method in SAFE_METHODS or retry_unsafe
        url = f"{self.base_url}/{path.lstrip('/')}"
        refreshed = False
        attempt = 0
        while True:
            token = await self.tokens.get_token()
            headers = {"Authorization": f"Zoho-oauthtoken {token}"}
            async with self.limiter.slot():
                try:
                    response = await self._http.request(
                        method, url, params=params, json=json, headers=headers, timeout=self.timeout_seconds
                    )
                except httpx.TransportError as exc:
                    retryable = safe or isinstance(exc, NOT_SENT)
                    if retryable and attempt < self.max_retries:
                        wait = self._backoff(attempt)
                        attempt += 1
                        log.warning("%s %s %s failed (%r); retry in %.1fs", self.product, method, path, exc, wait)
                        await self.sleep(wait)
                        continue
                    if not retryable:
                        raise ZohoUnknownOutcome(
                            f"{self.product} {method} {path} did not complete ({exc!r}); it may have been applied"
                        ) from exc
                    raise ZohoTransportError(f"{self.product} {method} {path} failed: {exc!r}") from exc
            status = response.status_code
            if status == 401 and self._token_rejected(response) and not refreshed:
                refreshed = True
                log.info("%s rejected the access token; refreshing once", self.product)
                await self.tokens.refresh(token)
                continue
            if status == 401:
                body = self._body(response)
                raise ZohoAuthError(
                    f"{self.product} {method} {path}: unauthorized ({body})",
                    status=401,
                    code=self._rate_code(response),
                    body=body,
                )
            if status == 429:
                code = self._rate_code(response)
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock())
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                exhausted = self._quota_exhausted(response) and retry_after is None
                if exhausted or attempt >= self.max_retries or wait > self.max_wait_seconds:
                    raise ZohoRateLimited(
                        f"{self.product} rate limit (code {code}) on {method} {path}; retry after {wait:.0f}s",
                        retry_after=retry_after,
                        code=code,
                    )
                attempt += 1
                log.warning("%s rate limited (code %s); pausing %.1fs", self.product, code, wait)
                self.limiter.cool_down(wait)
                continue
            if status >= 500:
                if safe and attempt < self.max_retries:
                    wait = self._backoff(attempt)
                    attempt += 1
                    log.warning("%s %s %s answered %s; retry in %.1fs", self.product, method, path, status, wait)
                    await self.sleep(wait)
                    continue
                if not safe:
                    raise ZohoUnknownOutcome(
                        f"{self.product} {method} {path} answered HTTP {status}; it may have been applied",
                        status=status,
                        body=self._body(response),
                    )
                raise ZohoServerError(
                    f"{self.product} {method} {path} answered HTTP {status}", status=status, body=self._body(response)
                )
            return response
