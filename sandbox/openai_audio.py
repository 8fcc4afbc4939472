"""A fake of OpenAI's ``POST /v1/audio/transcriptions`` (docs/contracts.md §7.1), plus audio sniffing shared by the
speech fakes.

Mounted by the service under ``/sandbox/openai`` (a client's base URL is then ``<service>/sandbox/openai/v1``);
tests run ``FakeOpenAIAudio().app`` standalone on loopback.

Validates what the real endpoint checks: Bearer key (401), multipart ``file`` with a filename whose
extension is a supported format and whose bytes are that kind of audio (400), ``model`` (whisper-1,
gpt-4o-transcribe, gpt-4o-mini-transcribe), ``language`` as ISO-639-1, ``response_format`` per model, 25 MB
(413). Transcripts come from a sha256 → text mapping or a default text; errors can be queued (401/429 with
``retry-after``/500…). Every request is recorded (``.requests`` and ``GET /_control/requests``).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

DEMO_OPENAI_KEY = "demo-openai-key"
MAX_AUDIO_BYTES = 25 * 1024 * 1024
DEFAULT_TRANSCRIPT = "Hi, I need ten mesh chairs delivered to Business Bay next week."
OPENAI_FORMATS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")
TRANSCRIBE_MODELS = {
    "whisper-1": {"json", "text", "srt", "verbose_json", "vtt"},
    "gpt-4o-transcribe": {"json", "text"},
    "gpt-4o-mini-transcribe": {"json", "text"},
}
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


def sniff_audio_format(data: bytes) -> str | None:
    """The container format from magic bytes: ogg, wav, mp3, flac, webm, m4a, aac; None if unknown."""
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:3] == b"ID3":
        return "mp3"
    if len(data) >= 2 and data[0] == 0xFF:
        if data[1] & 0xF6 == 0xF0:  # ADTS: sync word + layer 00
            return "aac"
        if data[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
            return "mp3"
    return None


# Which sniffed container each file extension may hold.
_EXTENSION_CONTAINERS = {
    "ogg": {"ogg"},
    "wav": {"wav"},
    "flac": {"flac"},
    "webm": {"webm"},
    "mp3": {"mp3"},
    "mpeg": {"mp3"},
    "mpga": {"mp3"},
    "mp4": {"m4a"},
    "m4a": {"m4a"},
}


def estimate_seconds(data: bytes) -> float:
    """Duration from a WAV header, else a deterministic estimate (~16 kbit/s Opus voice note)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) >= 44:
        byte_rate = int.from_bytes(data[28:32], "little")
        if byte_rate:
            return round((len(data) - 44) / byte_rate, 2)
    return round(len(data) / 2000, 2)


@dataclass
class AudioFault:
    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    retry_after: int | None = None


@dataclass
class RecordedAudioRequest:
    headers: dict[str, str]
    fields: dict[str, str]
    filename: str | None
    content_type: str | None
    size: int
    sha256: str | None
    status: int = 200

    def as_json(self) -> dict[str, Any]:
        return {
            "headers": self.headers,
            "fields": self.fields,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "status": self.status,
        }


class _FaultBody(BaseModel):
    status: int
    message: str = "error"
    type: str = "invalid_request_error"
    code: str | None = None
    retry_after: int | None = None
    count: int = 1


class _TranscriptBody(BaseModel):
    sha256: str | None = None
    text: str


@dataclass
class _State:
    transcripts: dict[str, str] = field(default_factory=dict)
    faults: deque[AudioFault] = field(default_factory=deque)
    requests: list[RecordedAudioRequest] = field(default_factory=list)


def _error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


