"""The media parts from Settings: the file store (written by the worker, served by the web process) and the
speech-to-text providers; the worker builds its media service from them (server/worker/media.py)."""

from __future__ import annotations

import logging

import httpx

from server.components.storage import object_store
from server.settings import Settings
from tools.media import MediaStore
from tools.speech import (
    OpenAITranscriber,
    OpenRouterTranscriber,
    Transcriber,
    offline_available,
)

log = logging.getLogger(__name__)

MB = 1024 * 1024


class NamedTranscriber:
    """A transcriber and the name stored with its transcripts."""

    def __init__(self, name: str, transcriber: Transcriber) -> None:
        self.name = name
        self.transcriber = transcriber


def build_transcribers(settings: Settings, http: httpx.AsyncClient) -> list[NamedTranscriber]:
    """Providers in ``settings.stt_providers`` order: hosted ones when their key is set, offline Whisper when
    the ``voice`` extra is installed. An empty list means voice notes get the "please type" answer."""
    found: list[NamedTranscriber] = []
    for name in settings.stt_providers:
        if name == "openrouter" and settings.openrouter_api_key is not None:
            found.append(
                NamedTranscriber(
                    "openrouter",
                    OpenRouterTranscriber(
                        settings.openrouter_base_url,
                        settings.openrouter_api_key.get_secret_value(),
                        http,
                        model=settings.stt_openrouter_model,
                        timeout=settings.stt_timeout_seconds,
                        app_url=settings.public_url,
                        app_title="Noor",
                    ),
                )
            )
        elif name == "openai" and settings.openai_api_key is not None:
            found.append(
                NamedTranscriber(
                    "openai",
                    OpenAITranscriber(
                        settings.openai_base_url,
                        settings.openai_api_key.get_secret_value(),
                        http,
                        model=settings.stt_openai_model,
                        timeout=settings.stt_timeout_seconds,
                    ),
                )
            )
        elif name == "offline" and offline_available():
            from tools.speech.offline import OfflineWhisperTranscriber

            found.append(NamedTranscriber("offline-whisper", OfflineWhisperTranscriber(settings.data_dir)))
        elif name not in ("openrouter", "openai", "offline"):
            log.warning("unknown speech-to-text provider %r in stt_providers; ignored", name)
    return found


def media_store(settings: Settings) -> MediaStore:
    """The file store the worker writes and the managers' ``/media/{id}`` route reads (local files under
    ``settings.media_path``, or the S3 bucket: server/components/storage.py)."""
    return MediaStore(object_store(settings, "media"))
