"""The oracle model mode against the whole service: Noor's OpenRouter path (ChatOpenAI structured output over
HTTP) talks to the fake OpenRouter it mounts, which understands from the scenarios' gold labels and words
replies as the offline model does.

The labels here deliberately disagree with what the offline rules read, so a passing test shows the graph
decided from the label, not from the words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from evals.oracle import Oracle
from evals.runner import RunOptions, run_scenarios
from evals.scenario import Scenario
from evals.service import EvalService
from sandbox.openrouter import FakeOpenRouter
from tests.support import db


def scenario(id: str, turns: list[dict[str, object]], expect: dict[str, object] | None = None) -> Scenario:
    return Scenario.model_validate({"id": id, "title": id, "language": "en", "turns": turns, "expect": expect or {}})


# "Good morning" is a greeting to the offline rules; its label asks for the price and stock of a product code.
PRICE = scenario(
    "oracle.price",
    [
        {
            "say": "Good morning",
            "understanding": {"intents": ["price_stock"], "slots": {"skus": ["MC-AIRO-MB-BLK"]}},
            "expect": {"replies": 1, "contains_all": ["433.50", "MC-AIRO-MB-BLK"], "intent": "price_stock"},
        }
    ],
    {"trajectory": {"fact_kinds": ["sku_info"]}, "replies": {"grounded_numbers": True}},
)
# The same words in another conversation, after a greeting: a greeting there (the oracle tells them apart by
# the conversation before them).
GREETING_FIRST = scenario(
    "oracle.same_words",
    [
        {"say": "Hi", "understanding": {"intents": ["greeting"]}},
        {"say": "Good morning", "understanding": {"intents": ["greeting"]}, "expect": {"replies": 1}},
    ],
    {"outcome": {"no_escalation": True}},
)
# A voice note: the fake speech-to-text returns its transcript, the oracle its label.
VOICE = scenario(
    "oracle.voice",
    [
        {
            "voice": "voice_en_chairs.ogg",
            "transcript": "Price and stock of MC-AIRO-MB-BLK please",
            "understanding": {"intents": ["price_stock"], "slots": {"skus": ["MC-AIRO-MB-BLK"]}},
            "expect": {"replies": 1, "contains_all": ["433.50", "MC-AIRO-MB-BLK"], "intent": "price_stock"},
        }
    ],
    {"trajectory": {"fact_kinds": ["sku_info"]}},
)
# No label: the service's fallback (the offline model) understands it, and the customer is answered.
UNLABELLED = scenario(
    "oracle.unlabelled", [{"say": "Hello there, friend", "expect": {"replies": 1, "contains_any": ["Noor"]}}]
)
ORACLE = Oracle([PRICE, GREETING_FIRST, VOICE])


@pytest.fixture(scope="module")
async def service(
    test_databases: db.TestDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EvalService]:
    async with EvalService(
        None,
        worker="inline",
        oracle=ORACLE,
        database_url=test_databases.fresh(),
        data_dir=tmp_path_factory.mktemp("evals"),
    ) as started:
        await run_scenarios(started, [UNLABELLED], RunOptions())  # warm-up: first-turn loading
        yield started


def fake_openrouter(service: EvalService) -> FakeOpenRouter:
    assert service.app is not None
    fake: FakeOpenRouter = service.app.state.sandbox.openrouter
    return fake


async def test_the_graph_decides_from_the_gold_label_through_the_openrouter_path(service: EvalService) -> None:
    run = await run_scenarios(service, [PRICE, GREETING_FIRST], RunOptions(model_name="oracle"))
    failures = {s.id: [c.name for t in s.trials for c in t.failures] for s in run.scenarios}
    assert failures == {"oracle.price": [], "oracle.same_words": []}
    understand = [r for r in fake_openrouter(service).chat_requests() if "Understanding" in str(r.body.get("tools"))]
    answered = [r for r in understand if r.status == 200]  # an unlabelled warm-up "Hello" is refused (400)
    assert answered, "the service asked the fake OpenRouter to understand, and the oracle answered"
    assert all(r.body.get("tool_choice", {}).get("function", {}).get("name") == "Understanding" for r in answered)
    assert {"oracle.price turn 1", "oracle.same_words turn 2"} <= set(ORACLE.hits)


async def test_replies_are_worded_as_the_offline_model_words_them(service: EvalService) -> None:
    run = await run_scenarios(service, [GREETING_FIRST], RunOptions(model_name="oracle"))
    replies = [r for t in run.scenarios[0].trials[0].turns for r in t.replies]
    assert replies[0].startswith("Hello, Customer! 👋 I'm Noor from Treejar")
    written = [
        r for r in fake_openrouter(service).chat_requests() if "Write the next reply" in str(r.body.get("messages"))
    ]
    assert written
    assert all(r.status == 200 for r in written)


async def test_a_voice_note_is_transcribed_and_understood_from_the_scenario(service: EvalService) -> None:
    run = await run_scenarios(service, [VOICE], RunOptions(model_name="oracle"))
    assert [c.name for t in run.scenarios[0].trials for c in t.failures] == []


async def test_a_turn_without_a_label_is_understood_by_the_fallback_and_answered(service: EvalService) -> None:
    run = await run_scenarios(service, [UNLABELLED], RunOptions(model_name="oracle"))
    assert [c.name for t in run.scenarios[0].trials for c in t.failures] == []
    assert "Hello there, friend" in ORACLE.misses