class FakeOpenAIAudio:
    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = (DEMO_OPENAI_KEY,),
        default_text: str = DEFAULT_TRANSCRIPT,
        transcripts: dict[str, str] | None = None,
        max_bytes: int = MAX_AUDIO_BYTES,
    ) -> None:
        self.api_keys = set(api_keys) if api_keys is not None else None
        self.default_text = default_text
        self.max_bytes = max_bytes
        self._initial_transcripts = dict(transcripts or {})
        self._lock = threading.Lock()
        self._state = _State(transcripts=dict(self._initial_transcripts))
        self.app = self._build_app()

    # ----- test helpers -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedAudioRequest]:
        return self._state.requests

    def set_transcript(self, audio: bytes | str, text: str) -> None:
        """Map audio (bytes, or its sha256 hex) to the transcript to return for it."""
        key = audio if isinstance(audio, str) else hashlib.sha256(audio).hexdigest()
        with self._lock:
            self._state.transcripts[key] = text

    def fail_next(
        self,
        status: int,
        message: str = "error",
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        with self._lock:
            for _ in range(count):
                self._state.faults.append(AudioFault(status, message, type_, code, retry_after))

    def reset(self) -> None:
        with self._lock:
            self._state = _State(transcripts=dict(self._initial_transcripts))

    # ----- HTTP -------------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Fake OpenAI audio", docs_url=None, redoc_url=None)

        @app.post("/v1/audio/transcriptions")
        async def transcriptions(request: Request) -> Response:
            record = RecordedAudioRequest(
                headers={k.lower(): v for k, v in request.headers.items()},
                fields={},
                filename=None,
                content_type=None,
                size=0,
                sha256=None,
            )
            with self._lock:
                self._state.requests.append(record)
            response = await self._transcribe(request, record)
            record.status = response.status_code
            return response

        @app.get("/_control/requests")
        def list_requests() -> list[dict[str, Any]]:
            with self._lock:
                return [r.as_json() for r in self._state.requests]

        @app.post("/_control/fail")
        def control_fail(body: _FaultBody) -> dict[str, bool]:
            self.fail_next(
                body.status,
                body.message,
                type_=body.type,
                code=body.code,
                retry_after=body.retry_after,
                count=body.count,
            )
            return {"ok": True}

        @app.post("/_control/transcripts")
        def control_transcripts(body: _TranscriptBody) -> dict[str, bool]:
            if body.sha256 is None:
                self.default_text = body.text
            else:
                self.set_transcript(body.sha256, body.text)
            return {"ok": True}

        @app.post("/_control/reset")
        def control_reset() -> dict[str, bool]:
            self.reset()
            return {"ok": True}

        return app

    async def _transcribe(self, request: Request, record: RecordedAudioRequest) -> Response:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not key or (self.api_keys is not None and key not in self.api_keys):
            return _error(401, f"Incorrect API key provided: {key[:3]}***.", code="invalid_api_key")
        length = int(request.headers.get("content-length") or 0)
        if length > self.max_bytes + 64 * 1024:
            return _error(
                413,
                f"Maximum content size limit ({self.max_bytes}) exceeded ({length} bytes read)",
                type_="server_error",
            )
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            return _error(400, "Could not parse multipart form")
        form = await request.form()
        upload: UploadFile | None = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name == "file":
                    upload = value
            else:
                record.fields[name] = value
        with self._lock:
            fault = self._state.faults.popleft() if self._state.faults else None
        if fault is not None:
            headers = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else None
            return _error(fault.status, fault.message, type_=fault.type, code=fault.code, headers=headers)
        if upload is None:
            return _error(400, "you must provide a file", param="file")
        data = await upload.read()
        record.filename = upload.filename
        record.content_type = upload.content_type
        record.size = len(data)
        record.sha256 = hashlib.sha256(data).hexdigest()
        if len(data) > self.max_bytes:
            return _error(
                413,
                f"Maximum content size limit ({self.max_bytes}) exceeded ({len(data)} bytes read)",
                type_="server_error",
            )
        model = record.fields.get("model")
        if not model:
            return _error(400, "you must provide a model parameter", param="model")
        if model not in TRANSCRIBE_MODELS:
            return _error(400, f"Invalid model {model}.", param="model", code="model_not_found")
        extension = (upload.filename or "").rsplit(".", 1)[-1].lower() if "." in (upload.filename or "") else ""
        sniffed = sniff_audio_format(data)
        if extension not in OPENAI_FORMATS or sniffed not in _EXTENSION_CONTAINERS.get(extension, set()):
            return _error(
                400,
                f"Invalid file format. Supported formats: {list(OPENAI_FORMATS)}",
                param="file",
                code="invalid_value",
            )
        language = record.fields.get("language")
        if language is not None and not _LANGUAGE_RE.match(language):
            return _error(
                400,
                f"Invalid language '{language}'. Language parameter must be specified in ISO-639-1 format.",
                param="language",
                code="invalid_language_format",
            )
        response_format = record.fields.get("response_format", "json")
        if response_format not in TRANSCRIBE_MODELS[model]:
            return _error(
                400,
                f"response_format '{response_format}' is not compatible with model '{model}'",
                param="response_format",
                code="unsupported_value",
            )
        with self._lock:
            text = self._state.transcripts.get(record.sha256, self.default_text)
        seconds = estimate_seconds(data)
        if response_format == "text":
            return PlainTextResponse(text + "\n")
        if response_format in ("srt", "vtt"):
            cue = f"1\n00:00:00,000 --> 00:00:{min(int(seconds), 59):02d},000\n{text}\n"
            return PlainTextResponse(("WEBVTT\n\n" + cue.replace(",", ".")) if response_format == "vtt" else cue)
        if response_format == "verbose_json":
            return JSONResponse(
                {
                    "task": "transcribe",
                    "language": language or "english",
                    "duration": seconds,
                    "text": text,
                    "segments": [{"id": 0, "start": 0.0, "end": seconds, "text": text}],
                    "usage": {"type": "duration", "seconds": seconds},
                }
            )
        if model == "whisper-1":
            usage: dict[str, Any] = {"type": "duration", "seconds": seconds}
        else:
            audio_tokens = max(1, int(seconds * 10))
            output_tokens = max(1, len(text.split()))
            usage = {
                "type": "tokens",
                "input_tokens": audio_tokens,
                "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
                "output_tokens": output_tokens,
                "total_tokens": audio_tokens + output_tokens,
            }
        return JSONResponse({"text": text, "usage": usage})
