"""The fake OpenRouter over raw HTTP: validation, defaults, errors, key/models, transcription, recording."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter, minimal_instance
from tests.support.live import LiveServer, live_server

AUTH = {"Authorization": f"Bearer {DEMO_OPENROUTER_KEY}"}
OGG = b"OggS\x00\x02" + b"\x00" * 200
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 100


@pytest.fixture(scope="module")
def fake() -> FakeOpenRouter:
    return FakeOpenRouter(credit_limit=1.0)


@pytest.fixture(scope="module")
def server(fake: FakeOpenRouter) -> Iterator[LiveServer]:
    with live_server(fake.app) as srv:
        yield srv


@pytest.fixture
def api(server: LiveServer, fake: FakeOpenRouter) -> Iterator[httpx.Client]:
    fake.reset()
    fake.credit_limit = 1.0
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as client:
        yield client


def chat(api: httpx.Client, **body: Any) -> httpx.Response:
    payload = {"model": "deepseek/deepseek-v3.2", "messages": [{"role": "user", "content": "Hi"}], **body}
    return api.post("/api/v1/chat/completions", json=payload)


def test_default_reply_shape(api: httpx.Client) -> None:
    response = chat(api, messages=[{"role": "system", "content": "S"}, {"role": "user", "content": "chairs?"}])
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("gen-")
    assert body["model"] == "deepseek/deepseek-v3.2"
    assert body["choices"][0]["message"]["content"] == "Noted: chairs?"
    assert body["choices"][0]["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["cost"] > 0
    recorded = api.get("/api/v1/_requests").json()
    assert recorded[-1]["body"]["messages"][0] == {"role": "system", "content": "S"}
    assert recorded[-1]["headers"]["authorization"] == AUTH["Authorization"]


def test_request_validation(api: httpx.Client) -> None:
    assert chat(api, messages=[]).status_code == 400
    assert chat(api, messages=[{"role": "wizard", "content": "x"}]).status_code == 400
    orphan = chat(api, messages=[{"role": "tool", "tool_call_id": "call_1", "content": "x"}])
    assert orphan.status_code == 400
    assert orphan.json()["error"]["code"] == 400
    assert chat(api, model="made/up").json()["error"]["message"] == "made/up is not a valid model ID"
    assert chat(api, tools=[{"type": "function", "function": {}}]).status_code == 400
    no_key = httpx.post(f"{api.base_url}/api/v1/chat/completions", json={"model": "x", "messages": []})
    assert no_key.status_code == 401


def test_forced_tool_and_json_schema_defaults(api: httpx.Client) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "check_stock",
                "parameters": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "quantity": {"type": "integer"}},
                    "required": ["query", "quantity"],
                },
            },
        }
    ]
    forced = chat(api, tools=tools, tool_choice={"type": "function", "function": {"name": "check_stock"}}).json()
    call = forced["choices"][0]["message"]["tool_calls"][0]
    assert forced["choices"][0]["finish_reason"] == "tool_calls"
    assert json.loads(call["function"]["arguments"]) == {"query": "", "quantity": 0}
    schema = {
        "type": "object",
        "properties": {
            "intent": {"enum": ["greeting", "other"]},
            "items": {"type": "array", "items": {"$ref": "#/$defs/I"}},
        },
        "required": ["intent", "items"],
        "$defs": {"I": {"type": "object"}},
    }
    structured = chat(api, response_format={"type": "json_schema", "json_schema": {"name": "X", "schema": schema}})
    assert json.loads(structured.json()["choices"][0]["message"]["content"]) == {"intent": "greeting", "items": []}


def test_minimal_instance_handles_refs_nullable_and_bounds() -> None:
    schema = {
        "type": "object",
        "required": ["a", "b", "c", "d"],
        "properties": {
            "a": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "b": {"$ref": "#/$defs/B"},
            "c": {"type": "integer", "minimum": 3},
            "d": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 2}},
        },
        "$defs": {"B": {"type": "object", "required": ["flag"], "properties": {"flag": {"type": "boolean"}}}},
    }
    assert minimal_instance(schema) == {"a": None, "b": {"flag": False}, "c": 3, "d": ["xx"]}


def test_scripted_over_http_fallback_and_error_in_200(api: httpx.Client) -> None:
    script = [
        {"content": "first"},
        {"json": {"ok": True}},
        {"error": {"code": 502, "message": "died mid-way"}, "status": 200},
        {"error": {"code": 429, "message": "Rate limit exceeded"}, "retry_after": 4},
    ]
    assert api.post("/_control/script", json=script).json()["queued"] == 4
    assert chat(api).json()["choices"][0]["message"]["content"] == "first"
    assert json.loads(chat(api).json()["choices"][0]["message"]["content"]) == {"ok": True}
    in_body = chat(api)
    assert in_body.status_code == 200
    assert in_body.json()["error"] == {"code": 502, "message": "died mid-way"}
    limited = chat(api)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "4"
    api.post("/_control/models/down", json={"models": ["deepseek/deepseek-v3.2"]})
    fell_back = chat(api, models=["deepseek/deepseek-v3.2", "openai/gpt-4o-mini"]).json()
    assert fell_back["model"] == "openai/gpt-4o-mini"
    down = chat(api)
    assert down.status_code == 502
    assert down.json()["error"]["metadata"]["provider_name"] == "FakeProvider"


def test_stream_has_usage_in_the_last_chunk(api: httpx.Client) -> None:
    api.post("/_control/script", json=[{"content": "Hello there, friend"}])
    with api.stream(
        "POST",
        "/api/v1/chat/completions",
        json={"model": "deepseek/deepseek-v3.2", "stream": True, "messages": [{"role": "user", "content": "Hi"}]},
    ) as r:
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[6:]) for line in lines[:-1]]
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"]) == "Hello there, friend"
    assert events[-1]["choices"] == []
    assert events[-1]["usage"]["cost"] > 0


def test_credits_key_and_models(api: httpx.Client) -> None:
    key = api.get("/api/v1/key").json()["data"]
    assert key["limit"] == 1.0
    assert key["limit_remaining"] == 1.0
    chat(api)
    assert api.get("/api/v1/key").json()["data"]["usage"] > 0
    api.post("/_control/credits", json={"remaining": 0})
    assert chat(api).status_code == 402
    assert chat(api).json()["error"]["code"] == 402
    text_models = {m["id"] for m in api.get("/api/v1/models").json()["data"]}
    assert "deepseek/deepseek-v3.2" in text_models
    stt = {m["id"] for m in api.get("/api/v1/models", params={"output_modalities": "transcription"}).json()["data"]}
    assert stt == {"openai/gpt-4o-mini-transcribe", "openai/whisper-1"}


def stt(api: httpx.Client, data: bytes, fmt: str, model: str = "openai/gpt-4o-mini-transcribe") -> httpx.Response:
    return api.post(
        "/api/v1/audio/transcriptions",
        json={"model": model, "input_audio": {"data": base64.b64encode(data).decode(), "format": fmt}},
    )


def test_transcription(api: httpx.Client, fake: FakeOpenRouter) -> None:
    fake.set_transcript(OGG, "I need ten mesh chairs")
    response = stt(api, OGG, "ogg")
    assert response.status_code == 200
    assert response.json()["text"] == "I need ten mesh chairs"
    assert response.json()["usage"]["cost"] > 0
    assert response.headers["x-generation-id"].startswith("gen-")
    default = stt(api, WAV, "wav", model="openai/whisper-1").json()
    assert default["text"] == fake.default_transcript
    assert "seconds" in default["usage"]
    recorded = api.get("/api/v1/_requests", params={"path": "/audio/transcriptions"}).json()
    assert recorded[0]["body"]["input_audio"]["sha256"] == hashlib.sha256(OGG).hexdigest()
    assert recorded[0]["body"]["input_audio"]["format"] == "ogg"


def test_transcription_errors(api: httpx.Client, fake: FakeOpenRouter) -> None:
    assert stt(api, OGG, "wav").status_code == 400  # format does not match the bytes
    assert stt(api, OGG, "opus").status_code == 400
    assert stt(api, OGG, "ogg", model="deepseek/deepseek-v3.2").status_code == 400
    not_b64 = api.post(
        "/api/v1/audio/transcriptions",
        json={"model": "openai/whisper-1", "input_audio": {"data": "!!!", "format": "ogg"}},
    )
    assert not_b64.status_code == 400
    too_big = stt(api, b"OggS" + b"\x00" * (25 * 1024 * 1024), "ogg")
    assert too_big.status_code == 413
    fake.fail_transcription(429, retry_after=2)
    limited = stt(api, OGG, "ogg")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    fake.fail_transcription(500, "boom")
    assert stt(api, OGG, "ogg").json() == {"error": {"code": 500, "message": "boom"}}
