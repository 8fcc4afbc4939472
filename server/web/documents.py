"""`GET /documents/{token}`: a document Noor made (server/components/documents.py `DocumentLinks`), served by Noor
itself with its content type, or 403 (bad signature), 410 (expired), 404 (gone): never a redirect, and nothing
is listed or guessable.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from server.components.documents import CONTENT_TYPES, DocumentLinks, InvalidLink
from server.settings import Settings


def document_links(request: Request) -> DocumentLinks:
    links: DocumentLinks | None = getattr(request.app.state, "documents", None)
    if links is None:
        settings: Settings = request.app.state.services.settings
        links = DocumentLinks.from_settings(settings)
        request.app.state.documents = links
    return links


router = APIRouter(tags=["documents"])


@router.get("/documents/{token}")
async def get_document(token: str, request: Request) -> Response:
    links = document_links(request)
    try:
        document_id = links.verify(token)
    except InvalidLink as exc:
        raise HTTPException(exc.status, "This link is not valid. Please ask us for a new one.") from exc
    content = links.load(document_id)
    if content is None:
        raise HTTPException(404, "This document is no longer available. Please ask us for a new one.")
    filename = f"Quotation-{document_id}{links.suffix}"
    return Response(
        content,
        media_type=CONTENT_TYPES.get(links.suffix, "application/octet-stream"),
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex, nofollow",
        },
    )
