"""Start-up checks of the credentials the service depends on, run once by the API process and shown by /health/ready.

A rejected OpenRouter key or Zoho credentials that fail would otherwise be discovered turn by turn (every turn
waiting out the provider deadlines, every quotation failing): here each is tried once at start-up, logged once
with what to fix, and kept for /health/ready. An unreachable provider is retried for a while first, since in demo
mode the fakes live in this very process and answer only once it serves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from psycopg_pool import AsyncConnectionPool

from server.components.zoho import zoho_tokens
from server.settings import Settings
from tools.zoho import ZohoOAuthError, ZohoOAuthTerminalError, ZohoRefreshThrottled

log = logging.getLogger(__name__)

CheckState = Literal["pending", "ok", "failed", "skipped"]


@dataclass
class CheckResult:
    state: CheckState
    detail: str

    @property
    def passing(self) -> bool:
        return self.state in ("ok", "skipped")


class Unreachable(Exception):
    """The service checked could not be reached (yet): tried again until the checks' deadline."""


async def check_openrouter(settings: Settings, http: httpx.AsyncClient) -> CheckResult:
    if settings.openrouter_api_key is None:
        return CheckResult("skipped", "no NOOR_OPENROUTER_API_KEY: the offline model answers")
    url = settings.openrouter_base_url.rstrip("/") + "/key"
    try:
        response = await http.get(
            url, headers={"Authorization": f"Bearer {settings.openrouter_api_key.get_secret_value()}"}
        )
    except httpx.HTTPError as exc:
        raise Unreachable(f"OpenRouter at {url} unreachable: {exc!r}") from exc
    if response.status_code == 200:
        return CheckResult("ok", f"key accepted by {settings.openrouter_base_url}")
    try:
        reason = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        reason = response.text[:200]
    if response.status_code in (401, 403):
        return CheckResult(
            "failed",
            f"OpenRouter rejected NOOR_OPENROUTER_API_KEY (HTTP {response.status_code}: {reason}); every turn "
            "would fall back to the offline model after waiting out the provider deadline — fix or unset the key",
        )
    if response.status_code >= 500:
        raise Unreachable(f"OpenRouter answered HTTP {response.status_code}: {reason}")
    return CheckResult("failed", f"OpenRouter answered HTTP {response.status_code} for the key check: {reason}")


async def check_zoho(
    settings: Settings, pool: AsyncConnectionPool[Any], http: httpx.AsyncClient, product: Literal["inventory", "crm"]
) -> CheckResult:
    """An access token for `product` (the one cached in the database if still valid, else one refresh)."""
    tokens = zoho_tokens(settings, pool, product, http)
    try:
        await tokens.get()
    except ZohoOAuthTerminalError as exc:
        return CheckResult("failed", exc.message)
    except ZohoRefreshThrottled as exc:  # says nothing of the credentials; refreshing more would make it worse
        return CheckResult("skipped", f"not checked: {exc.message}")
    except ZohoOAuthError as exc:
        if exc.status == 0 or exc.status >= 500:  # no answer, or a server error: try again
            raise Unreachable(exc.message) from exc
        return CheckResult("failed", f"Zoho {product} credentials not usable: {exc.message}")
    return CheckResult("ok", f"access token from {settings.zoho_accounts_api_url}")


class StartupChecks:
    """`start()` runs every check in the background; `results` holds each one's latest state."""

    def __init__(self, settings: Settings, pool: AsyncConnectionPool[Any], *, retry_for_seconds: float = 30.0) -> None:
        self.settings = settings
        self.pool = pool
        self.retry_for_seconds = retry_for_seconds
        self.results: dict[str, CheckResult] = {}
        self._http = httpx.AsyncClient(timeout=10.0)
        self._checks: dict[str, Callable[[], Awaitable[CheckResult]]] = {
            "openrouter": lambda: check_openrouter(settings, self._http),
            "zoho_inventory": lambda: check_zoho(settings, pool, self._http, "inventory"),
            "zoho_crm": lambda: check_zoho(settings, pool, self._http, "crm"),
        }
        for name in self._checks:
            self.results[name] = CheckResult("pending", "start-up check running")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="startup-checks")

    async def run(self) -> None:
        await asyncio.gather(*(self._run_one(name, check) for name, check in self._checks.items()))

    async def _run_one(self, name: str, check: Callable[[], Awaitable[CheckResult]]) -> None:
        deadline = time.monotonic() + self.retry_for_seconds
        delay = 0.25
        while True:
            try:
                result = await check()
                break
            except Unreachable as exc:
                if time.monotonic() + delay > deadline:
                    result = CheckResult("failed", f"{exc} (still failing after {self.retry_for_seconds:.0f} s)")
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:  # a check must never take the service down; it reports instead
                log.exception("start-up check %s crashed", name)
                result = CheckResult("failed", f"the check itself failed: {exc!r}")
                break
        self.results[name] = result
        if result.state == "failed":
            log.error("start-up check %s failed: %s", name, result.detail)
        else:
            log.info("start-up check %s: %s (%s)", name, result.state, result.detail)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._http.aclose()
