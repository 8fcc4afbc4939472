"""POST /webhooks/wazzup?token=…: verify, store the body durably, answer 200 at once.

The items are ingested by the workers right after (see server/channels/wazzup/deliveries.py); the answer never waits
for a turn.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from server.channels import RawBodies

log = logging.getLogger(__name__)

OK_BODY = b'{"ok":true}'
JSON = "application/json"


class PlainRoute(APIRoute):
    """A route whose endpoint takes the `Request` and returns the `Response` itself: no dependency solving, no
    parameter validation, no response serialisation (the hottest route pays only for what it uses). It stays an
    `APIRoute`, so OpenAPI still documents it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


def _error(status: int, error: str, detail: str) -> Response:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def webhook_router(
    expected_token: str, bodies: Callable[[], RawBodies], *, max_body_bytes: int, max_items: int
) -> APIRouter:
    """`POST /webhooks/wazzup?token=…`; `bodies` gives the durable store of raw bodies once the service is up.
    A body over `max_body_bytes`, or with more than `max_items` messages and statuses, is refused whole (413)."""
    expected = expected_token.encode()

    async def wazzup_webhook(request: Request) -> Response:
        return await _receive(request, expected, bodies(), max_body_bytes, max_items)

    router = APIRouter(tags=["webhooks"])
    router.add_api_route(
        "/webhooks/wazzup",
        wazzup_webhook,
        methods=["POST"],
        route_class_override=PlainRoute,
        openapi_extra={
            "parameters": [{"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}]
        },
    )
    return router


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is longer than `limit` (a huge body is never held in memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(
    request: Request, expected: bytes, bodies: RawBodies, max_body_bytes: int, max_items: int
) -> Response:
    token = request.query_params.get("token", "")
    if not hmac.compare_digest(token.encode(), expected):
        return _error(403, "forbidden", "invalid webhook token")
    raw = await _read_at_most(request, max_body_bytes)
    if raw is None:
        log.warning("wazzup webhook: body over %s bytes refused", max_body_bytes)
        return _error(413, "body_too_large", f"the body must be at most {max_body_bytes} bytes")
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("wazzup webhook: malformed JSON (%s bytes): %s", len(raw), exc)
        return _error(400, "malformed_json", str(exc))
    if not isinstance(body, dict):
        log.warning("wazzup webhook: body is %s, not an object", type(body).__name__)
        return _error(400, "unexpected_body", "the body must be a JSON object")
    items = sum(len(value) for key in ("messages", "statuses") if isinstance(value := body.get(key), list))
    if items > max_items:
        log.warning("wazzup webhook: %s items in one body refused (at most %s)", items, max_items)
        return _error(413, "too_many_items", f"a body may carry at most {max_items} messages and statuses")
    if body.get("test") is not True:
        await bodies.store(raw.decode("utf-8"))
    return Response(OK_BODY, media_type=JSON)
