"""Private, expiring links to documents Noor made (quotation PDFs).

`DocumentLinks.url(document_id)` → `<public base>/documents/<token>`; the token carries the document id and
an expiry, signed with HMAC-SHA256 under `Settings.document_link_secret`. The web process serves them
(server/web/documents.py); Wazzup fetches the URL when it sends the document message (`contentUri`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from server.components.storage import object_store
from server.settings import Settings
from tools.storage import ObjectNotFound, ObjectStore

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}


class InvalidLink(Exception):
    status = 403


class ExpiredLink(InvalidLink):
    status = 410


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class DocumentLinks:
    """Signs and checks document links and keeps the files.

    Args:
        secret: the HMAC key.
        store: where documents are kept (`<data_dir>/documents`, or the bucket's `documents/`).
        base_url: the public base URL customers and Wazzup reach Noor at.
        ttl_seconds: how long a link works.
        suffix: the stored files' extension (decides the content type).
    """

    secret: bytes
    store: ObjectStore
    base_url: str
    ttl_seconds: int = 7 * 24 * 3600
    suffix: str = ".pdf"
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentLinks:
        return cls(
            secret=settings.document_link_secret.get_secret_value().encode(),
            store=object_store(settings, "documents"),
            base_url=settings.base_url,
            ttl_seconds=settings.document_link_ttl_seconds,
        )

    # ---- tokens ------------------------------------------------------------------------------------------

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, b"noor-document:" + payload, hashlib.sha256).digest()

    def sign(self, document_id: str, *, ttl_seconds: int | None = None) -> str:
        if not DOCUMENT_ID.match(document_id):
            raise ValueError(f"bad document id: {document_id!r}")
        expires = int(self.clock()) + (self.ttl_seconds if ttl_seconds is None else ttl_seconds)
        payload = f"{document_id}:{expires}".encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def _signed(self, token: str) -> tuple[str, int]:
        """The document id and expiry a genuine token carries, or `InvalidLink`."""
        encoded, _, mac = token.partition(".")
        try:
            payload = _unb64(encoded)
            given = _unb64(mac)
        except (ValueError, TypeError) as exc:
            raise InvalidLink("malformed link") from exc
        if not mac or not hmac.compare_digest(given, self._mac(payload)):
            raise InvalidLink("bad signature")
        document_id, _, expires = payload.decode("utf-8", "replace").rpartition(":")
        if not DOCUMENT_ID.match(document_id) or not expires.isdigit():
            raise InvalidLink("malformed link")
        return document_id, int(expires)

    def verify(self, token: str) -> str:
        """The document id the token grants, or `InvalidLink` / `ExpiredLink`."""
        document_id, expires = self._signed(token)
        if expires <= self.clock():
            raise ExpiredLink("link expired")
        return document_id

    def linked_document(self, url: str) -> str | None:
        """The document a link Noor sent names, expired or not (None: not one of ours)."""
        _, found, token = url.rpartition("/documents/")
        try:
            return self._signed(token)[0] if found else None
        except InvalidLink:
            return None

    def url(self, document_id: str, *, ttl_seconds: int | None = None) -> str:
        return f"{self.base_url.rstrip('/')}/documents/{self.sign(document_id, ttl_seconds=ttl_seconds)}"

    # ---- files -------------------------------------------------------------------------------------------

    def key(self, document_id: str) -> str:
        if not DOCUMENT_ID.match(document_id):
            raise ValueError(f"bad document id: {document_id!r}")
        return f"{document_id}{self.suffix}"

    async def save(self, document_id: str, content: bytes) -> str:
        """Store (replace) a document; returns its storage key (kept in `quotes.pdf_path`)."""
        key = self.key(document_id)
        await self.store.put(key, content, content_type=CONTENT_TYPES.get(self.suffix, "application/octet-stream"))
        return key

    async def load(self, document_id: str) -> bytes | None:
        try:
            return await self.store.get(self.key(document_id))
        except ObjectNotFound:
            return None

    async def delete(self, document_id: str) -> None:
        await self.store.delete(self.key(document_id))
