"""`GET /documents/{token}`: a document Noor made (server/components/documents.py `DocumentLinks`), served by Noor
itself with its content type, or 403 (bad signature), 410 (link expired, or the PDF deleted by retention), 404
(gone): never a redirect, and nothing is listed or guessable.
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


async def _expired(request: Request, document_id: str) -> bool:
    """Whether retention deleted this quotation's PDF (server/worker/jobs/retention.py)."""
    services = getattr(request.app.state, "services", None)
    if services is None:  # the route mounted on its own, without the service's database
        return False
    async with services.pool.connection() as conn:
        row = await (
            await conn.execute("SELECT pdf_expired_at FROM quotes WHERE quote_id = %s", (document_id,))
        ).fetchone()
    return row is not None and row["pdf_expired_at"] is not None


router = APIRouter(tags=["documents"])


@router.get("/documents/{token}")
async def get_document(token: str, request: Request) -> Response:
    links = document_links(request)
    try:
        document_id = links.verify(token)
    except InvalidLink as exc:
        raise HTTPException(exc.status, "This link is not valid. Please ask us for a new one.") from exc
    content = await links.load(document_id)
    if content is None:
        if await _expired(request, document_id):
            raise HTTPException(
                410, "This document was deleted after its retention period. Please ask us for a new one."
            )
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
