"""POST /webhooks/wazzup?token=…: verify, store the body durably, answer 200 at once.

The items are ingested by the workers right after (see server/channels/wazzup/deliveries.py); the answer never waits
for a turn.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
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
        text = raw.decode("utf-8")  # json.loads(bytes) would let invalid UTF-8 through ("surrogatepass")
        body: Any = json.loads(text, parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError) as exc:
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
        await bodies.store(_storable(text, body))
    return Response(OK_BODY, media_type=JSON)


# JSON may escape characters that Postgres' jsonb cannot hold (NUL, a surrogate without its pair); one such body
# would fail the whole group-committed batch. Paired surrogates (an escaped emoji) are fine and far more common, so
# the body is walked only when the cheap byte search finds a candidate.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python's json module accepts NaN and Infinity; JSON does not


def _storable(text: str, body: dict[str, Any]) -> str:
    """The body as text Postgres stores: NUL removed and lone surrogates replaced (U+FFFD), nothing else lost."""
    if not _UNSTORABLE_ESCAPE.search(text):
        return text
    cleaned = _clean(body)
    if cleaned == body:
        return text
    log.warning("wazzup webhook: characters Postgres cannot store were replaced in a body of %s chars", len(text))
    return json.dumps(cleaned, ensure_ascii=False)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value
