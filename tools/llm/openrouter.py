"""ChatOpenAI wired for OpenRouter (docs/contracts.md §6): fallbacks, attribution, usage/cost, typed errors.

``make_openrouter_chat_model(...)`` returns an ``OpenRouterChatModel`` (a ``ChatOpenAI`` subclass) that:

- sends ``extra_body={"models": [model, *fallback_models]}`` so OpenRouter falls back server-side, and the
  attribution headers ``HTTP-Referer`` (app URL) and ``X-OpenRouter-Title`` (+ legacy ``X-Title``);
- uses ``stream_usage=True`` so streamed answers carry usage in their last chunk;
- raises a typed ``OpenRouterError`` subclass for every provider failure: HTTP errors (400/401/402/403/408/
  429/502/503…), an error inside an HTTP 200 body (OpenRouter reports failures during generation that way),
  an error event mid-stream, timeouts and connection failures. ``retry_after`` is filled from the
  ``Retry-After`` header when present. The openai SDK's own retries (``max_retries``) happen first;
- records OpenRouter's raw usage (with ``cost``), the model actually used, the provider and the generation id
  under ``response_metadata["openrouter"]``; ``extract_usage(message)`` returns them as ``LlmUsage``.

Structured output: both ``with_structured_output(Model, method="function_calling")`` and
``method="json_schema"`` work through OpenRouter-compatible servers (tested against the fake). Prefer
``function_calling`` for DeepSeek models: tool calling is supported by every DeepSeek provider on OpenRouter,
while ``response_format`` json_schema support varies by provider (send ``provider.require_parameters`` with
it if you use json_schema).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"


# ----- typed errors ----------------------------------------------------------------------------------


class OpenRouterError(Exception):
    """A failed OpenRouter call. ``code`` is OpenRouter's error code (the HTTP status unless ``in_body``)."""

    def __init__(
        self,
        code: int | None,
        message: str,
        *,
        metadata: dict[str, Any] | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        in_body: bool = False,
    ) -> None:
        super().__init__(f"OpenRouter error {code}: {message}")
        self.code = code
        self.message = message
        self.metadata = metadata or {}
        self.status = status
        self.retry_after = retry_after
        self.in_body = in_body

    @property
    def retryable(self) -> bool:
        """Worth retrying later or on another provider (rate limit, timeout, upstream failure)."""
        return isinstance(self, OpenRouterRateLimited | OpenRouterTimeout | OpenRouterUnavailable)


class OpenRouterBadRequest(OpenRouterError):
    """400: invalid parameters, unknown model, context too long."""


class OpenRouterAuthError(OpenRouterError):
    """401: missing/invalid key (or the key was disabled)."""


class OpenRouterInsufficientCredits(OpenRouterError):
    """402: out of credits (also with a negative balance, even on free models)."""


class OpenRouterModerationError(OpenRouterError):
    """403: the input was flagged by moderation / a guardrail."""


class OpenRouterTimeout(OpenRouterError):
    """408 or a client-side timeout."""


class OpenRouterRateLimited(OpenRouterError):
    """429: rate limited; ``retry_after`` seconds when the server said so."""


class OpenRouterUnavailable(OpenRouterError):
    """502/503/5xx or a connection failure: the model/provider is down or no provider fits the request."""


def _class_for(code: int | None) -> type[OpenRouterError]:
    if code == 400 or code == 413 or code == 422:
        return OpenRouterBadRequest
    if code == 401:
        return OpenRouterAuthError
    if code == 402:
        return OpenRouterInsufficientCredits
    if code == 403:
        return OpenRouterModerationError
    if code == 408:
        return OpenRouterTimeout
    if code == 429:
        return OpenRouterRateLimited
    if code is None or code >= 500:
        return OpenRouterUnavailable
    return OpenRouterError


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def error_from_body(
    error: Any, *, status: int | None = None, retry_after: float | None = None, in_body: bool = False
) -> OpenRouterError:
    """Build the typed error for an OpenRouter ``{"code", "message", "metadata"}`` object."""
    if isinstance(error, dict):
        code = _as_int(error.get("code")) or status
        message = str(error.get("message") or "error")
        metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else None
    else:
        code, message, metadata = status, str(error), None
    return _class_for(code)(code, message, metadata=metadata, status=status, retry_after=retry_after, in_body=in_body)


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def to_openrouter_error(exc: BaseException) -> OpenRouterError | None:
    """The typed error for an exception raised by the openai SDK / langchain-openai, or None if unrelated."""
    if isinstance(exc, OpenRouterError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        body = exc.body if isinstance(exc.body, dict) else {"code": status, "message": exc.message}
        return error_from_body(body, status=status, retry_after=_retry_after(exc.response.headers))
    if isinstance(exc, openai.APITimeoutError):
        return OpenRouterTimeout(408, "request timed out", status=None)
    if isinstance(exc, openai.APIConnectionError):
        return OpenRouterUnavailable(None, f"connection failed: {exc}")
    if isinstance(exc, openai.APIError):  # an error event inside a stream (HTTP 200)
        body = exc.body if isinstance(exc.body, dict) else {"message": exc.message}
        return error_from_body(body, status=200, in_body=True)
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], dict) and "message" in exc.args[0]:
        return error_from_body(exc.args[0], status=200, in_body=True)  # langchain's "error in body" ValueError
    return None


