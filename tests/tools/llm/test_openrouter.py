"""The OpenRouter chat model end to end against the fake OpenRouter on loopback (real HTTP, real openai SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.support.live import LiveServer, live_server
from tools.llm.openrouter import (
    OpenRouterAuthError,
    OpenRouterBadRequest,
    OpenRouterChatModel,
    OpenRouterInsufficientCredits,
    OpenRouterRateLimited,
    OpenRouterUnavailable,
    extract_usage,
    make_openrouter_chat_model,
)

PRIMARY = "deepseek/deepseek-v3.2"
FALLBACK = "openai/gpt-4o-mini"
SYSTEM = "You are Noor, the sales assistant of Treejar, an office furniture store in Dubai."


@pytest.fixture(scope="module")
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture(scope="module")
def server(fake: FakeOpenRouter) -> Iterator[LiveServer]:
    with live_server(fake.app) as srv:
        yield srv


@pytest.fixture
def chat(server: LiveServer, fake: FakeOpenRouter) -> OpenRouterChatModel:
    fake.reset()
    return make_openrouter_chat_model(
        api_key=DEMO_OPENROUTER_KEY,
        base_url=f"{server.url}/api/v1",
        model=PRIMARY,
        fallback_models=[FALLBACK],
        timeout=5,
        app_url="https://noor.example.ae",
        app_title="Noor (Treejar)",
        max_retries=0,
    )


@tool
def check_stock(query: str, quantity: int = 1) -> str:
    """Live stock for a product by SKU or search text."""
    return f"{query}: 14 in stock (asked {quantity})"


class Intent(BaseModel):
    intent: Literal["greeting", "product_search", "price_stock", "complaint"]
    quantity: int | None = None
    categories: list[str] = Field(default_factory=list)
    budget_aed: float | None = None


async def test_plain_reply_usage_cost_and_request_shape(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    fake.script_text("Salam! How can I help with your office?")
    reply = await chat.ainvoke([SystemMessage(SYSTEM), HumanMessage("Hi")])
    assert isinstance(reply, AIMessage)
    assert reply.content == "Salam! How can I help with your office?"
    usage = extract_usage(reply)
    assert usage.model == PRIMARY
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.cost is not None
    assert usage.cost > 0
    assert usage.provider == "FakeProvider"
    assert (usage.generation_id or "").startswith("gen-")

    request = fake.last_chat
    assert request.system_prompt == SYSTEM
    assert request.body["model"] == PRIMARY
    assert request.body["models"] == [PRIMARY, FALLBACK]
    assert request.headers["http-referer"] == "https://noor.example.ae"
    assert request.headers["x-openrouter-title"] == "Noor (Treejar)"
    assert request.headers["authorization"] == f"Bearer {DEMO_OPENROUTER_KEY}"


async def test_tool_call_round_trip(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    model = chat.bind_tools([check_stock])
    fake.script_tool_call("check_stock", {"query": "mesh chair", "quantity": 10})
    fake.script_text("We have 14 mesh chairs in stock, enough for your 10.")
    messages = [SystemMessage(SYSTEM), HumanMessage("Do you have 10 mesh chairs?")]
    first = await model.ainvoke(messages)
    assert isinstance(first, AIMessage)
    assert first.tool_calls[0]["name"] == "check_stock"
    assert first.tool_calls[0]["args"] == {"query": "mesh chair", "quantity": 10}
    sent_tools = fake.last_chat.body["tools"]
    assert sent_tools[0]["function"]["name"] == "check_stock"
    assert sent_tools[0]["function"]["parameters"]["required"] == ["query"]

    result = check_stock.invoke(first.tool_calls[0]["args"])
    messages += [first, ToolMessage(result, tool_call_id=first.tool_calls[0]["id"])]
    final = await model.ainvoke(messages)
    assert "14" in str(final.content)
    sent = fake.last_chat.body["messages"]
    assert sent[-2]["tool_calls"][0]["id"] == first.tool_calls[0]["id"]
    assert sent[-1] == {"role": "tool", "tool_call_id": first.tool_calls[0]["id"], "content": result}


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
async def test_structured_output(
    chat: OpenRouterChatModel, fake: FakeOpenRouter, method: Literal["function_calling", "json_schema"]
) -> None:
    structured = chat.with_structured_output(Intent, method=method)
    # nothing scripted: the fake answers with the minimal valid object for the schema
    minimal = await structured.ainvoke([SystemMessage(SYSTEM), HumanMessage("hello")])
    assert isinstance(minimal, Intent)
    assert minimal.intent == "greeting"
    body = fake.last_chat.body
    if method == "json_schema":
        assert body["response_format"]["type"] == "json_schema"
        assert "intent" in body["response_format"]["json_schema"]["schema"]["properties"]
        fake.script_json({"intent": "product_search", "quantity": 8, "categories": ["chairs"], "budget_aed": 6000})
    else:
        assert body["tool_choice"]["function"]["name"] == "Intent"
        fake.script_tool_call(
            "Intent", {"intent": "product_search", "quantity": 8, "categories": ["chairs"], "budget_aed": 6000}
        )
    parsed = await structured.ainvoke([SystemMessage(SYSTEM), HumanMessage("8 ergonomic chairs, 6,000 AED total")])
    assert parsed == Intent(intent="product_search", quantity=8, categories=["chairs"], budget_aed=6000)
    assert fake.last_chat.system_prompt == SYSTEM


async def test_fallback_model_is_reported(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    fake.set_model_down(PRIMARY)
    reply = await chat.ainvoke([SystemMessage(SYSTEM), HumanMessage("Hi")])
    assert extract_usage(reply).model == FALLBACK
    assert fake.last_chat.model_used == FALLBACK
    fake.set_model_down(FALLBACK)
    with pytest.raises(OpenRouterUnavailable) as info:
        await chat.ainvoke([HumanMessage("Hi")])
    assert info.value.code == 502


async def test_402_and_429_are_typed(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    fake.script_error(402)
    with pytest.raises(OpenRouterInsufficientCredits) as credits:
        await chat.ainvoke([HumanMessage("Hi")])
    assert credits.value.code == 402
    assert not credits.value.retryable
    fake.script_error(429, "Rate limit exceeded", retry_after=7, metadata={"error_type": "rate_limit_exceeded"})
    with pytest.raises(OpenRouterRateLimited) as limited:
        await chat.ainvoke([HumanMessage("Hi")])
    assert limited.value.retry_after == 7
    assert limited.value.metadata == {"error_type": "rate_limit_exceeded"}
    assert limited.value.retryable


async def test_sdk_retries_a_429_before_surfacing(server: LiveServer, fake: FakeOpenRouter) -> None:
    fake.reset()
    chat = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, f"{server.url}/api/v1", PRIMARY, max_retries=1, timeout=5)
    fake.script_error(429, retry_after=0)
    fake.script_text("second time lucky")
    reply = await chat.ainvoke([HumanMessage("Hi")])
    assert reply.content == "second time lucky"
    assert len(fake.chat_requests()) == 2


async def test_error_inside_a_200_body_is_detected(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    fake.script_error(502, "Upstream provider crashed mid-generation", status=200)
    with pytest.raises(OpenRouterUnavailable) as info:
        await chat.ainvoke([HumanMessage("Hi")])
    assert info.value.in_body
    assert info.value.status == 200
    assert fake.last_chat.status == 200


async def test_other_errors(chat: OpenRouterChatModel, fake: FakeOpenRouter, server: LiveServer) -> None:
    bad_key = make_openrouter_chat_model("sk-or-v1-wrong", f"{server.url}/api/v1", PRIMARY, max_retries=0)
    with pytest.raises(OpenRouterAuthError):
        await bad_key.ainvoke([HumanMessage("Hi")])
    unknown = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, f"{server.url}/api/v1", "nope/model", max_retries=0)
    with pytest.raises(OpenRouterBadRequest):
        await unknown.ainvoke([HumanMessage("Hi")])


async def test_streaming_with_usage_in_the_last_chunk(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    fake.script_text("We deliver across the UAE within 3 to 5 working days.")
    chunks = [chunk async for chunk in chat.astream([SystemMessage(SYSTEM), HumanMessage("delivery?")])]
    assert len(chunks) > 3
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    assert total.content == "We deliver across the UAE within 3 to 5 working days."
    usage = extract_usage(total)
    assert usage.cost is not None
    assert usage.model == PRIMARY
    assert total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] == usage.completion_tokens
    assert fake.last_chat.body["stream"] is True


async def test_streamed_tool_call_and_mid_stream_error(chat: OpenRouterChatModel, fake: FakeOpenRouter) -> None:
    model = chat.bind_tools([check_stock])
    fake.script_tool_call("check_stock", {"query": "TJ-CH-0042", "quantity": 12})
    total: AIMessageChunk | None = None
    async for chunk in model.astream([HumanMessage("stock of TJ-CH-0042?")]):
        assert isinstance(chunk, AIMessageChunk)
        total = chunk if total is None else total + chunk
    assert total is not None
    assert total.tool_calls[0]["args"] == {"query": "TJ-CH-0042", "quantity": 12}

    fake.script_error(502, "provider disconnected", status=200)
    with pytest.raises(OpenRouterUnavailable) as info:
        async for _ in chat.astream([HumanMessage("Hi")]):
            pass
    assert info.value.in_body


async def test_invalid_tool_arguments_surface_as_invalid_tool_calls(
    chat: OpenRouterChatModel, fake: FakeOpenRouter
) -> None:
    fake.script_tool_call("check_stock", '{"query": "mesh chair", "quantity": ')  # truncated JSON
    reply = await chat.bind_tools([check_stock]).ainvoke([HumanMessage("stock?")])
    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == []
    assert reply.invalid_tool_calls[0]["name"] == "check_stock"


async def test_timeout_is_typed(server: LiveServer, fake: FakeOpenRouter) -> None:
    from sandbox.openrouter import ScriptedReply
    from tools.llm.openrouter import OpenRouterTimeout

    fake.reset()
    slow = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, f"{server.url}/api/v1", PRIMARY, timeout=0.3, max_retries=0)
    fake.script(ScriptedReply(content="too late", delay_seconds=1.0))
    with pytest.raises(OpenRouterTimeout):
        await slow.ainvoke([HumanMessage("Hi")])


async def test_works_through_the_service_mount_prefix(fake: FakeOpenRouter) -> None:
    from fastapi import FastAPI

    service = FastAPI()
    service.mount("/sandbox/openrouter", fake.app)
    fake.reset()
    with live_server(service) as mounted:
        chat = make_openrouter_chat_model(
            DEMO_OPENROUTER_KEY, f"{mounted.url}/sandbox/openrouter/api/v1", PRIMARY, max_retries=0
        )
        reply = await chat.ainvoke([SystemMessage(SYSTEM), HumanMessage("Hi")])
    assert reply.content == "Noted: Hi"
    assert fake.last_chat.path == "/sandbox/openrouter/api/v1/chat/completions"
    assert fake.last_chat.system_prompt == SYSTEM
