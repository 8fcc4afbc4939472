"""A faithful fake of the OpenRouter API subset Noor uses (docs/contracts.md §6 and §7.2).

Mounted by the service under ``/sandbox/openrouter`` (a client's base URL is then
``<service>/sandbox/openrouter/api/v1``); tests run ``FakeOpenRouter().app`` standalone on loopback.

- ``POST /api/v1/chat/completions``: OpenAI schema plus OpenRouter's ``models`` fallback list. Validates the
  request (messages, roles, tool-call pairing, tools, known models) and answers from a scripted queue
  (``script_text``/``script_tool_call``/``script_json``/``script_error``/``script``) or, when nothing is
  scripted, deterministically: ``response_format`` json_schema → the minimal object valid for the schema;
  json_object → ``{}``; a forced tool (``tool_choice`` a function or ``"required"``) → a call with minimal
  valid arguments; otherwise a short echo of the last user message. ``responder`` can replace that default.
  A scripted tool call (a model asking for a tool, e.g. ``script_tool_call("live_stock", {"sku": ...})``) is
  answered only when the request offers tools and ``tool_choice`` is not ``"none"``; otherwise the model writes.
  ``model`` in the response is the model actually used: models marked down (``set_model_down``) are skipped
  in favour of the next one in ``models``. ``usage`` always has token counts and ``cost``. Streaming (SSE)
  sends content/tool-call deltas and usage in the last chunk, then ``[DONE]``.
- Errors: ``{"error": {"code", "message", "metadata"?}}`` with that HTTP status (400/401/402/403/408/429 with
  ``Retry-After``/502/503), or inside an HTTP 200 body (and as an SSE event mid-stream) when scripted so.
- ``POST /api/v1/audio/transcriptions``: JSON with base64 ``input_audio`` {data, format}; 25 MB (413); the
  format must match the bytes; transcripts from a sha256 → text map or a default; ``X-Generation-Id``.
- ``GET /api/v1/key``, ``GET /api/v1/models`` (``?output_modalities=transcription``).
- Every request is recorded: ``.requests`` in process, ``GET /api/v1/_requests`` over HTTP (``DELETE`` clears).
  Control over HTTP: ``POST /_control/script`` (a list of replies), ``/_control/models/down``,
  ``/_control/transcripts``, ``/_control/credits``, ``/_control/latency`` (every reply after N s), ``/_control/reset``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from sandbox.openai_audio import DEFAULT_TRANSCRIPT, MAX_AUDIO_BYTES, estimate_seconds, sniff_audio_format

DEMO_OPENROUTER_KEY = "sk-or-v1-demo-openrouter-key"

# id -> (USD per prompt token, USD per completion token, output modality)
DEFAULT_MODELS: dict[str, tuple[float, float, str]] = {
    "deepseek/deepseek-v3.2": (0.28e-6, 0.40e-6, "text"),
    "deepseek/deepseek-chat-v3.1": (0.20e-6, 0.80e-6, "text"),
    "openai/gpt-4o-mini": (0.15e-6, 0.60e-6, "text"),
    "google/gemini-2.5-flash": (0.30e-6, 2.50e-6, "text"),
    "openai/gpt-4o-mini-transcribe": (1.25e-6, 5.0e-6, "transcription"),
    "openai/whisper-1": (0.0, 0.0, "transcription"),
}
STT_FORMATS = ("aac", "flac", "m4a", "mp3", "ogg", "wav", "webm")
_ROLES = {"system", "developer", "user", "assistant", "tool"}
_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "No auth credentials found",
    402: "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    403: "Input flagged by moderation",
    408: "Request timed out",
    429: "Rate limit exceeded",
    502: "Provider returned error",
    503: "No endpoints found that can handle the requested parameters",
}


class OpenRouterApiError(Exception):
    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message or _STATUS_MESSAGES.get(code, "error"))
        self.code = code
        self.message = message or _STATUS_MESSAGES.get(code, "error")
        self.metadata = metadata
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.metadata is not None:
            error["metadata"] = self.metadata
        return {"error": error}


@dataclass
class ScriptedReply:
    """One scripted answer for /chat/completions.

    ``content``/``tool_calls`` ({"name", "arguments": dict | str, "id"?}) make a completion; ``error``
    ({"code", "message", "metadata"?}) makes an error returned with HTTP ``status`` (default: the code; 200
    puts the error inside a 200 body); ``retry_after`` adds a ``Retry-After`` header; ``model`` overrides
    the reported model; ``usage`` overrides usage fields; ``delay_seconds`` waits before answering.
    """

    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    status: int | None = None
    retry_after: int | None = None
    delay_seconds: float = 0.0
    reasoning: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScriptedReply:
        data = dict(data)
        if "json" in data:
            data["content"] = json.dumps(data.pop("json"), ensure_ascii=False)
        return cls(**data)


Responder = Callable[[dict[str, Any]], ScriptedReply | None]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    model_used: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "model_used": self.model_used,
        }

    @property
    def system_prompt(self) -> str | None:
        """The text of the first system (or developer) message of a chat request."""
        if not isinstance(self.body, dict):
            return None
        for message in self.body.get("messages") or []:
            if isinstance(message, dict) and message.get("role") in ("system", "developer"):
                return _text_of(message.get("content"))
        return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """The smallest value valid for a JSON Schema (required properties only; first enum/anyOf branch)."""
    root = root if root is not None else schema
    if depth > 20:
        return None
    if "$ref" in schema:
        ref = str(schema["$ref"])
        target: Any = root
        for part in ref.lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return minimal_instance(target if isinstance(target, dict) else {}, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            branches = [b for b in schema[key] if isinstance(b, dict)]
            non_null = [b for b in branches if b.get("type") != "null"]
            if key != "allOf" and len(non_null) < len(branches):
                return None
            merged: dict[str, Any] = {}
            if key == "allOf":
                for branch in branches:
                    merged.update(branch)
                return minimal_instance(merged, root, depth + 1)
            return minimal_instance((non_null or branches)[0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        if "null" in kind:
            return None
        kind = kind[0] if kind else None
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties") or {}
        result: dict[str, Any] = {}
        for name in schema.get("required") or []:
            result[name] = minimal_instance(properties.get(name) or {}, root, depth + 1)
        return result
    if kind == "array":
        minimum = int(schema.get("minItems") or 0)
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return [minimal_instance(items or {}, root, depth + 1) for _ in range(minimum)]
    if kind == "string":
        return "x" * int(schema.get("minLength") or 0)
    if kind == "integer":
        return math.ceil(float(schema.get("minimum", 0)))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return {}


def _count_tokens(value: Any) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return max(1, math.ceil(len(text) / 4))


class _ModelsDownBody(BaseModel):
    models: list[str]
    down: bool = True


class _TranscriptBody(BaseModel):
    sha256: str | None = None
    text: str


class _LatencyBody(BaseModel):
    seconds: float = Field(ge=0, le=120)


class _CreditsBody(BaseModel):
    limit: float | None = None
    remaining: float | None = None


class FakeOpenRouter:
    """In-memory OpenRouter. Thread-safe; tests script it in-process while uvicorn serves it."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = (DEMO_OPENROUTER_KEY,),
        models: dict[str, tuple[float, float, str]] | None = None,
        credit_limit: float | None = 10.0,
        default_transcript: str = DEFAULT_TRANSCRIPT,
        responder: Responder | None = None,
        stream_chunk_chars: int = 16,
        latency_seconds: float = 0.0,
    ) -> None:
        self.api_keys = set(api_keys) if api_keys is not None else None
        self.models = dict(models or DEFAULT_MODELS)
        self.credit_limit = credit_limit
        self.default_transcript = default_transcript
        self.responder = responder
        self.stream_chunk_chars = stream_chunk_chars
        #: how long every chat completion takes unless its reply says otherwise (benchmarks: the LLM dominates)
        self.latency_seconds = latency_seconds
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.requests: list[RecordedRequest] = []
        self.usage_total = 0.0
        self.down_models: set[str] = set()
        self.transcripts: dict[str, str] = {}
        self._script: deque[ScriptedReply] = deque()
        self._stt_faults: deque[OpenRouterApiError] = deque()
        self.app = self._build_app()

    # ----- scripting (in process; the same over HTTP under /_control) -------------------------------

    def script(self, *replies: ScriptedReply) -> None:
        with self._lock:
            self._script.extend(replies)

    def script_text(self, content: str, **kwargs: Any) -> None:
        self.script(ScriptedReply(content=content, **kwargs))

    def script_json(self, value: Any, **kwargs: Any) -> None:
        self.script(ScriptedReply(content=json.dumps(value, ensure_ascii=False), **kwargs))

    def script_tool_call(self, name: str, arguments: dict[str, Any] | str, **kwargs: Any) -> None:
        self.script(ScriptedReply(tool_calls=[{"name": name, "arguments": arguments}], **kwargs))

    def script_error(
        self,
        code: int,
        message: str | None = None,
        *,
        status: int | None = None,
        metadata: dict[str, Any] | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Queue an error; ``status=200`` returns it inside a 200 body (as a mid-generation error)."""
        error: dict[str, Any] = {"code": code, "message": message or _STATUS_MESSAGES.get(code, "error")}
        if metadata is not None:
            error["metadata"] = metadata
        for _ in range(count):
            self.script(ScriptedReply(error=dict(error), status=status, retry_after=retry_after))

    def fail_transcription(
        self, code: int, message: str | None = None, *, retry_after: int | None = None, count: int = 1
    ) -> None:
        with self._lock:
            for _ in range(count):
                self._stt_faults.append(OpenRouterApiError(code, message, retry_after=retry_after))

    def set_model_down(self, model: str, down: bool = True) -> None:
        with self._lock:
            (self.down_models.add if down else self.down_models.discard)(model)

    def set_transcript(self, audio: bytes | str, text: str) -> None:
        key = audio if isinstance(audio, str) else hashlib.sha256(audio).hexdigest()
        with self._lock:
            self.transcripts[key] = text

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def last_chat(self) -> RecordedRequest:
        requests = self.chat_requests()
        if not requests:
            raise LookupError("no chat completion request received")
        return requests[-1]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self._stt_faults.clear()
            self.down_models.clear()
            self.transcripts.clear()
            self.usage_total = 0.0
            self.latency_seconds = 0.0

    # ----- core logic -------------------------------------------------------------------------------

    def _authorize(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not key:
            raise OpenRouterApiError(401, "No auth credentials found")
        if self.api_keys is not None and key not in self.api_keys:
            raise OpenRouterApiError(401, "User not found.")

    def _check_credits(self) -> None:
        if self.credit_limit is not None and self.usage_total >= self.credit_limit:
            raise OpenRouterApiError(402)

    def _validate_chat(self, body: Any) -> list[str]:
        if not isinstance(body, dict):
            raise OpenRouterApiError(400, "Request body must be a JSON object")
        candidates: list[str] = []
        if isinstance(body.get("model"), str) and body["model"]:
            candidates.append(body["model"])
        fallbacks = body.get("models")
        if fallbacks is not None:
            if not isinstance(fallbacks, list) or not all(isinstance(m, str) for m in fallbacks):
                raise OpenRouterApiError(400, "models must be an array of model ids")
            candidates.extend(m for m in fallbacks if m not in candidates)
        if not candidates:
            raise OpenRouterApiError(400, "No models provided")
        for model in candidates:
            if model not in self.models:
                raise OpenRouterApiError(400, f"{model} is not a valid model ID")
            if self.models[model][2] != "text":
                raise OpenRouterApiError(400, f"{model} does not support chat completions")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise OpenRouterApiError(400, "messages must be a non-empty array")
        pending_calls: set[str] = set()
        for index, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in _ROLES:
                raise OpenRouterApiError(400, f"messages[{index}]: invalid role")
            role = message["role"]
            if role == "assistant":
                for call in message.get("tool_calls") or []:
                    function = call.get("function") if isinstance(call, dict) else None
                    if not isinstance(function, dict) or not call.get("id") or not function.get("name"):
                        raise OpenRouterApiError(400, f"messages[{index}]: malformed tool_calls")
                    if not isinstance(function.get("arguments"), str):
                        raise OpenRouterApiError(400, f"messages[{index}]: tool_call arguments must be a string")
                    pending_calls.add(str(call["id"]))
            elif role == "tool":
                call_id = message.get("tool_call_id")
                if not call_id or str(call_id) not in pending_calls:
                    raise OpenRouterApiError(
                        400, f"messages[{index}]: tool message without a matching assistant tool_call"
                    )
            elif message.get("content") is None:
                raise OpenRouterApiError(400, f"messages[{index}]: content is required")
        tools = body.get("tools")
        if tools is not None:
            if not isinstance(tools, list):
                raise OpenRouterApiError(400, "tools must be an array")
            for tool in tools:
                function = tool.get("function") if isinstance(tool, dict) else None
                if tool.get("type") != "function" or not isinstance(function, dict) or not function.get("name"):
                    raise OpenRouterApiError(400, "tools: every tool needs type 'function' and a function name")
        return candidates

    def _pick_model(self, candidates: list[str]) -> str:
        for model in candidates:
            if model not in self.down_models:
                return model
        raise OpenRouterApiError(
            502, f"{candidates[-1]} is temporarily unavailable", metadata={"provider_name": "FakeProvider"}
        )

    def _default_reply(self, body: dict[str, Any]) -> ScriptedReply:
        response_format = body.get("response_format") or {}
        if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema") or {}
            return ScriptedReply(content=json.dumps(minimal_instance(schema)))
        if isinstance(response_format, dict) and response_format.get("type") == "json_object":
            return ScriptedReply(content="{}")
        tools = {t["function"]["name"]: t["function"] for t in body.get("tools") or [] if isinstance(t, dict)}
        choice = body.get("tool_choice")
        forced: str | None = None
        if isinstance(choice, dict):
            forced = (choice.get("function") or {}).get("name")
        elif choice == "required" and tools:
            forced = next(iter(tools))
        if forced is not None:
            if forced not in tools:
                raise OpenRouterApiError(400, f"tool_choice names an unknown tool {forced!r}")
            arguments = minimal_instance(tools[forced].get("parameters") or {"type": "object"})
            return ScriptedReply(tool_calls=[{"name": forced, "arguments": arguments}])
        last_user = ""
        for message in reversed(body.get("messages") or []):
            if message.get("role") == "user":
                last_user = _text_of(message.get("content"))
                break
        return ScriptedReply(content=f"Noted: {last_user[:200]}" if last_user else "Hello!")

    def _next_reply(self, body: dict[str, Any]) -> ScriptedReply:
        with self._lock:
            if self._script:
                return self._callable(body, self._script.popleft())
        if self.responder is not None:
            reply = self.responder(body)
            if reply is not None:
                return reply
        return self._default_reply(body)

    def _callable(self, body: dict[str, Any], reply: ScriptedReply) -> ScriptedReply:
        """A scripted tool call as a model could make it: none when the request offers no tools or says
        ``tool_choice: "none"`` (the model writes instead: the scripted content, else the default text). A name
        the request did not offer is kept: real models do call tools that do not exist."""
        if not reply.tool_calls or (body.get("tools") and body.get("tool_choice") != "none"):
            return reply
        text = reply.content or self._default_reply({"messages": body.get("messages") or []}).content
        return dataclasses.replace(reply, tool_calls=None, content=text, finish_reason=None)

    def _completion(self, body: dict[str, Any], reply: ScriptedReply, model: str) -> dict[str, Any]:
        gen_id = f"gen-{int(time.time())}-{next(self._ids):08d}"
        message: dict[str, Any] = {"role": "assistant", "content": reply.content or "", "refusal": None}
        if reply.reasoning is not None:
            message["reasoning"] = reply.reasoning
        finish = reply.finish_reason or "stop"
        if reply.tool_calls:
            calls = []
            for n, call in enumerate(reply.tool_calls):
                arguments = call.get("arguments", {})
                calls.append(
                    {
                        "id": call.get("id") or f"call_{next(self._ids)}_{n}",
                        "type": "function",
                        "function": {
                            "name": call["name"],
                            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                        },
                    }
                )
            message["tool_calls"] = calls
            finish = reply.finish_reason or "tool_calls"
        prompt_tokens = _count_tokens([body.get("messages"), body.get("tools")])
        completion_tokens = _count_tokens([message.get("content"), message.get("tool_calls")])
        price_in, price_out, _ = self.models.get(model, (0.0, 0.0, "text"))
        cost = round(prompt_tokens * price_in + completion_tokens * price_out, 10)
        usage: dict[str, Any] = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "cost": cost,
            "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "cost_details": {"upstream_inference_cost": None},
            "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0},
        }
        usage.update(reply.usage or {})
        with self._lock:
            self.usage_total += float(usage.get("cost") or 0.0)
        return {
            "id": gen_id,
            "provider": "FakeProvider",
            "model": reply.model or model,
            "object": "chat.completion",
            "created": int(time.time()),
            "choices": [
                {
                    "logprobs": None,
                    "finish_reason": finish,
                    "native_finish_reason": finish,
                    "index": 0,
                    "message": message,
                }
            ],
            "usage": usage,
        }

    def _stream(self, completion: dict[str, Any], error: dict[str, Any] | None) -> Iterator[bytes]:
        base = {k: completion[k] for k in ("id", "provider", "model", "created")}
        base["object"] = "chat.completion.chunk"

        def event(payload: dict[str, Any]) -> bytes:
            return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()

        yield b": OPENROUTER PROCESSING\n\n"
        choice = completion["choices"][0]
        message = choice["message"]
        yield event(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "finish_reason": None,
                        "native_finish_reason": None,
                    }
                ],
            }
        )
        content = message.get("content") or ""
        size = max(1, self.stream_chunk_chars)
        for start in range(0, len(content), size):
            yield event(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": content[start : start + size]},
                            "finish_reason": None,
                            "native_finish_reason": None,
                        }
                    ],
                }
            )
        if error is not None:
            yield event(
                {
                    **base,
                    "error": error,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": ""},
                            "finish_reason": "error",
                            "native_finish_reason": "error",
                        }
                    ],
                }
            )
            return
        for n, call in enumerate(message.get("tool_calls") or []):
            arguments = call["function"]["arguments"]
            yield event(
                {
                    **base,
                    "choices": [
                        {
                            "index": 0,
                            "delta": {
                                "tool_calls": [
                                    {
                                        "index": n,
                                        "id": call["id"],
                                        "type": "function",
                                        "function": {"name": call["function"]["name"], "arguments": ""},
                                    }
                                ]
                            },
                            "finish_reason": None,
                            "native_finish_reason": None,
                        }
                    ],
                }
            )
            for start in range(0, len(arguments), size):
                yield event(
                    {
                        **base,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {
                                    "tool_calls": [
                                        {"index": n, "function": {"arguments": arguments[start : start + size]}}
                                    ]
                                },
                                "finish_reason": None,
                                "native_finish_reason": None,
                            }
                        ],
                    }
                )
        yield event(
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": ""},
                        "finish_reason": choice["finish_reason"],
                        "native_finish_reason": choice["native_finish_reason"],
                    }
                ],
            }
        )
        yield event({**base, "choices": [], "usage": completion["usage"]})
        yield b"data: [DONE]\n\n"

    def _transcribe(self, body: Any) -> tuple[dict[str, Any], str]:
        if not isinstance(body, dict):
            raise OpenRouterApiError(400, "Request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise OpenRouterApiError(400, "model is required")
        if model not in self.models or self.models[model][2] != "transcription":
            raise OpenRouterApiError(400, f"{model} is not a valid transcription model ID")
        audio = body.get("input_audio")
        if not isinstance(audio, dict) or not isinstance(audio.get("data"), str):
            raise OpenRouterApiError(400, "input_audio.data (base64) is required")
        audio_format = audio.get("format")
        if audio_format not in STT_FORMATS:
            raise OpenRouterApiError(400, f"input_audio.format must be one of {list(STT_FORMATS)}")
        if audio["data"].startswith(("data:", "http://", "https://")):
            raise OpenRouterApiError(400, "input_audio.data must be raw base64, not a URL or data URI")
        if len(audio["data"]) > (MAX_AUDIO_BYTES * 4) // 3 + 8:
            raise OpenRouterApiError(413, "Audio file exceeds the 25 MB limit")
        try:
            data = base64.b64decode(audio["data"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise OpenRouterApiError(400, "input_audio.data is not valid base64") from exc
        if len(data) > MAX_AUDIO_BYTES:
            raise OpenRouterApiError(413, "Audio file exceeds the 25 MB limit")
        sniffed = sniff_audio_format(data)
        if sniffed != audio_format and not (audio_format == "m4a" and sniffed == "aac"):
            raise OpenRouterApiError(
                400, f"input_audio.format is {audio_format!r} but the data is {sniffed or 'not audio'}"
            )
        language = body.get("language")
        if language is not None and not (isinstance(language, str) and len(language) == 2):
            raise OpenRouterApiError(400, "language must be an ISO-639-1 code")
        with self._lock:
            fault = self._stt_faults.popleft() if self._stt_faults else None
            if fault is not None:
                raise fault
            self._check_credits()
            text = self.transcripts.get(hashlib.sha256(data).hexdigest(), self.default_transcript)
        seconds = estimate_seconds(data)
        price_in, price_out, _ = self.models[model]
        if model == "openai/whisper-1":
            usage: dict[str, Any] = {"seconds": seconds, "cost": round(seconds * 0.0001, 8)}
        else:
            input_tokens = max(1, int(seconds * 10))
            output_tokens = max(1, len(text.split()))
            usage = {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
                "cost": round(input_tokens * price_in + output_tokens * price_out, 10),
            }
        with self._lock:
            self.usage_total += float(usage["cost"])
        return {"text": text, "usage": usage}, f"gen-stt-{int(time.time())}-{next(self._ids):08d}"

    # ----- HTTP -------------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Fake OpenRouter", docs_url=None, redoc_url=None)

        def error_response(exc: OpenRouterApiError, status: int | None = None) -> JSONResponse:
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
            return JSONResponse(exc.body(), status_code=status or exc.code, headers=headers)

        async def record(request: Request) -> RecordedRequest:
            raw = await request.body()
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            entry = RecordedRequest(
                request.method, request.url.path, {k.lower(): v for k, v in request.headers.items()}, body
            )
            with self._lock:
                self.requests.append(entry)
            return entry

        @app.post("/api/v1/chat/completions")
        async def chat_completions(request: Request) -> Response:
            entry = await record(request)
            try:
                if isinstance(entry.body, str):
                    raise OpenRouterApiError(400, "Invalid JSON body")
                self._authorize(entry.headers)
                candidates = self._validate_chat(entry.body)
                self._check_credits()
                reply = self._next_reply(entry.body)
                delay = reply.delay_seconds or self.latency_seconds
                if delay:
                    await asyncio.sleep(delay)
                if reply.error is not None and reply.status != 200:
                    raise OpenRouterApiError(
                        int(reply.status or reply.error.get("code") or 500),
                        reply.error.get("message"),
                        metadata=reply.error.get("metadata"),
                        retry_after=reply.retry_after,
                    )
                model = self._pick_model(candidates)
            except OpenRouterApiError as exc:
                entry.status = exc.code
                return error_response(exc)
            entry.model_used = reply.model or model
            entry.status = 200
            completion = self._completion(entry.body, reply, model)
            if entry.body.get("stream"):
                return StreamingResponse(
                    self._stream(completion, reply.error),
                    media_type="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Generation-Id": completion["id"]},
                )
            if reply.error is not None:  # an error during generation: HTTP 200 with the error in the body
                error_body: dict[str, Any] = {
                    k: completion[k] for k in ("id", "provider", "model", "object", "created")
                }
                error_body["error"] = reply.error
                error_body["choices"] = [
                    {
                        "index": 0,
                        "finish_reason": "error",
                        "native_finish_reason": "error",
                        "message": {"role": "assistant", "content": ""},
                    }
                ]
                return JSONResponse(error_body)
            return JSONResponse(completion, headers={"X-Generation-Id": completion["id"]})

        @app.post("/api/v1/audio/transcriptions")
        async def transcriptions(request: Request) -> Response:
            entry = await record(request)
            if isinstance(entry.body, dict) and isinstance(entry.body.get("input_audio"), dict):
                data = entry.body["input_audio"].get("data")
                if isinstance(data, str):  # keep the record small: the audio as size + digest
                    entry.body = {
                        **entry.body,
                        "input_audio": {
                            **entry.body["input_audio"],
                            "data": f"<{len(data)} base64 chars>",
                            "sha256": _b64_sha256(data),
                        },
                    }
                    body_for_logic = {**entry.body, "input_audio": {**entry.body["input_audio"], "data": data}}
                else:
                    body_for_logic = entry.body
            else:
                body_for_logic = entry.body
            try:
                if isinstance(entry.body, str):
                    raise OpenRouterApiError(400, "Invalid JSON body")
                self._authorize(entry.headers)
                result, gen_id = self._transcribe(body_for_logic)
            except OpenRouterApiError as exc:
                entry.status = exc.code
                return error_response(exc)
            entry.status = 200
            entry.model_used = body_for_logic.get("model")
            return JSONResponse(result, headers={"X-Generation-Id": gen_id})

        @app.get("/api/v1/key")
        async def key(request: Request) -> Response:
            entry = await record(request)
            try:
                self._authorize(entry.headers)
            except OpenRouterApiError as exc:
                entry.status = exc.code
                return error_response(exc)
            entry.status = 200
            with self._lock:
                remaining = None if self.credit_limit is None else max(0.0, self.credit_limit - self.usage_total)
                return JSONResponse(
                    {
                        "data": {
                            "label": "sk-or-v1-dem...key",
                            "limit": self.credit_limit,
                            "limit_remaining": remaining,
                            "limit_reset": None,
                            "usage": round(self.usage_total, 10),
                            "usage_daily": round(self.usage_total, 10),
                            "is_free_tier": False,
                            "is_provisioning_key": False,
                            "rate_limit": {"requests": -1, "interval": "10s"},
                        }
                    }
                )

        @app.get("/api/v1/models")
        async def models(request: Request, output_modalities: str | None = None) -> Response:
            await record(request)
            wanted = {m.strip() for m in (output_modalities or "text").split(",")}
            data = [
                {
                    "id": model_id,
                    "name": model_id,
                    "context_length": 163840,
                    "architecture": {
                        "input_modalities": ["audio"] if kind == "transcription" else ["text"],
                        "output_modalities": [kind],
                    },
                    "pricing": {"prompt": f"{price_in:.10f}", "completion": f"{price_out:.10f}"},
                    "supported_parameters": []
                    if kind == "transcription"
                    else ["tools", "tool_choice", "response_format", "structured_outputs", "temperature", "max_tokens"],
                }
                for model_id, (price_in, price_out, kind) in sorted(self.models.items())
                if "all" in wanted or kind in wanted
            ]
            return JSONResponse({"data": data})

        @app.get("/api/v1/_requests")
        def list_requests(path: str | None = None) -> list[dict[str, Any]]:
            with self._lock:
                return [r.as_json() for r in self.requests if path is None or r.path.endswith(path)]

        @app.delete("/api/v1/_requests")
        def clear_requests() -> dict[str, bool]:
            with self._lock:
                self.requests.clear()
            return {"ok": True}

        @app.post("/_control/script")
        def control_script(replies: list[dict[str, Any]]) -> JSONResponse:
            try:
                parsed = [ScriptedReply.from_json(r) for r in replies]
            except TypeError as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
            self.script(*parsed)
            return JSONResponse({"ok": True, "queued": len(self._script)})

        @app.post("/_control/models/down")
        def control_down(body: _ModelsDownBody) -> dict[str, Any]:
            for model in body.models:
                self.set_model_down(model, body.down)
            return {"ok": True, "down": sorted(self.down_models)}

        @app.post("/_control/transcripts")
        def control_transcripts(body: _TranscriptBody) -> dict[str, bool]:
            if body.sha256 is None:
                self.default_transcript = body.text
            else:
                self.set_transcript(body.sha256, body.text)
            return {"ok": True}

        @app.post("/_control/credits")
        def control_credits(body: _CreditsBody) -> dict[str, bool]:
            with self._lock:
                if body.remaining is not None:
                    self.credit_limit = self.usage_total + body.remaining
                else:
                    self.credit_limit = body.limit
            return {"ok": True}

        @app.post("/_control/latency")
        def control_latency(body: _LatencyBody) -> dict[str, float]:
            self.latency_seconds = body.seconds
            return {"seconds": self.latency_seconds}

        @app.post("/_control/reset")
        def control_reset() -> dict[str, bool]:
            self.reset()
            return {"ok": True}

        return app


def _b64_sha256(data: str) -> str | None:
    try:
        return hashlib.sha256(base64.b64decode(data, validate=True)).hexdigest()
    except (binascii.Error, ValueError):
        return None
