"""The quality store on real Postgres: transcripts loaded from the messages table (episodes, facts,
escalations), reviews saved, replaced on re-review and read back; a real turn records its facts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from psycopg_pool import AsyncConnectionPool

from agent.context import Context
from agent.models.offline import OfflineModel
from agent.quality.offline import OfflineReviewer
from graphs.sales import builder
from server.desk.quality import QualityStore
from server.worker.jobs.quality_review import QualityReviewer
from server.worker.turns import GraphTurnRunner, complete_turn, open_turn
from tests.agent.quality.build import BAD_EN, CHAIRS, GOOD_EN, START, store_transcript, transcript
from tests.support.conversation import Services, demo_services

reviewer = OfflineReviewer()


async def test_a_transcript_comes_back_as_it_was_stored(pool: AsyncConnectionPool[Any]) -> None:
    conversation = await store_transcript(pool, BAD_EN)
    loaded = await QualityStore(pool).load_transcript(conversation)
    assert loaded is not None
    assert loaded.conversation_id == conversation
    assert loaded.episode == 1
    assert [(m.author, m.text) for m in loaded.messages] == [(m.author, m.text) for m in BAD_EN.messages]
    assert [m.id for m in loaded.messages] == sorted(m.id for m in loaded.messages)
    assert loaded.messages[1].facts == CHAIRS
    assert loaded.messages[0].facts is None  # a customer's message has none


async def test_a_long_silence_starts_a_new_episode_and_escalations_belong_to_theirs(
    pool: AsyncConnectionPool[Any],
) -> None:
    t = transcript(
        ("customer", "Hi, chairs?"),
        ("bot", "Hello! Which kind of chair do you need?", {}),
        ("customer", "Never mind"),
        ("customer", "Hello again, the chairs you delivered are broken"),
        ("escalation", "complaint"),
        ("bot", "I'm so sorry. A manager will call you today.", {}),
    )
    # the fourth message comes three days after the third
    later = t.model_copy(
        update={
            "messages": tuple(
                m.model_copy(update={"at": m.at + timedelta(days=3)}) if m.id >= 4 and m.at else m for m in t.messages
            )
        }
    )
    conversation = await store_transcript(pool, later)
    store = QualityStore(pool)
    assert await store.episodes(conversation) == [1, 2]
    first = await store.load_transcript(conversation, 1)
    latest = await store.load_transcript(conversation)
    assert first is not None
    assert latest is not None
    assert [m.text for m in first.messages] == ["Hi, chairs?", "Hello! Which kind of chair do you need?", "Never mind"]
    assert first.escalations == ()
    assert latest.episode == 2
    assert latest.messages[0].text.startswith("Hello again")
    assert [e.reason for e in latest.escalations] == ["complaint"]
    assert latest.escalations[0].after_message_id == latest.messages[0].id
    assert await store.load_transcript(conversation, 3) is None
    assert await store.load_transcript(987654) is None


async def test_a_review_is_saved_replaced_on_re_review_and_read_back(pool: AsyncConnectionPool[Any]) -> None:
    store = QualityStore(pool)
    bad = await store_transcript(pool, BAD_EN, chat_id="971500000011")
    good = await store_transcript(pool, GOOD_EN, chat_id="971500000012")
    for conversation in (bad, good):
        loaded = await store.load_transcript(conversation)
        assert loaded is not None
        assert await store.save_review(reviewer.review_now(loaded)) == 1
    assert sorted(await store.to_review("offline")) == []
    assert sorted(await store.to_review("llm:some-model")) == sorted([bad, good])
    stored = await store.review(bad, 1, "offline")
    assert stored is not None
    loaded = await store.load_transcript(bad)
    assert loaded is not None
    assert stored.review.rules == reviewer.review_now(loaded).rules
    assert stored.review.total == reviewer.review_now(loaded).total
    low = await store.reviews(below_share=0.8)
    assert [r.review.conversation_id for r in low] == [bad]
    # the customer writes again: the conversation is due for review, and the re-review replaces the row
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, text, status, created_at)"
            " VALUES (%s, 'in', 'customer', 'Hello?', 'pending', %s)",
            (bad, START + timedelta(hours=1)),
        )
    assert await store.to_review("offline") == [bad]
    longer = await store.load_transcript(bad)
    assert longer is not None
    assert await store.save_review(reviewer.review_now(longer)) == 2
    rows = await store.reviews(bad)
    assert len(rows) == 1
    assert rows[0].revision == 2
    assert rows[0].review.last_message_id == longer.last_message_id
    assert await store.to_review("offline") == []


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    catalog, knowledge = await demo_services(tmp_path_factory.mktemp("quality-catalog"))
    yield catalog, knowledge
    catalog.close()


async def test_a_real_turn_records_its_facts_and_its_figures_review_as_grounded(
    pool: AsyncConnectionPool[Any], services: Services
) -> None:
    catalog, knowledge = services
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name)"
                " VALUES ('c', '971509999999', 'c:971509999999', 'Omar') RETURNING *"
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, text, provider_message_id, status)"
            " VALUES (%s, 'in', 'customer', %s, 'wa-1', 'pending')",
            (row["id"], "Hello, I need 8 ergonomic chairs, budget 6000 AED in total"),
        )
        turn = await open_turn(conn, row)
        assert turn is not None
        runner = GraphTurnRunner(
            builder.compile(checkpointer=InMemorySaver()),
            Context(model=OfflineModel(), catalog=catalog, knowledge=knowledge),
        )
        assert await complete_turn(conn, turn, await runner(turn))
    loaded = await QualityStore(pool).load_transcript(row["id"])
    assert loaded is not None
    reply = loaded.bot_messages()[0]
    assert reply.facts is not None
    assert reply.facts["options"]  # what the recommendation showed
    grounded = reviewer.review_now(loaded).score("no_invented_facts")
    assert grounded.score == 2
    assert "grounded" in grounded.note


async def test_the_workers_job_reviews_quiet_conversations_once_and_waits_for_active_ones(
    pool: AsyncConnectionPool[Any],
) -> None:
    store = QualityStore(pool)
    quiet = await store_transcript(pool, BAD_EN, chat_id="971500000021")  # messages from November: long quiet
    active = await store_transcript(pool, GOOD_EN, chat_id="971500000022", start=datetime.now(UTC))
    job = QualityReviewer(store, OfflineReviewer(), idle_seconds=30 * 60, poll_interval_seconds=60)

    assert await job.run_pass() is False  # one conversation was due, the batch was not full
    reviewed = await store.reviews(quiet)
    assert len(reviewed) == 1
    assert reviewed[0].review.reviewer == "offline"
    assert reviewed[0].review.total < reviewed[0].review.available  # the bad conversation lost points
    assert await store.reviews(active) == []  # still under way: reviewed when it goes quiet

    await job.run_pass()
    assert [r.revision for r in await store.reviews(quiet)] == [1]  # nothing new: not reviewed again


async def test_the_llm_judge_reviews_quiet_conversations_beside_the_offline_reviewer(
    pool: AsyncConnectionPool[Any],
) -> None:
    from agent.quality.checklist import load_checklist
    from agent.quality.judge import ModelJudge
    from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
    from tests.support.live import live_server
    from tools.llm.openrouter import make_openrouter_chat_model

    store = QualityStore(pool)
    quiet = await store_transcript(pool, GOOD_EN, chat_id="971500000031")
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        chat = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, base_url=f"{server.url}/api/v1", max_retries=0)
        judge = ModelJudge(chat, "openai/gpt-4o-mini")
        job = QualityReviewer(store, judge, idle_seconds=30 * 60, poll_interval_seconds=60)
        rules = [{"rule": r.id, "applicable": True, "score": r.points, "evidence": [1]} for r in load_checklist().rules]
        fake.script_tool_call("Verdict", {"rules": rules, "summary": "Clean."})
        assert await job.run_pass() is False  # the one quiet conversation, reviewed
        assert len(fake.chat_requests()) == 1
    by_reviewer = {r.review.reviewer: r.review for r in await store.reviews(quiet)}
    assert by_reviewer["llm:openai/gpt-4o-mini"].share == 1.0
    assert by_reviewer["llm:openai/gpt-4o-mini"].summary == "Clean."
