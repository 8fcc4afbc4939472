"""Errors every route shares: a value Postgres refuses (a NUL byte in a query parameter, a number out of range)
is the caller's bad input, answered 400 with the reason, never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg import DataError

log = logging.getLogger(__name__)


async def _refused_value(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: a value the database refuses: %s", request.method, request.url.path, exc)
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return JSONResponse({"error": "invalid_value", "detail": detail}, status_code=400)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DataError, _refused_value)
