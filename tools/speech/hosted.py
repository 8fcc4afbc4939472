"""Hosted speech-to-text: OpenRouter's JSON endpoint and OpenAI's multipart endpoint (docs/contracts.md §7).

Both refuse audio over 25 MB before uploading, detect the real format from magic bytes (not the MIME type
the gateway claimed) and raise typed ``TranscriptionError`` subclasses. Neither retries by itself: a voice
note is transcribed once per inbound message id by the caller, which decides what a failure means.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from tools.speech.base import (
    AUDIO_FORMATS,
    Transcript,
    TranscriptionUnavailable,
    UnsupportedAudioFormat,
    check_size,
    detect_audio_format,
    error_for_status,
    retry_after_header,
)

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENROUTER_STT_FORMATS = ("aac", "flac", "m4a", "mp3", "ogg", "wav", "webm")
OPENAI_STT_FORMATS = ("flac", "mp3", "m4a", "ogg", "wav", "webm")


class _SttResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    text: str
    usage: dict[str, Any] | None = None
    language: str | None = None
    duration: float | None = None


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return response.text[:200]


async def _post(http: httpx.AsyncClient, url: str, timeout: float, **kwargs: Any) -> _SttResponse:
    try:
        response = await http.post(url, timeout=timeout, **kwargs)
    except httpx.TimeoutException as exc:
        raise TranscriptionUnavailable(f"transcription timed out: {exc}") from exc
    except httpx.HTTPError as exc:
        raise TranscriptionUnavailable(f"transcription request failed: {exc}") from exc
    if not response.is_success:
        raise error_for_status(response.status_code, _error_message(response), retry_after_header(response.headers))
    try:
        parsed = _SttResponse.model_validate_json(response.content)
    except ValidationError as exc:
        raise TranscriptionUnavailable("unreadable transcription response", status=response.status_code) from exc
    if isinstance(parsed.model_extra, dict) and parsed.model_extra.get("error"):
        raise TranscriptionUnavailable(f"error in response body: {parsed.model_extra['error']}", status=200)
    return parsed


class OpenRouterTranscriber:
    """``POST {base_url}/audio/transcriptions`` with ``{"model", "input_audio": {"data": base64, "format"}}``.

    ``base_url`` is ``https://openrouter.ai/api/v1`` or ``<service>/sandbox/openrouter/api/v1``. ``language``
    is sent as an ISO-639-1 hint ([UNCERTAIN] whether every routed provider honours it).
    """

    provider = "openrouter"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        http: httpx.AsyncClient | None = None,
        *,
        model: str = "openai/gpt-4o-mini-transcribe",
        timeout: float = 60.0,
        app_url: str | None = None,
        app_title: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self._http = http or httpx.AsyncClient()
        self._owns_http = http is None
        self._headers = {"Authorization": f"Bearer {api_key}"}
        if app_url:
            self._headers["HTTP-Referer"] = app_url
        if app_title:
            self._headers["X-OpenRouter-Title"] = app_title

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def transcribe(self, audio: bytes, *, filename: str | None = None, language: str | None = None) -> Transcript:
        check_size(audio)
        audio_format = detect_audio_format(audio, filename)
        if audio_format not in OPENROUTER_STT_FORMATS:
            raise UnsupportedAudioFormat(f"cannot transcribe {audio_format or 'unknown'} audio via OpenRouter")
        body: dict[str, Any] = {
            "model": self.model,
            "input_audio": {"data": base64.b64encode(audio).decode("ascii"), "format": audio_format},
        }
        if language:
            body["language"] = language
        result = await _post(
            self._http, f"{self.base_url}/audio/transcriptions", self.timeout, json=body, headers=self._headers
        )
        usage = result.usage or {}
        cost = usage.get("cost")
        seconds = usage.get("seconds")
        return Transcript(
            text=result.text.strip(),
            language=language,
            provider=self.provider,
            model=self.model,
            duration_seconds=float(seconds) if seconds is not None else None,
            cost=float(cost) if cost is not None else None,
            usage=usage,
        )


class OpenAITranscriber:
    """``POST {base_url}/audio/transcriptions`` (multipart: file, model, language, prompt, response_format=json).

    ``base_url`` is ``https://api.openai.com/v1`` or ``<service>/sandbox/openai/v1``.
    """

    provider = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        http: httpx.AsyncClient | None = None,
        *,
        model: str = "gpt-4o-mini-transcribe",
        prompt: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.prompt = prompt
        self.timeout = timeout
        self._http = http or httpx.AsyncClient()
        self._owns_http = http is None
        self._headers = {"Authorization": f"Bearer {api_key}"}

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def transcribe(self, audio: bytes, *, filename: str | None = None, language: str | None = None) -> Transcript:
        check_size(audio)
        audio_format = detect_audio_format(audio, filename)
        if audio_format not in OPENAI_STT_FORMATS:
            raise UnsupportedAudioFormat(f"cannot transcribe {audio_format or 'unknown'} audio via OpenAI")
        extension, mime = AUDIO_FORMATS[audio_format]
        stem = (filename or "voice").rsplit(".", 1)[0] or "voice"
        data: dict[str, str] = {"model": self.model, "response_format": "json"}
        if language:
            data["language"] = language
        if self.prompt:
            data["prompt"] = self.prompt
        result = await _post(
            self._http,
            f"{self.base_url}/audio/transcriptions",
            self.timeout,
            data=data,
            files={"file": (stem + extension, audio, mime)},
            headers=self._headers,
        )
        usage = result.usage or {}
        seconds = usage.get("seconds") if usage.get("type") == "duration" else result.duration
        return Transcript(
            text=result.text.strip(),
            language=language or result.language,
            provider=self.provider,
            model=self.model,
            duration_seconds=float(seconds) if seconds is not None else None,
            usage=usage,
        )
