"""Authentication for the managers' inbox and its REST API.

- Browser: a session cookie (HttpOnly, SameSite=Lax, Secure when the service is served over https; the
  `__Host-` prefix then too), session rows in Postgres, and a per-session CSRF token that every POST form
  carries (`csrf_token` field) and API calls made with the cookie send as `X-CSRF-Token`.
- Scripts: `Authorization: Bearer <token>` from `POST /api/v1/auth/token`; no CSRF (not ambient).
- The login form itself is protected by a double-submit token (cookie + hidden field).
- Both ways of signing in go through `sign_in`: too many failures for an account or from an address answer 429
  with Retry-After (server/desk/login_throttle.py).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from psycopg import AsyncConnection

from server.desk.login_throttle import LoginThrottle
from server.desk.managers import Access, Manager, Session, has_access, load_session
from server.settings import Settings
from server.web.deps import Services, get_services

LOGIN_CSRF_COOKIE = "noor_login_csrf"
CSRF_HEADER = "x-csrf-token"


async def sign_in(
    conn: AsyncConnection[Any], request: Request, settings: Settings, login: str, password: str
) -> Manager | None:
    """The manager these credentials open, None when wrong; raises LoginThrottled after too many failures."""
    throttle = LoginThrottle(
        max_per_account=settings.inbox_login_max_failures,
        max_per_ip=settings.inbox_login_max_failures_per_ip,
        window=timedelta(minutes=settings.inbox_login_window_minutes),
    )
    return await throttle.sign_in(conn, login, password, request.client.host if request.client else None)


def cookie_secure(settings: Settings) -> bool:
    if settings.inbox_cookie_secure is not None:
        return settings.inbox_cookie_secure
    return settings.base_url.startswith("https://")


def session_cookie_name(settings: Settings) -> str:
    return "__Host-noor_session" if cookie_secure(settings) else "noor_session"


def set_session_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        session_cookie_name(settings),
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=cookie_secure(settings),
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        session_cookie_name(settings), path="/", httponly=True, secure=cookie_secure(settings), samesite="lax"
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/inbox",
        httponly=True,
        secure=cookie_secure(settings),
        samesite="strict",
    )


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def current_session(request: Request, services: Services) -> Session | None:
    """The manager behind this request: a bearer token if one is sent, else the session cookie."""
    token = bearer_token(request)
    kind: Any = "bearer"
    if token is None:
        token = request.cookies.get(session_cookie_name(services.settings))
        kind = "cookie"
    if not token:
        return None
    async with services.pool.connection() as conn:
        return await load_session(conn, token, kind)


def csrf_ok(session: Session, given: str | None) -> bool:
    return session.kind == "bearer" or tokens_match(session.csrf_token, given)


async def api_session(request: Request) -> Session:
    """The API's dependency: 401 without a valid session; 403 for a cookie-authenticated write without CSRF."""
    services = get_services(request)
    session = await current_session(request, services)
    if session is None:
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_ok(session, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "missing or wrong CSRF token")
    return session


ApiSession = Annotated[Session, Depends(api_session)]


def access_session(needed: Access) -> Callable[[Request], Awaitable[Session]]:
    """`api_session`, and 403 unless the account has `needed` access (or more)."""

    async def dependency(request: Request) -> Session:
        session = await api_session(request)
        if not has_access(session.manager.access, needed):
            raise HTTPException(403, f"this needs {needed.replace('_', ' ')} access")
        return session

    return dependency


HeadOfSalesSession = Annotated[Session, Depends(access_session("head_of_sales"))]
"""KPIs, reports and quality reviews: a head of sales or an admin."""
AdminSession = Annotated[Session, Depends(access_session("admin"))]
"""Accounts, prompts and settings: an admin."""
