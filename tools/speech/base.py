"""The speech-to-text interface shared by every provider (docs/contracts.md §7)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

MAX_AUDIO_BYTES = 25 * 1024 * 1024  # OpenAI's and OpenRouter's upload limit

# Container formats we can name from magic bytes, with a file extension and MIME type for each.
AUDIO_FORMATS: dict[str, tuple[str, str]] = {
    "ogg": (".ogg", "audio/ogg"),
    "wav": (".wav", "audio/wav"),
    "mp3": (".mp3", "audio/mpeg"),
    "flac": (".flac", "audio/flac"),
    "webm": (".webm", "audio/webm"),
    "m4a": (".m4a", "audio/mp4"),
    "aac": (".aac", "audio/aac"),
}
_EXTENSIONS = {
    "ogg": "ogg",
    "oga": "ogg",
    "opus": "ogg",
    "wav": "wav",
    "mp3": "mp3",
    "mpeg": "mp3",
    "mpga": "mp3",
    "flac": "flac",
    "webm": "webm",
    "m4a": "m4a",
    "mp4": "m4a",
    "aac": "aac",
}


class Transcript(BaseModel):
    text: str
    language: str | None = None
    provider: str
    model: str | None = None
    duration_seconds: float | None = None
    cost: float | None = None
    usage: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class Transcriber(Protocol):
    """Turns one voice note into text. ``language`` (ISO-639-1) forces the language when known."""

    async def transcribe(
        self, audio: bytes, *, filename: str | None = None, language: str | None = None
    ) -> Transcript: ...


class TranscriptionError(Exception):
    """Any speech-to-text failure; the caller answers with a polite request to type the message."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class AudioTooLarge(TranscriptionError):
    """Refused before upload (or 413 from the provider): over 25 MB."""


class UnsupportedAudioFormat(TranscriptionError):
    """The bytes are not a container format the provider accepts."""


class TranscriptionBadRequest(TranscriptionError):
    """400 from the provider."""


class TranscriptionAuthError(TranscriptionError):
    """401/403: wrong or missing key."""


class TranscriptionRateLimited(TranscriptionError):
    """429; ``retry_after`` seconds when the provider said so."""


class TranscriptionUnavailable(TranscriptionError):
    """5xx, timeouts, connection failures, or the offline model could not be loaded."""


def error_for_status(status: int, message: str, retry_after: float | None = None) -> TranscriptionError:
    if status == 413:
        return AudioTooLarge(message, status=status)
    if status in (401, 403):
        return TranscriptionAuthError(message, status=status)
    if status == 429:
        return TranscriptionRateLimited(message, status=status, retry_after=retry_after)
    if status >= 500 or status == 408:
        return TranscriptionUnavailable(message, status=status, retry_after=retry_after)
    return TranscriptionBadRequest(message, status=status)


def detect_audio_format(audio: bytes, filename: str | None = None) -> str | None:
    """The real container format from magic bytes (``OggS`` for WhatsApp voice notes), else the extension."""
    if audio[:4] == b"OggS":
        return "ogg"
    if audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        return "wav"
    if audio[:4] == b"fLaC":
        return "flac"
    if audio[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if audio[4:8] == b"ftyp":
        return "m4a"
    if audio[:3] == b"ID3":
        return "mp3"
    if len(audio) >= 2 and audio[0] == 0xFF:
        if audio[1] & 0xF6 == 0xF0:
            return "aac"
        if audio[1] & 0xE0 == 0xE0:
            return "mp3"
    if filename and "." in filename:
        return _EXTENSIONS.get(filename.rsplit(".", 1)[-1].lower())
    return None


def check_size(audio: bytes, limit: int = MAX_AUDIO_BYTES) -> None:
    if not audio:
        raise TranscriptionBadRequest("audio is empty")
    if len(audio) > limit:
        raise AudioTooLarge(f"audio is {len(audio)} bytes; the limit is {limit} bytes (25 MB)", status=413)


def retry_after_header(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
