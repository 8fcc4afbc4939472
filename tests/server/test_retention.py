"""The retention job on real Postgres: superseded checkpoints go and the conversation carries on from what is
kept, a thread mid-turn is left alone; files past their age leave storage, their messages say so and the
routes answer 410 Gone."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg_pool import AsyncConnectionPool

from agent.context import Context
from agent.models.offline import OfflineModel
from agent.state import TurnInput
from graphs.sales import builder
from server.components.documents import DocumentLinks
from server.web.documents import router as documents_router
from server.web.media import media_router
from server.worker.dispatcher import LOCK_NAMESPACE
from server.worker.jobs.retention import RETENTION_LOCK, RetentionJob
from tests.support.conversation import demo_services
from tests.support.live import live_server
from tools.media import LocalMediaStore, MediaStore
from tools.storage import LocalObjectStore


@pytest.fixture(scope="module")
async def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    catalog, knowledge = await demo_services(tmp_path_factory.mktemp("catalog"))
    return Context(model=OfflineModel(), catalog=catalog, knowledge=knowledge)


def job(pool: AsyncConnectionPool[Any], tmp_path: Path, **overrides: Any) -> RetentionJob:
    values: dict[str, Any] = {"checkpoints_kept": 1, "media_retention_days": 0, "document_retention_days": 0}
    values.update(overrides)
    return RetentionJob(
        pool,
        LocalMediaStore(tmp_path / "media"),
        DocumentLinks(secret=b"s", store=LocalObjectStore(tmp_path / "documents"), base_url="http://noor.test"),
        **values,
    )


async def conversation(pool: AsyncConnectionPool[Any], chat: str) -> tuple[int, str]:
    thread = f"channel:{chat}"
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id) VALUES ('channel', %s, %s) RETURNING id",
                (chat, thread),
            )
        ).fetchone()
    assert row is not None
    return int(row["id"]), thread


class Chat:
    """Turns through the sales graph on the Postgres checkpointer, as the worker runs them."""

    def __init__(self, pool: AsyncConnectionPool[Any], context: Context, conversation_id: int, thread: str) -> None:
        self.pool = pool
        self.graph = builder.compile(checkpointer=AsyncPostgresSaver(pool))
        self.context = context
        self.conversation_id = conversation_id
        self.config: RunnableConfig = {"configurable": {"thread_id": thread}}
        self.thread = thread
        self.turns = 0

    async def say(self, text: str, *, finish: bool = True) -> None:
        self.turns += 1
        turn_id = f"{self.thread}:t{self.turns}"
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO turns (id, conversation_id, inbound_ids, finished_at)"
                " VALUES (%s, %s, '{}', CASE WHEN %s THEN now() END)",
                (turn_id, self.conversation_id, finish),
            )
        turn: TurnInput = {
            "turn_id": turn_id,
            "inbound": [{"message_id": f"m{self.turns}", "kind": "text", "text": text, "content_uri": None}],
            "customer_name": None,
        }
        await self.graph.ainvoke(turn, self.config, context=self.context, durability="exit")

    async def state(self, *keys: str) -> dict[str, Any]:
        values = (await self.graph.aget_state(self.config)).values
        return {key: values.get(key) for key in keys}

    async def said(self) -> list[str]:
        state = (await self.graph.aget_state(self.config)).values
        return [str(message.content) for message in state["messages"]]


async def stored(pool: AsyncConnectionPool[Any], thread: str) -> dict[str, int]:
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                """
                SELECT (SELECT count(*) FROM checkpoints WHERE thread_id = %(t)s) AS checkpoints,
                       (SELECT count(*) FROM checkpoint_writes WHERE thread_id = %(t)s) AS writes,
                       (SELECT count(*) FROM checkpoint_blobs WHERE thread_id = %(t)s) AS blobs,
                       (SELECT count(*) FROM checkpoint_blobs b WHERE b.thread_id = %(t)s AND NOT EXISTS (
                            SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id
                               AND c.checkpoint_ns = b.checkpoint_ns
                               AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)) AS orphans
                """,
                {"t": thread},
            )
        ).fetchone()
    assert row is not None
    return dict(row)


async def test_old_checkpoints_go_and_the_conversation_continues(
    pool: AsyncConnectionPool[Any], context: Context, tmp_path: Path
) -> None:
    await AsyncPostgresSaver(pool).setup()
    pruned = Chat(pool, context, *await conversation(pool, "971500016201"))
    control = Chat(pool, context, *await conversation(pool, "971500016204"))  # the same dialogue, never pruned
    for text in ("Hello", "I need 8 ergonomic chairs", "Do you deliver to Al Quoz?", "Thanks"):
        for chat in (pruned, control):
            await chat.say(text)
    before = await stored(pool, pruned.thread)
    assert before["checkpoints"] == 4  # one per turn (durability "exit", as the worker runs them)

    await job(pool, tmp_path, checkpoints_kept=1).prune_checkpoints()
    after = await stored(pool, pruned.thread)
    assert after["checkpoints"] == 1
    assert after["orphans"] == 0
    assert after["blobs"] < before["blobs"]
    assert after["writes"] <= before["writes"]
    assert await pruned.said() == await control.said()

    for chat in (pruned, control):  # the next turn builds on the same earlier dialogue state
        await chat.say("What about the chairs I asked about? Black ones please")
    assert await pruned.said() == await control.said()
    assert (await pruned.said())[-2] == "What about the chairs I asked about? Black ones please"
    state = await pruned.state("request", "summary")
    assert "I need 8 ergonomic chairs" in state["summary"]  # the first turns, summarised, survive the pruning
    assert "Black" in state["request"]["colors"]
    assert await pruned.state("cart", "request", "summary", "language") == await control.state(
        "cart", "request", "summary", "language"
    )


async def test_a_thread_mid_turn_or_claimed_is_left_alone(
    pool: AsyncConnectionPool[Any], context: Context, tmp_path: Path
) -> None:
    await AsyncPostgresSaver(pool).setup()
    unfinished = Chat(pool, context, *await conversation(pool, "971500016202"))
    await unfinished.say("Hello")
    await unfinished.say("I need a desk", finish=False)  # the worker died before the turn was committed
    claimed = Chat(pool, context, *await conversation(pool, "971500016203"))
    for text in ("Hello", "I need a desk"):
        await claimed.say(text)
    before = {thread: await stored(pool, thread) for thread in (unfinished.thread, claimed.thread)}

    async with pool.connection() as lock:  # a worker holds the conversation: a turn is running
        await lock.execute("SELECT pg_advisory_lock(%s)", (LOCK_NAMESPACE | claimed.conversation_id,))
        await job(pool, tmp_path).run_pass()
        await lock.execute("SELECT pg_advisory_unlock(%s)", (LOCK_NAMESPACE | claimed.conversation_id,))
    assert {thread: await stored(pool, thread) for thread in before} == before

    await job(pool, tmp_path).run_pass()  # the claim is over: now it is pruned
    assert (await stored(pool, claimed.thread))["checkpoints"] == 1
    assert await stored(pool, unfinished.thread) == before[unfinished.thread]


async def media_row(pool: AsyncConnectionPool[Any], store: MediaStore, data: bytes, age_days: float) -> int:
    conversation_id, _ = await conversation(pool, f"97150001{hashlib.sha256(data).hexdigest()[:4]}{age_days:g}")
    key = await store.put(data, content_type="application/pdf")
    async with pool.connection() as conn:
        message = await (
            await conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, kind, status)"
                " VALUES (%s, 'in', 'customer', 'document', 'answered') RETURNING id",
                (conversation_id,),
            )
        ).fetchone()
        assert message is not None
        row = await (
            await conn.execute(
                "INSERT INTO media (message_id, conversation_id, kind, source_uri, status, sha256, content_type,"
                " file_name, storage, storage_key, downloaded_at) VALUES (%s, %s, 'document', 'https://x/y', "
                " 'downloaded', %s, 'application/pdf', 'plan.pdf', 'local', %s, now() - make_interval(days => %s))"
                " RETURNING id",
                (message["id"], conversation_id, key, key, int(age_days)),
            )
        ).fetchone()
    assert row is not None
    return int(row["id"])


def manager_only() -> None:
    """The managers' guard, always passing here: the route's answer is what is tested."""


async def test_files_past_their_age_are_deleted_and_answer_410(pool: AsyncConnectionPool[Any], tmp_path: Path) -> None:
    retention = job(pool, tmp_path, checkpoints_kept=0, media_retention_days=30, document_retention_days=90)
    old_plan, shared, fresh = b"%PDF-1.4 old plan", b"%PDF-1.4 sent twice", b"%PDF-1.4 new plan"
    expired_id = await media_row(pool, retention.media, old_plan, 40)
    shared_old_id = await media_row(pool, retention.media, shared, 40)
    await media_row(pool, retention.media, shared, 1)  # the same file again, recently: its bytes must stay
    fresh_id = await media_row(pool, retention.media, fresh, 1)
    quotes_conversation, _ = await conversation(pool, "1")
    async with pool.connection() as conn:
        for quote_id, age in (("WA-1-Q1", 100), ("WA-1-Q2", 10)):
            await conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, kind, content_uri, status)"
                " VALUES (%s, 'out', 'bot', 'document', %s, 'sent')",
                (quotes_conversation, retention.documents.url(quote_id)),
            )
            path = await retention.documents.save(quote_id, b"%PDF-1.4 " + quote_id.encode())
            await conn.execute(
                "INSERT INTO quotes (quote_id, thread_id, seq, pdf_path, updated_at)"
                " VALUES (%s, 'channel:1', %s, %s, now() - make_interval(days => %s))",
                (quote_id, int(quote_id[-1]), path, age),
            )

    async with pool.connection() as other_worker:  # another worker process is doing the pass: this one waits
        await other_worker.execute("SELECT pg_advisory_lock(%s)", (RETENTION_LOCK,))
        await retention.run_pass()
        await other_worker.execute("SELECT pg_advisory_unlock(%s)", (RETENTION_LOCK,))
    assert await retention.media.exists(hashlib.sha256(old_plan).hexdigest())

    await retention.run_pass()
    assert not await retention.media.exists(hashlib.sha256(old_plan).hexdigest())
    assert await retention.media.exists(hashlib.sha256(shared).hexdigest())
    assert await retention.media.exists(hashlib.sha256(fresh).hexdigest())
    assert await retention.documents.load("WA-1-Q1") is None
    assert await retention.documents.load("WA-1-Q2") is not None
    async with pool.connection() as conn:
        expired = await (await conn.execute("SELECT id FROM media WHERE expired_at IS NOT NULL ORDER BY id")).fetchall()
        quotes = await (await conn.execute("SELECT quote_id FROM quotes WHERE pdf_expired_at IS NOT NULL")).fetchall()
        sent = await (
            await conn.execute(
                "SELECT content_uri FROM messages WHERE conversation_id = %s AND file_expired_at IS NOT NULL",
                (quotes_conversation,),
            )
        ).fetchall()
    assert [row["id"] for row in expired] == [expired_id, shared_old_id]
    assert [row["quote_id"] for row in quotes] == ["WA-1-Q1"]
    assert [retention.documents.linked_document(row["content_uri"]) for row in sent] == ["WA-1-Q1"]
    await retention.run_pass()  # nothing more is due: a second pass changes nothing

    app = FastAPI()
    app.include_router(media_router(retention.media, manager_only, get_pool=lambda _: pool))
    app.include_router(documents_router)
    app.state.documents = retention.documents
    app.state.services = type("Services", (), {"pool": pool})()
    with live_server(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            gone = await http.get(f"/media/{expired_id}")
            assert gone.status_code == 410
            assert gone.json()["error"] == "expired"
            assert "retention" in gone.json()["detail"]
            assert (await http.get(f"/media/{fresh_id}")).content == fresh
            pdf = await http.get(f"/documents/{retention.documents.sign('WA-1-Q1')}")
            assert pdf.status_code == 410
            assert "retention period" in pdf.json()["detail"]
            assert (await http.get(f"/documents/{retention.documents.sign('WA-1-Q2')}")).status_code == 200
