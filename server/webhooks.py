"""POST /webhooks/wazzup?token=…: verify, store every item once, answer at once; turns run afterwards."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from server.deps import ServicesDep
from server.inbox import ingest_webhook
from server.pipeline import notify_work

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks/wazzup")
async def wazzup_webhook(request: Request, services: ServicesDep, token: Annotated[str, Query()] = "") -> JSONResponse:
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
    if body.get("test") is True:
        return JSONResponse({"ok": True})

    report = await ingest_webhook(services.pool, body)
    known = {"messages", "statuses", "test"}
    unknown = sorted(set(body) - known)
    if unknown:
        log.info("wazzup webhook: ignored keys %s", unknown)
    if report.errors:
        log.warning("wazzup webhook: skipped items: %s", "; ".join(report.errors))
    if report.conversations_with_work:
        async with services.pool.connection() as conn:
            await notify_work(conn)
    return JSONResponse(
        {
            "ok": True,
            "accepted": len(report.outcomes) - report.count("duplicate") - report.count("invalid"),
            "duplicates": report.count("duplicate"),
            "invalid": report.count("invalid"),
            "ignored_keys": unknown,
            "errors": report.errors,
        }
    )
