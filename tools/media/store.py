"""Where media bytes live: a ``MediaStore``, content-addressed by sha256, over an ``ObjectStore`` (tools/storage).

Keys are ``ab/cd/<sha256>`` (two levels of fan-out by hash prefix): the same bytes are stored once however
many messages carry them, and ``put`` is idempotent. ``LocalMediaStore`` is the embedded default
(``<data_dir>/media``); production puts the same keys in an S3 bucket (server/components/storage.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tools.storage import LocalObjectStore, ObjectNotFound, ObjectStore

_SHA256 = re.compile(r"^[0-9a-f]{64}$")

MediaNotFound = ObjectNotFound  # what a media reader catches: the object store's own "not stored"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class MediaStore:
    """Bytes by sha256 key in ``objects``."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects
        self.name = objects.name

    @staticmethod
    def object_key(key: str) -> str:
        if not _SHA256.match(key):
            raise MediaNotFound(f"not a media key: {key!r}")
        return f"{key[:2]}/{key[2:4]}/{key}"

    async def put(self, data: bytes, *, content_type: str) -> str:
        """Store ``data`` (once) and return its key, the sha256 hex digest."""
        key = sha256_hex(data)
        target = self.object_key(key)
        path = self.objects.local_path(target)
        # the key is the content: bytes already there are these bytes (a remote store answers a HEAD, not a PUT)
        stored = path.stat().st_size == len(data) if path is not None else await self.objects.exists(target)
        if not stored:
            await self.objects.put(target, data, content_type=content_type)
        return key

    async def get(self, key: str) -> bytes:
        return await self.objects.get(self.object_key(key))

    async def exists(self, key: str) -> bool:
        try:
            return await self.objects.exists(self.object_key(key))
        except MediaNotFound:
            return False

    async def delete(self, key: str) -> None:
        await self.objects.delete(self.object_key(key))

    def local_path(self, key: str) -> Path | None:
        """A file to serve directly, or None when the store is remote (then serve ``get``)."""
        try:
            return self.objects.local_path(self.object_key(key))
        except MediaNotFound:
            return None


class LocalMediaStore(MediaStore):
    """Media files under ``root`` (``<data_dir>/media`` in the service)."""

    def __init__(self, root: Path | str) -> None:
        super().__init__(LocalObjectStore(root))
