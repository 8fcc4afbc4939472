"""Where media bytes live: a ``MediaStore`` protocol, content-addressed by sha256.

``LocalMediaStore`` keeps files under ``<data_dir>/media/ab/cd/<sha256>``: the same bytes are stored once
however many messages carry them, writes are atomic (temporary file, then rename) and idempotent. An object
store (S3, GCS, R2…) implements the same four methods and returns a short-lived signed URL from ``url``
instead of a local path.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class MediaNotFound(Exception):
    """No stored object under that key."""


@runtime_checkable
class MediaStore(Protocol):
    """Bytes by sha256 key. ``put`` is idempotent: storing the same bytes twice keeps one copy."""

    name: str

    async def put(self, data: bytes, *, content_type: str) -> str:
        """Store ``data`` and return its key (the sha256 hex digest)."""
        ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """A file to serve directly, or None when the store is remote (then use ``url``)."""
        ...

    async def url(self, key: str, *, expires_seconds: int = 300) -> str | None:
        """A short-lived URL for the object (object stores), or None (local files)."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalMediaStore:
    """Files under ``root`` (``<data_dir>/media`` in the service), two levels of fan-out by hash prefix."""

    name = "local"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _SHA256.match(key):
            raise MediaNotFound(f"not a media key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def _write(self, data: bytes, key: str) -> None:
        path = self._path(key)
        if path.is_file() and path.stat().st_size == len(data):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    async def put(self, data: bytes, *, content_type: str) -> str:
        key = sha256_hex(data)
        await asyncio.to_thread(self._write, data, key)
        return key

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise MediaNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except MediaNotFound:
            return False

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    async def url(self, key: str, *, expires_seconds: int = 300) -> str | None:
        return None
