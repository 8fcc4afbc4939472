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

from server.web.deps import get_services

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


router = APIRouter(tags=["webhooks"])


def _error(status: int, error: str, detail: str) -> Response:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


async def wazzup_webhook(request: Request) -> Response:
    services = get_services(request)
    token = request.query_params.get("token", "")
    expected = services.settings.wazzup_webhook_token.get_secret_value()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return _error(403, "forbidden", "invalid webhook token")
    raw = await request.body()
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("wazzup webhook: malformed JSON (%s bytes): %s", len(raw), exc)
        return _error(400, "malformed_json", str(exc))
    if not isinstance(body, dict):
        log.warning("wazzup webhook: body is %s, not an object", type(body).__name__)
        return _error(400, "unexpected_body", "the body must be a JSON object")
    if body.get("test") is not True:
        await services.deliveries.store(raw.decode("utf-8"))
    return Response(OK_BODY, media_type=JSON)


router.add_api_route(
    "/webhooks/wazzup",
    wazzup_webhook,
    methods=["POST"],
    route_class_override=PlainRoute,
    openapi_extra={"parameters": [{"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}]},
)
