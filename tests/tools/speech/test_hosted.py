"""Hosted speech-to-text clients against their fakes (FakeOpenRouter, FakeOpenAIAudio) over loopback HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox.openai_audio import DEMO_OPENAI_KEY, FakeOpenAIAudio
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.support.live import LiveServer, live_server
from tools.speech import (
    MAX_AUDIO_BYTES,
    AudioTooLarge,
    OpenAITranscriber,
    OpenRouterTranscriber,
    Transcriber,
    TranscriptionAuthError,
    TranscriptionBadRequest,
    TranscriptionRateLimited,
    TranscriptionUnavailable,
    UnsupportedAudioFormat,
    detect_audio_format,
)

OGG = b"OggS\x00\x02" + bytes(range(256)) * 4
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 300
MP3 = b"ID3\x04\x00" + b"\x00" * 300
TOO_BIG = b"OggS" + b"\x00" * MAX_AUDIO_BYTES


@pytest.fixture(scope="module")
def openrouter() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture(scope="module")
def openai_audio() -> FakeOpenAIAudio:
    return FakeOpenAIAudio()


@pytest.fixture(scope="module")
def openrouter_server(openrouter: FakeOpenRouter) -> Iterator[LiveServer]:
    with live_server(openrouter.app) as server:
        yield server


@pytest.fixture(scope="module")
def openai_server(openai_audio: FakeOpenAIAudio) -> Iterator[LiveServer]:
    with live_server(openai_audio.app) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def via_openrouter(
    openrouter_server: LiveServer, openrouter: FakeOpenRouter, http: httpx.AsyncClient
) -> OpenRouterTranscriber:
    openrouter.reset()
    return OpenRouterTranscriber(
        f"{openrouter_server.url}/api/v1", DEMO_OPENROUTER_KEY, http, app_title="Noor (Treejar)"
    )


@pytest.fixture
def via_openai(openai_server: LiveServer, openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient) -> OpenAITranscriber:
    openai_audio.reset()
    return OpenAITranscriber(f"{openai_server.url}/v1", DEMO_OPENAI_KEY, http, prompt="Treejar, ergonomic, AED")


def test_format_detection_uses_magic_bytes() -> None:
    assert detect_audio_format(OGG, "voice.mp3") == "ogg"  # the bytes win over a wrong name or MIME type
    assert detect_audio_format(WAV) == "wav"
    assert detect_audio_format(MP3) == "mp3"
    assert detect_audio_format(b"\xff\xfb\x90\x00") == "mp3"
    assert detect_audio_format(b"\xff\xf1\x50\x80") == "aac"
    assert detect_audio_format(b"fLaC\x00") == "flac"
    assert detect_audio_format(b"\x1a\x45\xdf\xa3\x00") == "webm"
    assert detect_audio_format(b"\x00\x00\x00\x20ftypM4A ") == "m4a"
    assert detect_audio_format(b"????", "note.opus") == "ogg"
    assert detect_audio_format(b"????") is None


async def test_openrouter_request_shape_and_transcript(
    via_openrouter: OpenRouterTranscriber, openrouter: FakeOpenRouter
) -> None:
    assert isinstance(via_openrouter, Transcriber)
    openrouter.set_transcript(OGG, "I need ten mesh chairs")
    transcript = await via_openrouter.transcribe(OGG, filename="file.bin", language="en")
    assert transcript.text == "I need ten mesh chairs"
    assert transcript.provider == "openrouter"
    assert transcript.model == "openai/gpt-4o-mini-transcribe"
    assert transcript.cost is not None
    assert transcript.cost > 0
    request = openrouter.requests[-1]
    assert request.path == "/api/v1/audio/transcriptions"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {DEMO_OPENROUTER_KEY}"
    assert request.headers["x-openrouter-title"] == "Noor (Treejar)"
    assert request.body["model"] == "openai/gpt-4o-mini-transcribe"
    assert request.body["language"] == "en"
    assert request.body["input_audio"]["format"] == "ogg"
    assert request.body["input_audio"]["sha256"] == hashlib.sha256(OGG).hexdigest()
    wav = await via_openrouter.transcribe(WAV)
    assert wav.text == openrouter.default_transcript
    assert openrouter.requests[-1].body["input_audio"]["format"] == "wav"


async def test_openrouter_refuses_big_or_unknown_audio_before_upload(
    via_openrouter: OpenRouterTranscriber, openrouter: FakeOpenRouter
) -> None:
    with pytest.raises(AudioTooLarge):
        await via_openrouter.transcribe(TOO_BIG)
    with pytest.raises(UnsupportedAudioFormat):
        await via_openrouter.transcribe(b"%PDF-1.4 not audio", filename="plan.pdf")
    with pytest.raises(TranscriptionBadRequest):
        await via_openrouter.transcribe(b"")
    assert openrouter.requests == []


async def test_openrouter_errors_are_typed(
    via_openrouter: OpenRouterTranscriber,
    openrouter: FakeOpenRouter,
    openrouter_server: LiveServer,
    http: httpx.AsyncClient,
) -> None:
    openrouter.fail_transcription(429, retry_after=3)
    with pytest.raises(TranscriptionRateLimited) as limited:
        await via_openrouter.transcribe(OGG)
    assert limited.value.retry_after == 3
    openrouter.fail_transcription(502, "provider down")
    with pytest.raises(TranscriptionUnavailable):
        await via_openrouter.transcribe(OGG)
    bad = OpenRouterTranscriber(f"{openrouter_server.url}/api/v1", "sk-or-v1-wrong", http)
    with pytest.raises(TranscriptionAuthError):
        await bad.transcribe(OGG)
    wrong_model = OpenRouterTranscriber(
        f"{openrouter_server.url}/api/v1", DEMO_OPENROUTER_KEY, http, model="deepseek/deepseek-v3.2"
    )
    with pytest.raises(TranscriptionBadRequest):
        await wrong_model.transcribe(OGG)


async def test_openai_multipart_request_and_transcript(
    via_openai: OpenAITranscriber, openai_audio: FakeOpenAIAudio
) -> None:
    openai_audio.set_transcript(OGG, "Do you deliver to Sharjah?")
    transcript = await via_openai.transcribe(OGG, filename="AUD-2026.bin", language="en")
    assert transcript.text == "Do you deliver to Sharjah?"
    assert transcript.provider == "openai"
    assert transcript.usage["type"] == "tokens"
    request = openai_audio.requests[-1]
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.filename == "AUD-2026.ogg"  # extension from the real format
    assert request.content_type == "audio/ogg"
    assert request.sha256 == hashlib.sha256(OGG).hexdigest()
    assert request.fields == {
        "model": "gpt-4o-mini-transcribe",
        "response_format": "json",
        "language": "en",
        "prompt": "Treejar, ergonomic, AED",
    }


async def test_openai_whisper_reports_duration(
    openai_server: LiveServer, openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    openai_audio.reset()
    whisper = OpenAITranscriber(f"{openai_server.url}/v1", DEMO_OPENAI_KEY, http, model="whisper-1")
    transcript = await whisper.transcribe(MP3)
    assert transcript.duration_seconds is not None
    assert transcript.usage["type"] == "duration"
    assert openai_audio.requests[-1].filename == "voice.mp3"


async def test_openai_limits_and_errors(
    via_openai: OpenAITranscriber,
    openai_audio: FakeOpenAIAudio,
    openai_server: LiveServer,
    http: httpx.AsyncClient,
) -> None:
    with pytest.raises(AudioTooLarge):
        await via_openai.transcribe(TOO_BIG)
    assert openai_audio.requests == []
    openai_audio.fail_next(429, "Rate limit reached", type_="requests", retry_after=20)
    with pytest.raises(TranscriptionRateLimited) as limited:
        await via_openai.transcribe(OGG)
    assert limited.value.retry_after == 20
    openai_audio.fail_next(500, "The server had an error", type_="server_error")
    with pytest.raises(TranscriptionUnavailable):
        await via_openai.transcribe(OGG)
    bad = OpenAITranscriber(f"{openai_server.url}/v1", "sk-wrong", http)
    with pytest.raises(TranscriptionAuthError):
        await bad.transcribe(OGG)


async def test_fake_openai_validates_what_the_real_api_checks(
    openai_server: LiveServer, openai_audio: FakeOpenAIAudio
) -> None:
    openai_audio.reset()
    auth = {"Authorization": f"Bearer {DEMO_OPENAI_KEY}"}
    url = f"{openai_server.url}/v1/audio/transcriptions"
    async with httpx.AsyncClient(headers=auth, timeout=10) as client:
        mislabelled = await client.post(url, data={"model": "whisper-1"}, files={"file": ("a.wav", OGG, "audio/wav")})
        assert mislabelled.status_code == 400
        assert mislabelled.json()["error"]["param"] == "file"
        no_ext = await client.post(url, data={"model": "whisper-1"}, files={"file": ("voice", OGG)})
        assert no_ext.status_code == 400
        no_model = await client.post(url, files={"file": ("a.ogg", OGG)})
        assert no_model.json()["error"]["param"] == "model"
        bad_language = await client.post(
            url, data={"model": "whisper-1", "language": "english"}, files={"file": ("a.ogg", OGG)}
        )
        assert bad_language.json()["error"]["param"] == "language"
        srt_on_4o = await client.post(
            url, data={"model": "gpt-4o-transcribe", "response_format": "srt"}, files={"file": ("a.ogg", OGG)}
        )
        assert srt_on_4o.status_code == 400
        text = await client.post(
            url, data={"model": "whisper-1", "response_format": "text"}, files={"file": ("a.ogg", OGG)}
        )
        assert text.text.strip() == openai_audio.default_text
        too_big = await client.post(url, data={"model": "whisper-1"}, files={"file": ("a.ogg", TOO_BIG)})
        assert too_big.status_code == 413
        recorded = (await client.get(f"{openai_server.url}/_control/requests")).json()
        assert [r["status"] for r in recorded] == [400, 400, 400, 400, 400, 200, 413]
