"""Inbound media: download from Wazzup's ``contentUri``, sniff the real type, store by sha256, classify.

- ``tools.media.download``: ``MediaDownloader`` (limits per kind, timeouts, retries with backoff);
- ``tools.media.sniff``: ``sniff`` (magic bytes → content type, extension, family);
- ``tools.media.store``: ``MediaStore`` protocol, ``LocalMediaStore`` (``<data_dir>/media``);
- ``tools.media.classify``: ``classify_media`` (floor plan / drawing / tender / photo / document);
- ``tools.media.vision``: ``ImageDescriber`` (offline "unknown", or a vision model on OpenRouter).

The service that uses them before a turn is ``server.worker.media.MediaService``.
"""

from __future__ import annotations

from tools.media.classify import REASON_CODES, Classification, MediaCategory, classify_media
from tools.media.download import DEFAULT_LIMITS, Downloaded, MediaDownloader, MediaDownloadError, MediaTooLarge
from tools.media.sniff import Sniffed, sniff
from tools.media.store import LocalMediaStore, MediaNotFound, MediaStore, sha256_hex
from tools.media.vision import (
    UNKNOWN,
    ImageDescriber,
    ImageSlots,
    OfflineImageDescriber,
    OpenRouterImageDescriber,
    VisionError,
)

__all__ = [
    "DEFAULT_LIMITS",
    "REASON_CODES",
    "UNKNOWN",
    "Classification",
    "Downloaded",
    "ImageDescriber",
    "ImageSlots",
    "LocalMediaStore",
    "MediaCategory",
    "MediaDownloadError",
    "MediaDownloader",
    "MediaNotFound",
    "MediaStore",
    "MediaTooLarge",
    "OfflineImageDescriber",
    "OpenRouterImageDescriber",
    "Sniffed",
    "VisionError",
    "classify_media",
    "sha256_hex",
    "sniff",
]
