"""Fake Zoho accounts server: `POST /oauth/v2/token` with grant_type=refresh_token (docs/contracts.md §2)."""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.zoho.core import FakeClock, FakeZohoConfig

INVENTORY_SCOPE = "ZohoInventory.fullaccess.all"
CRM_SCOPE = "ZohoCRM.modules.ALL,ZohoSearch.securesearch.READ"

THROTTLE_BODY = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "status": "failure",
}


@dataclass
class IssuedToken:
    token: str
    refresh_token: str
    scope: str
    expires_at: float


@dataclass
class OAuthState:
    clock: FakeClock
    config: FakeZohoConfig
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> scope
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    issued: dict[str, deque[float]] = field(default_factory=dict)  # refresh token -> issue times
    active: dict[str, deque[str]] = field(default_factory=dict)  # refresh token -> live access tokens
    refresh_count: dict[str, int] = field(default_factory=dict)  # refresh token -> tokens ever issued

    def issue(self, refresh_token: str) -> IssuedToken:
        token = f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        issued = IssuedToken(
            token,
            refresh_token,
            self.refresh_tokens[refresh_token],
            self.clock.now() + self.config.token_lifetime,
        )
        self.tokens[token] = issued
        active = self.active.setdefault(refresh_token, deque())
        active.append(token)
        while len(active) > self.config.max_active_tokens:  # the 16th invalidates the oldest
            self.tokens.pop(active.popleft(), None)
        self.issued.setdefault(refresh_token, deque()).append(self.clock.now())
        self.refresh_count[refresh_token] = self.refresh_count.get(refresh_token, 0) + 1
        return issued

    def throttled(self, refresh_token: str) -> bool:
        times = self.issued.setdefault(refresh_token, deque())
        horizon = self.clock.now() - self.config.refresh_window_seconds
        while times and times[0] <= horizon:
            times.popleft()
        return len(times) >= self.config.refreshes_per_window

    def lookup(self, token: str) -> IssuedToken | None:
        """A live access token, or None if unknown, revoked or expired (by the fake clock)."""
        issued = self.tokens.get(token)
        if issued is None or issued.expires_at <= self.clock.now():
            return None
        return issued

    def expire_all(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        for active in self.active.values():
            active.clear()
        return count

    def revoke(self, refresh_token: str) -> bool:
        if self.refresh_tokens.pop(refresh_token, None) is None:
            return False
        for token in self.active.pop(refresh_token, deque()):
            self.tokens.pop(token, None)
        return True


def oauth_router(state: OAuthState) -> APIRouter:
    router = APIRouter()

    @router.post("/oauth/v2/token")
    async def token(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            form = await request.form()
            params.update({key: str(value) for key, value in form.items()})
        config = state.config

        def error(code: str) -> JSONResponse:
            return JSONResponse({"error": code}, status_code=config.oauth_error_status)

        if params.get("grant_type") != "refresh_token":
            return error("unsupported_grant_type")
        if params.get("client_id") != config.client_id:
            return error("invalid_client")
        if params.get("client_secret") != config.client_secret:
            return error("invalid_client_secret")
        refresh_token = params.get("refresh_token", "")
        if refresh_token not in state.refresh_tokens:
            return error("invalid_code")
        if state.throttled(refresh_token):
            return JSONResponse(THROTTLE_BODY, status_code=config.oauth_error_status)
        issued = state.issue(refresh_token)
        url = request.url
        api_domain = f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}".rstrip("/")
        return JSONResponse(
            {
                "access_token": issued.token,
                "scope": issued.scope,
                "api_domain": api_domain,
                "token_type": "Bearer",
                "expires_in": config.token_lifetime,
            }
        )

    return router
