"""Photo → search slots: the offline describer says "unknown"; the OpenRouter one against the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.support.live import LiveServer, live_server
from tests.tools.media import samples
from tools.media import ImageDescriber, OfflineImageDescriber, OpenRouterImageDescriber, VisionError


@pytest.fixture(scope="module")
def openrouter() -> Iterator[tuple[FakeOpenRouter, LiveServer]]:
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        yield fake, server


async def test_offline_describer_knows_nothing() -> None:
    describer = OfflineImageDescriber()
    assert isinstance(describer, ImageDescriber)
    slots = await describer.describe(samples.photo(), content_type="image/jpeg")
    assert (slots.category, slots.colour, slots.material, slots.style) == ("unknown",) * 4
    assert not slots.known
    assert slots.search_slots() == {}


async def test_openrouter_describer_request_and_slots(openrouter: tuple[FakeOpenRouter, LiveServer]) -> None:
    fake, server = openrouter
    fake.script_json(
        {
            "is_furniture": True,
            "category": "Office chair",
            "colour": "Red",
            "material": "fabric",
            "style": "unknown",
            "description": "A red fabric office chair.",
        }
    )
    describer = OpenRouterImageDescriber(f"{server.url}/api/v1", DEMO_OPENROUTER_KEY, model="google/gemini-2.5-flash")
    assert isinstance(describer, ImageDescriber)
    try:
        slots = await describer.describe(samples.photo(), content_type="image/jpeg", language="en")
    finally:
        await describer.aclose()
    assert slots.search_slots() == {"category": "office chair", "colour": "red", "material": "fabric"}
    assert slots.provider == "openrouter"
    assert slots.is_furniture is True
    body = fake.last_chat.body
    assert body["model"] == "google/gemini-2.5-flash"
    assert body["response_format"]["type"] == "json_schema"
    image_part = body["messages"][0]["content"][1]
    assert image_part["type"] == "image_url"
    assert image_part["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")


async def test_openrouter_describer_errors(openrouter: tuple[FakeOpenRouter, LiveServer]) -> None:
    fake, server = openrouter
    describer = OpenRouterImageDescriber(f"{server.url}/api/v1", DEMO_OPENROUTER_KEY)
    fake.script_error(402)
    with pytest.raises(VisionError, match="402"):
        await describer.describe(samples.photo(), content_type="image/jpeg")
    fake.script_text("not json at all")
    with pytest.raises(VisionError, match="unreadable"):
        await describer.describe(samples.photo(), content_type="image/jpeg")
    wrong_key = OpenRouterImageDescriber(f"{server.url}/api/v1", "sk-or-v1-wrong")
    with pytest.raises(VisionError, match="401"):
        await wrong_key.describe(samples.photo(), content_type="image/jpeg")
    await describer.aclose()
    await wrong_key.aclose()
