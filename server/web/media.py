"""Customers' files for managers: `GET /media/{id}` and `/media/message/{id}`, behind the managers' auth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from psycopg_pool import AsyncConnectionPool

from tools.media import MediaNotFound, MediaStore

# Served inline only when a browser shows them safely; everything else downloads as an attachment.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")


async def conversation_media(conn: Any, conversation_id: int) -> dict[int, dict[str, Any]]:
    """The ``media`` rows of a conversation by ``messages.id``, for the inbox's transcript view."""
    rows = await (
        await conn.execute(
            "SELECT id, message_id, kind, status, attempts, error, source_uri, content_type, file_name, size_bytes,"
            " category, classification->>'reason_code' AS reason_code, transcription_status, transcript,"
            " transcript_language, expired_at FROM media WHERE conversation_id = %s ORDER BY id",
            (conversation_id,),
        )
    ).fetchall()
    return {int(row["message_id"]): dict(row) for row in rows}


async def media_file_response(pool: AsyncConnectionPool[Any], store: MediaStore, media_id: int) -> Response:
    """The stored file of ``media.id``: 404 when unknown or not downloaded, 410 when retention deleted it. No
    authorisation here: call it only behind the managers' guard (see ``media_router``)."""
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT status, storage_key, content_type, file_name, sha256, expired_at FROM media WHERE id = %s",
                (media_id,),
            )
        ).fetchone()
    if row is not None and row["expired_at"] is not None:
        return JSONResponse(
            {
                "error": "expired",
                "detail": "This file was deleted from storage under the retention policy"
                f" on {row['expired_at']:%Y-%m-%d}; the message and its transcript remain.",
            },
            status_code=410,
        )
    if row is None or row["status"] != "downloaded" or not row["storage_key"]:
        return JSONResponse({"error": "not_found"}, status_code=404)
    content_type = row["content_type"] or "application/octet-stream"
    inline = content_type.startswith("audio/") or content_type in _INLINE_TYPES
    name = (row["file_name"] or f"media-{media_id}").replace('"', "")
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
        "ETag": f'"{row["sha256"]}"',
    }
    path = store.local_path(row["storage_key"])
    if path is not None:
        return FileResponse(
            path,
            media_type=content_type,
            filename=name,
            content_disposition_type="inline" if inline else "attachment",
            headers=headers,
        )
    try:  # a remote store: through Noor, so the managers' guard stays the only way in
        content = await store.get(row["storage_key"])
    except MediaNotFound:
        return JSONResponse({"error": "not_found"}, status_code=404)
    disposition = "inline" if inline else "attachment"
    headers["Content-Disposition"] = f"{disposition}; filename*=utf-8''{quote(name)}"
    return Response(content, media_type=content_type, headers=headers)


def media_router(
    store: MediaStore,
    guard: Callable[..., Any],
    get_pool: Callable[[Request], AsyncConnectionPool[Any]] | None = None,
) -> APIRouter:
    """``GET /media/{media_id}`` behind ``guard`` (the managers' auth dependency, e.g. the inbox session).

    There is deliberately no unguarded default: customer files are private. ``get_pool`` defaults to the
    service's pool (``app.state.services.pool``).
    """

    def pool_of(request: Request) -> AsyncConnectionPool[Any]:
        if get_pool is not None:
            return get_pool(request)
        pool: AsyncConnectionPool[Any] = request.app.state.services.pool
        return pool

    router = APIRouter(dependencies=[Depends(guard)])

    @router.get("/media/{media_id}", name="media_file")
    async def media_file(media_id: int, request: Request) -> Response:
        return await media_file_response(pool_of(request), store, media_id)

    @router.get("/media/message/{message_id}", name="message_media_file")
    async def message_media_file(message_id: int, request: Request) -> Response:
        """The file of a message (``messages.id``): what the inbox links for messages added live."""
        pool = pool_of(request)
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT id FROM media WHERE message_id = %s", (message_id,))).fetchone()
        if row is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return await media_file_response(pool, store, int(row["id"]))

    return router
