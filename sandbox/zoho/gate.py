"""The gate in front of the fake Zoho routes: request log, planned faults, auth, org id and rate limits.

A plain ASGI middleware so that "after write" faults can let the real handler run (the record is stored)
and still replace its answer, and so that in-flight requests can be counted for the concurrency limits.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sandbox.zoho.core import Fault, LoggedRequest, Product

if TYPE_CHECKING:
    from sandbox.zoho.app import FakeZoho

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INVENTORY_MESSAGES = {
    14: "The request could not be authenticated. Please check the Authorization header.",
    44: "Access to this API has been blocked as it have exceeded the maximum number of requests per minute "
    "for this organization. Please try again after some time.",
    45: "The API call for this organization has exceeded the maximum call rate limit of {limit}.",
    57: "You are not authorized to perform this operation",
    1070: "You have exceeded the maximum number of in process requests allowed.",
}


@dataclass
class Limits:
    """Rolling counters for one product (times by the fake clock)."""

    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    in_flight: int = 0


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    return (
        status,
        json.dumps(body).encode(),
        {"content-type": "application/json;charset=UTF-8", **(headers or {})},
    )


def classify(path: str) -> tuple[Product | None, str]:
    for prefix, product in (("/oauth/v2", "oauth"), ("/inventory/v1", "inventory"), ("/crm/v7", "crm")):
        if path == prefix or path.startswith(prefix + "/"):
            return product, path[len(prefix) :] or "/"  # type: ignore[return-value]
    return None, path


class ZohoGate:
    def __init__(self, app: ASGIApp, fake: FakeZoho) -> None:
        self.app = app
        self.fake = fake

    # ---- error bodies in each product's shape ------------------------------------------------------------

    def fault_response(self, product: Product, fault: Fault) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        status = fault.status
        if product == "oauth":
            code = fault.code or ("Access Denied" if status in (200, 400) else "internal_error")
            body: dict[str, Any] = {"error": code}
            if code == "Access Denied":
                body = {
                    "error": code,
                    "error_description": fault.message
                    or "You have made too many requests continuously. Please try again after some time.",
                    "status": "failure",
                }
            return _json(status, body, headers)
        if product == "inventory":
            if status == 401:
                code = fault.code or 57
            elif status == 429:
                code = fault.code or 44
            else:
                code = fault.code or (1 if status < 500 else 500)
            template = INVENTORY_MESSAGES.get(int(code), "Internal error. Please try again later.")
            message = fault.message or template.format(limit=self.fake.config.daily_limit)
            return _json(status, {"code": int(code), "message": message}, headers)
        default = {401: "INVALID_TOKEN", 403: "NO_PERMISSION", 429: "TOO_MANY_REQUESTS"}.get(status, "INTERNAL_ERROR")
        code = str(fault.code or default)
        message = fault.message or {
            "INVALID_TOKEN": "invalid oauth token",
            "TOO_MANY_REQUESTS": "Too many requests. Please try again after some time.",
        }.get(code, "Internal Server Error")
        return _json(status, {"code": code, "details": {}, "message": message, "status": "error"}, headers)

    # ---- auth and limits -----------------------------------------------------------------------------

    def check(self, product: Product, path: str, scope: Scope) -> tuple[int, bytes, dict[str, str]] | None:
        fake = self.fake
        config = fake.config
        now = fake.clock.now()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if product == "inventory":
            if scheme != "Zoho-oauthtoken" or not token.strip():
                return _json(401, {"code": 14, "message": INVENTORY_MESSAGES[14]})
            issued = fake.oauth.lookup(token.strip())
            if issued is None or "ZohoInventory" not in issued.scope:
                return _json(401, {"code": 57, "message": INVENTORY_MESSAGES[57]})
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            org = (query.get("organization_id") or [headers.get("x-com-zoho-inventory-organizationid", "")])[0]
            if not org:
                return _json(400, {"code": 2, "message": "Invalid value passed for organization_id"})
            if org != config.organization_id:
                return _json(401, {"code": 57, "message": INVENTORY_MESSAGES[57]})
            limits = fake.limits["inventory"]
            if limits.in_flight >= config.concurrency_limit:
                return _json(429, {"code": 1070, "message": INVENTORY_MESSAGES[1070]})
            self._prune(limits, now)
            if len(limits.day) >= config.daily_limit:
                tomorrow = (datetime.fromtimestamp(now, UTC) + timedelta(days=1)).replace(
                    hour=0, minute=0, second=0, microsecond=0
                )
                wait = max(1, math.ceil(tomorrow.timestamp() - now))
                message = INVENTORY_MESSAGES[45].format(limit=config.daily_limit)
                return _json(429, {"code": 45, "message": message}, {"Retry-After": str(wait)})
            if len(limits.minute) >= config.per_minute_limit:
                wait = max(1, math.ceil(limits.minute[0] + 60 - now))
                return _json(429, {"code": 44, "message": INVENTORY_MESSAGES[44]}, {"Retry-After": str(wait)})
            limits.minute.append(now)
            limits.day.append(now)
            return None
        if product == "crm":

            def crm(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
                return _json(status, {"code": code, "details": {}, "message": message, "status": "error"})

            if scheme != "Zoho-oauthtoken" or not token.strip():
                return crm(401, "AUTHENTICATION_FAILURE", "Authentication failed")
            issued = fake.oauth.lookup(token.strip())
            if issued is None:
                return crm(401, "INVALID_TOKEN", "invalid oauth token")
            if "ZohoCRM" not in issued.scope:
                return crm(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")
            if path.endswith("/search") and "ZohoSearch.securesearch.READ" not in issued.scope:
                return crm(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")
            limits = fake.limits["crm"]
            if limits.in_flight >= config.crm_concurrency_limit:
                return crm(429, "TOO_MANY_REQUESTS", "concurrency limit exceeded")
            self._prune(limits, now)
            if len(limits.day) >= config.crm_daily_credits:
                return crm(429, "TOO_MANY_REQUESTS", "API credits exhausted for the rolling 24 hours")
            limits.day.append(now)
            return None
        return None

    @staticmethod
    def _prune(limits: Limits, now: float) -> None:
        while limits.minute and limits.minute[0] <= now - 60:
            limits.minute.popleft()
        while limits.day and limits.day[0] <= now - 86_400:
            limits.day.popleft()

    # ---- ASGI ----------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        full = scope["path"]
        root = scope.get("root_path", "")
        path = full[len(root) :] if root and full.startswith(root) else full
        product, rel = classify(path)
        if product is None:
            await self.app(scope, receive, send)
            return
        entry = LoggedRequest(
            at=self.fake.clock.now(),
            product=product,
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
        )
        self.fake.requests.append(entry)

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = int(message["status"])
            await send(message)

        faults = {f.kind: f for f in self.fake.faults.take(product, scope["method"], rel)}
        if "status" in faults:
            await self._reply(send_logged, *self.fault_response(product, faults["status"]))
            return
        rejection = self.check(product, rel, scope)
        if rejection is not None:
            await self._reply(send_logged, *rejection)
            return
        limits = self.fake.limits.get(product)
        if limits is not None:
            limits.in_flight += 1
        try:
            if "delay" in faults:  # a slow request counts as in process (concurrency limits)
                await asyncio.sleep(faults["delay"].seconds)
            after_write = faults.get("after_write")
            delay_after = faults.get("delay_after")
            if after_write is None and delay_after is None:
                await self.app(scope, receive, send_logged)
                return
            buffered: list[Message] = []

            async def capture(message: Message) -> None:
                buffered.append(message)

            await self.app(scope, receive, capture)
            if delay_after is not None:
                await asyncio.sleep(delay_after.seconds)
            if after_write is not None:
                await self._reply(send_logged, *self.fault_response(product, after_write))
                return
            for message in buffered:
                await send_logged(message)
        finally:
            if limits is not None:
                limits.in_flight -= 1

    @staticmethod
    async def _reply(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
