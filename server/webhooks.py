"""POST /webhooks/wazzup?token=…: verify, store the body durably, answer 200 at once.

The items are ingested by the workers right after (see server/deliveries.py); the answer never waits
for a turn.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from server.deps import get_services

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

OK_BODY = b'{"ok":true}'


@router.post(
    "/webhooks/wazzup",
    openapi_extra={"parameters": [{"name": "token", "in": "query", "required": True, "schema": {"type": "string"}}]},
)
async def wazzup_webhook(request: Request) -> Response:
    # The hottest route: no dependency solving, the query string and services are read directly.
    services = get_services(request)
    token = request.query_params.get("token", "")
    expected = services.settings.wazzup_webhook_token.get_secret_value()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return JSONResponse({"error": "forbidden", "detail": "invalid webhook token"}, status_code=403)
    raw = await request.body()
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("wazzup webhook: malformed JSON (%s bytes): %s", len(raw), exc)
        return JSONResponse({"error": "malformed_json", "detail": str(exc)}, status_code=400)
    if not isinstance(body, dict):
        log.warning("wazzup webhook: body is %s, not an object", type(body).__name__)
        return JSONResponse({"error": "unexpected_body", "detail": "the body must be a JSON object"}, 400)
    if body.get("test") is not True:
        await services.deliveries.store(raw.decode("utf-8"))
    return Response(OK_BODY, media_type="application/json")
