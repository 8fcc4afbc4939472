"""The object stores from Settings: local files under ``data_dir`` (embedded default) or one S3 bucket, with
media under ``<s3_prefix>media/`` and quotation PDFs under ``<s3_prefix>documents/``. The API process and the
workers build the same stores, so with S3 they share no filesystem."""

from __future__ import annotations

from typing import Literal

from server.settings import Settings
from tools.storage import LocalObjectStore, ObjectStore
from tools.storage.s3 import S3ObjectStore

Area = Literal["media", "documents"]


def object_store(settings: Settings, area: Area) -> ObjectStore:
    if settings.storage == "s3":
        # Settings refuses storage=s3 without these
        assert settings.s3_bucket
        assert settings.s3_access_key
        assert settings.s3_secret_key
        return S3ObjectStore(
            settings.s3_endpoint,
            settings.s3_bucket,
            access_key=settings.s3_access_key.get_secret_value(),
            secret_key=settings.s3_secret_key.get_secret_value(),
            region=settings.s3_region,
            prefix=f"{settings.s3_prefix}{area}/",
        )
    return LocalObjectStore(settings.media_path if area == "media" else settings.data_dir / "documents")