# ----- usage -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LlmUsage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float | None
    model: str | None
    provider: str | None = None
    generation_id: str | None = None
    cached_tokens: int = 0
    reasoning_tokens: int = 0


def extract_usage(message: BaseMessage) -> LlmUsage:
    """Usage, cost and the model actually used, from an AIMessage (or an aggregated AIMessageChunk)."""
    meta = message.response_metadata or {}
    raw_info = meta.get("openrouter")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    usage = info.get("usage") or meta.get("token_usage") or {}
    usage_metadata = getattr(message, "usage_metadata", None) or {}
    prompt = usage.get("prompt_tokens", usage_metadata.get("input_tokens", 0)) or 0
    completion = usage.get("completion_tokens", usage_metadata.get("output_tokens", 0)) or 0
    cost = usage.get("cost")
    return LlmUsage(
        prompt_tokens=int(prompt),
        completion_tokens=int(completion),
        total_tokens=int(usage.get("total_tokens") or prompt + completion),
        cost=float(cost) if cost is not None else None,
        model=info.get("model") or meta.get("model_name"),
        provider=info.get("provider"),
        generation_id=info.get("id") or meta.get("id"),
        cached_tokens=int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0),
        reasoning_tokens=int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0),
    )


def _openrouter_info(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "usage": data.get("usage"),
        "model": data.get("model"),
        "provider": data.get("provider"),
        "id": data.get("id"),
    }


# ----- the model -------------------------------------------------------------------------------------


class OpenRouterChatModel(ChatOpenAI):
    """ChatOpenAI that turns OpenRouter failures into ``OpenRouterError`` and keeps usage/cost/model."""

    def _create_chat_result(
        self, response: dict[str, Any] | openai.BaseModel, generation_info: dict[str, Any] | None = None
    ) -> ChatResult:
        if isinstance(response, openai.BaseModel):
            data: Any = response.model_dump(warnings=False)
        else:
            data = response
        if isinstance(data, dict) and data.get("error"):
            raise error_from_body(data["error"], status=200, in_body=True)
        result = super()._create_chat_result(response, generation_info)
        if isinstance(data, dict):
            info = _openrouter_info(data)
            for generation in result.generations:
                generation.message.response_metadata["openrouter"] = dict(info)
        return result

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict[str, Any], default_chunk_class: type, base_generation_info: dict[str, Any] | None
    ) -> ChatGenerationChunk | None:
        if chunk.get("error"):
            raise error_from_body(chunk["error"], status=200, in_body=True)
        generation = super()._convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)
        if generation is not None and chunk.get("usage"):
            generation.message.response_metadata["openrouter"] = _openrouter_info(chunk)
        return generation

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            return super()._generate(messages, stop, run_manager, **kwargs)
        except Exception as exc:
            typed = to_openrouter_error(exc)
            if typed is None or typed is exc:
                raise
            raise typed from exc

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        except Exception as exc:
            typed = to_openrouter_error(exc)
            if typed is None or typed is exc:
                raise
            raise typed from exc

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        try:
            yield from super()._stream(messages, stop, run_manager, **kwargs)
        except Exception as exc:
            typed = to_openrouter_error(exc)
            if typed is None or typed is exc:
                raise
            raise typed from exc

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        try:
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk
        except Exception as exc:
            typed = to_openrouter_error(exc)
            if typed is None or typed is exc:
                raise
            raise typed from exc


def attribution_headers(app_url: str | None, app_title: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if app_url:
        headers["HTTP-Referer"] = app_url
    if app_title:
        headers["X-OpenRouter-Title"] = app_title
        headers["X-Title"] = app_title  # legacy name, still read by OpenRouter
    return headers


def make_openrouter_chat_model(
    api_key: str | SecretStr,
    base_url: str = OPENROUTER_BASE_URL,
    model: str = "deepseek/deepseek-v3.2",
    fallback_models: Sequence[str] = (),
    timeout: float = 30.0,
    app_url: str | None = None,
    app_title: str | None = None,
    max_retries: int = 2,
    *,
    temperature: float | None = None,
    max_tokens: int | None = None,
    reasoning_enabled: bool | None = None,
    streaming: bool = False,
    extra_body: dict[str, Any] | None = None,
) -> OpenRouterChatModel:
    """A ChatOpenAI for OpenRouter. ``fallback_models`` are tried by OpenRouter after ``model`` fails."""
    body: dict[str, Any] = dict(extra_body or {})
    models = [model, *(m for m in fallback_models if m != model)]
    if len(models) > 1:
        body["models"] = models
    if reasoning_enabled is not None:
        body["reasoning"] = {"enabled": reasoning_enabled}
    secret = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
    optional: dict[str, Any] = {}
    if streaming:  # passing streaming=False explicitly would hard-disable .astream()
        optional["streaming"] = True
    return OpenRouterChatModel(
        **optional,
        model=model,
        api_key=secret,
        base_url=base_url.rstrip("/"),
        timeout=timeout,
        max_retries=max_retries,
        default_headers=attribution_headers(app_url, app_title) or None,
        extra_body=body or None,
        stream_usage=True,
        temperature=temperature,
        max_tokens=max_tokens,
    )
