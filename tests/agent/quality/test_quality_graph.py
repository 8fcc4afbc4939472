"""The quality graph end to end on a conversation stored in Postgres: loaded, reviewed, stored, re-reviewed."""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from agent.quality.context import QualityContext
from agent.quality.judge import ModelJudge
from graphs.quality import graph
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from server.desk.quality import QualityStore
from tests.agent.quality.build import BAD_EN, GOOD_EN, store_transcript
from tests.support.live import live_server
from tools.llm.openrouter import make_openrouter_chat_model


async def test_the_graph_reviews_a_stored_conversation_and_stores_the_review(pool: AsyncConnectionPool[Any]) -> None:
    store = QualityStore(pool)
    bad = await store_transcript(pool, BAD_EN, chat_id="971500000001")
    good = await store_transcript(pool, GOOD_EN, chat_id="971500000002")
    context = QualityContext(store=store)
    out_bad = await graph.ainvoke({"conversation_id": bad}, context=context)
    out_good = await graph.ainvoke({"conversation_id": good}, context=context)
    assert out_bad["error"] is None
    assert out_bad["revision"] == 1
    assert out_bad["review"]["share"] < out_good["review"]["share"] == 1.0
    stored = await store.review(bad, 1, "offline")
    assert stored is not None
    assert stored.review.score("no_invented_facts").score == 0
    first_id = stored.review.first_message_id
    assert first_id is not None
    # the evidence points at the stored messages: the second message of the chat invented a price
    assert stored.review.score("no_invented_facts").evidence == (first_id + 1,)
    again = await graph.ainvoke({"conversation_id": bad}, context=context)
    assert again["revision"] == 2
    assert len(await store.reviews(bad)) == 1  # a re-review replaces the row


async def test_a_conversation_that_does_not_exist_ends_with_an_error_and_stores_nothing(
    pool: AsyncConnectionPool[Any],
) -> None:
    store = QualityStore(pool)
    out = await graph.ainvoke({"conversation_id": 424242}, context=QualityContext(store=store))
    assert out["review"] is None
    assert "424242" in (out["error"] or "")
    assert await store.reviews() == []


async def test_a_failing_judge_ends_the_run_with_its_error_and_keeps_the_earlier_review(
    pool: AsyncConnectionPool[Any],
) -> None:
    store = QualityStore(pool)
    conversation = await store_transcript(pool, GOOD_EN)
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        chat = make_openrouter_chat_model(
            DEMO_OPENROUTER_KEY, base_url=f"{server.url}/api/v1", model="openai/gpt-4o-mini", max_retries=0
        )
        judge = ModelJudge(chat, "openai/gpt-4o-mini")
        fake.script_tool_call("Verdict", {"rules": [{"rule": "greet_by_name", "score": 2}], "summary": "Fine."})
        first = await graph.ainvoke(
            {"conversation_id": conversation}, context=QualityContext(reviewer=judge, store=store)
        )
        fake.script_error(503)
        failed = await graph.ainvoke(
            {"conversation_id": conversation}, context=QualityContext(reviewer=judge, store=store)
        )
    assert first["revision"] == 1
    assert failed["review"] is None
    assert "OpenRouter error 503" in (failed["error"] or "")
    kept = await store.review(conversation, 1, "llm:openai/gpt-4o-mini")
    assert kept is not None
    assert kept.revision == 1
    assert kept.review.summary == "Fine."


async def test_a_transcript_given_in_the_input_is_reviewed_without_a_store() -> None:
    out = await graph.ainvoke(
        {"conversation_id": 1, "transcript": BAD_EN.model_dump(mode="json")}, context=QualityContext()
    )
    assert out["review"]["reviewer"] == "offline"
    assert out["revision"] is None


def test_studio_finds_the_quality_graph_and_the_eval_judge_grades_the_same_checklist() -> None:
    import json
    from pathlib import Path

    from agent.quality.checklist import load_checklist
    from evals.judge import load_checklist as eval_checklist

    root = Path(__file__).resolve().parents[3]
    declared = json.loads((root / "langgraph.json").read_text(encoding="utf-8"))["graphs"]
    assert declared["quality"] == "./graphs/quality.py:graph"
    assert graph.name == "quality"
    assert {"load", "review", "store"} <= set(graph.get_graph().nodes)
    assert graph.get_input_jsonschema()["required"] == ["conversation_id"]  # Studio's input form
    product = [(r.id, r.points, r.text) for r in load_checklist().rules]
    assert [(r.id, r.points, r.text) for r in eval_checklist().rules] == product
