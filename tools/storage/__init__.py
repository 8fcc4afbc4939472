"""Where Noor's files live (customers' media, quotation PDFs): an ``ObjectStore`` of bytes by key.

- ``LocalObjectStore``: files under a directory, the embedded default (one machine, or a shared volume);
- ``tools.storage.s3.S3ObjectStore``: an S3-compatible bucket (AWS, MinIO, R2, …) for production, so the API
  and the workers share no filesystem.

Keys are relative paths with ``/`` separators (``ab/cd/<sha256>``, ``WA-…-Q1.pdf``); a store never accepts a key
that could leave its root. Writes replace whole objects; deleting a missing key is not an error.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class ObjectNotFound(Exception):
    """No stored object under that key (never stored, deleted, or expired)."""


class StorageError(Exception):
    """The store refused or failed an operation (bad credentials, missing bucket, unreachable endpoint)."""


def check_key(key: str) -> str:
    """``key`` when it is a safe relative key, else ``ObjectNotFound`` (a bad key names nothing stored)."""
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise ObjectNotFound(f"not a storage key: {key!r}")
    return key


@runtime_checkable
class ObjectStore(Protocol):
    name: str
    """Recorded with what is stored ('local', 's3'), so a reader knows which store holds it."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes:
        """The object's bytes, or ``ObjectNotFound``."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; a key already gone is fine (retention passes may repeat)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A file to serve directly (range requests, no copy), or None when the store is remote."""
        ...


class LocalObjectStore:
    """Files under ``root``; writes are atomic (temporary file, then rename)."""

    name = "local"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ObjectNotFound:
            return False

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        try:
            path = self._path(key)
        except ObjectNotFound:
            return None
        return path if path.is_file() else None


__all__ = ["LocalObjectStore", "ObjectNotFound", "ObjectStore", "StorageError", "check_key"]
