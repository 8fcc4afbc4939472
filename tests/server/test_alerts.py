"""Escalation alerts to the fake Telegram over real HTTP: once per escalation across dispatchers, 429 waited out,
HTML escaped, at most 4096 characters, failures recorded; and escalate() routing and episodes in Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from agent.policies.escalation import decide_escalation
from sandbox.seed import demo_managers
from sandbox.telegram import DEMO_TOKEN, FakeTelegram
from server.desk.escalations import escalate, hand_back, take_thread
from server.desk.managers import authenticate, seed_managers, verify_password
from server.worker.jobs.alerts import AlertDispatcher, escalation_files, send_escalation_alert
from tests.support.inbox import MONDAY_MORNING
from tests.support.live import LiveServer, live_server
from tools.telegram import TelegramClient

FATIMA_CHAT = 7012345678
BASE = "https://noor.example.ae"


@pytest.fixture(scope="module")
def telegram() -> Iterator[tuple[FakeTelegram, LiveServer]]:
    fake = FakeTelegram(flood_interval_seconds=None)
    with live_server(fake.app) as server:
        yield fake, server


@pytest.fixture
def fake(telegram: tuple[FakeTelegram, LiveServer]) -> FakeTelegram:
    telegram[0].reset()
    telegram[0].set_flood(burst=3, interval_seconds=None)
    return telegram[0]


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(telegram: tuple[FakeTelegram, LiveServer], sleeps: Sleeps) -> Any:
    http = httpx.AsyncClient(timeout=10)
    yield TelegramClient(telegram[1].url, DEMO_TOKEN, http, sleep=sleeps)
    await http.aclose()


async def _conversation(pool: AsyncConnectionPool[Any], chat_id: str, name: str = "Ahmed") -> int:
    async with pool.connection() as conn:
        await seed_managers(conn, demo_managers(), demo_password=None)
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name, language)"
                " VALUES ('ch', %s, %s, %s, 'ar') RETURNING id",
                (chat_id, f"ch:{chat_id}", name),
            )
        ).fetchone()
        assert row is not None
        await conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, text, status) VALUES (%s, 'in', 'customer', %s,"
            " 'answered')",
            (row["id"], "الكرسي وصل مكسور، ابي استرجاع فلوسي"),
        )
        return int(row["id"])


async def _escalate(pool: AsyncConnectionPool[Any], conversation: int, **kwargs: Any) -> int:
    decision = decide_escalation("الكرسي وصل مكسور، ابي استرجاع فلوسي")
    assert decision is not None
    async with pool.connection() as conn:
        opened = await escalate(
            conn, conversation, decision, language="ar", categories=["Mesh Chairs"], now=MONDAY_MORNING, **kwargs
        )
    return opened.id


async def test_escalate_routes_takes_over_and_is_once_per_episode(pool: AsyncConnectionPool[Any]) -> None:
    conversation = await _conversation(pool, "971500007001")
    decision = decide_escalation("I want to speak to a manager")
    assert decision is not None
    async with pool.connection() as conn:
        first = await escalate(
            conn, conversation, decision, language="ar", categories=["Mesh Chairs"], now=MONDAY_MORNING
        )
        second = await escalate(conn, conversation, decision, language="ar", now=MONDAY_MORNING)
        assert first.created
        assert not second.created
        assert (first.episode, first.manager_id) == (1, "mgr_04")
        assert first.routing is not None
        assert first.routing.describe() == "on_shift, language, specialty"
        row = await (
            await conn.execute(
                "SELECT mode, mode_reason, assigned_manager_id FROM conversations WHERE id = %s", (conversation,)
            )
        ).fetchone()
        assert row == {"mode": "human", "mode_reason": "escalation:human_request", "assigned_manager_id": "mgr_04"}
        assert await hand_back(conn, conversation, "mgr_04", "done") is not None
        assert await hand_back(conn, conversation, "mgr_04", "twice") is None  # the bot already has it
        third = await escalate(conn, conversation, decision, language="ar", now=MONDAY_MORNING, take_over_now=False)
        assert (third.created, third.episode) == (True, 2)
        mode = await (await conn.execute("SELECT mode FROM conversations WHERE id = %s", (conversation,))).fetchone()
        assert mode == {"mode": "bot"}  # take_over_now=False: the caller flips the mode itself
        assert await take_thread(conn, conversation, "mgr_01") == third.id


async def test_the_load_moves_the_next_escalation_to_another_manager(pool: AsyncConnectionPool[Any]) -> None:
    conversations = [await _conversation(pool, f"97150000710{n}") for n in range(3)]
    async with pool.connection() as conn:
        await conn.execute("UPDATE managers SET max_open_chats = 1 WHERE id = 'mgr_04'")
    managers = [await _escalate(pool, c) for c in conversations]
    async with pool.connection() as conn:
        rows = await (
            await conn.execute("SELECT manager_id FROM escalations WHERE id = ANY(%s) ORDER BY id", (managers,))
        ).fetchall()
    # Fatima is full; then the lightest relative load among Arabic speakers on shift: Omar 0/30, then Yousef 0/15
    assert [r["manager_id"] for r in rows] == ["mgr_04", "mgr_01", "mgr_06"]


async def test_an_alert_is_sent_once_even_with_two_dispatchers(
    pool: AsyncConnectionPool[Any], fake: FakeTelegram, client: TelegramClient
) -> None:
    conversation = await _conversation(pool, "971500007010", name='<script>alert("x")</script> & Co')
    escalation = await _escalate(pool, conversation, summary="Wants a refund for 12 broken chairs <urgent>")
    first = AlertDispatcher(pool, client, BASE)
    second = AlertDispatcher(pool, client, BASE)
    results = await asyncio.gather(first.send_due(), second.send_due(), first.send_due())
    outcomes = [r.outcome for batch in results for r in batch]
    assert outcomes == ["sent"]
    # sending it directly again (a retry after a crash) is recognised by the dedupe row
    again = await send_escalation_alert(pool, client, escalation, BASE)
    assert again.outcome == "duplicate"
    sent = fake.sent_to(FATIMA_CHAT)
    assert len(sent) == 1
    item = sent[0].as_json()
    raw = item["raw_text"]
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; Co' in raw
    assert "&lt;urgent&gt;" in raw
    assert f'<a href="{BASE}/inbox/threads/{conversation}">Open the thread in the inbox</a>' in raw
    assert "Complaint, refund or damaged goods" in item["text"]
    assert "Language: Arabic" in item["text"]
    assert "Assigned to: Fatima Al Zarooni (on_shift, language, specialty)" in item["text"]
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT alert_status, alert_attempts, alert_sent_at FROM escalations WHERE id = %s", (escalation,)
            )
        ).fetchone()
        alert = await (
            await conn.execute(
                "SELECT status, chat_id, message_ids FROM alerts WHERE dedupe_key = %s", (f"escalation:{escalation}",)
            )
        ).fetchone()
    assert row is not None
    assert (row["alert_status"], row["alert_attempts"]) == ("sent", 1)
    assert alert == {"status": "sent", "chat_id": FATIMA_CHAT, "message_ids": [item["message_id"]]}


async def test_429_retry_after_is_respected(
    pool: AsyncConnectionPool[Any], fake: FakeTelegram, client: TelegramClient, sleeps: Sleeps
) -> None:
    conversation = await _conversation(pool, "971500007020")
    escalation = await _escalate(pool, conversation)
    fake.fail_next(429, "Too Many Requests: retry after 3", retry_after=3, method="sendMessage")
    result = await send_escalation_alert(pool, client, escalation, BASE)
    assert result.outcome == "sent"
    assert sleeps.calls == [3.0]
    assert len(fake.sent_to(FATIMA_CHAT)) == 1


async def test_a_long_retry_after_reschedules_and_a_blocked_bot_fails(
    pool: AsyncConnectionPool[Any], fake: FakeTelegram, client: TelegramClient
) -> None:
    conversation = await _conversation(pool, "971500007030")
    escalation = await _escalate(pool, conversation)
    fake.fail_next(429, "Too Many Requests: retry after 600", retry_after=600, method="sendMessage")
    result = await send_escalation_alert(pool, client, escalation, BASE)
    assert result.outcome == "retry"
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT alert_status, alert_next_attempt_at > now() + interval '500 seconds' AS later"
                " FROM escalations WHERE id = %s",
                (escalation,),
            )
        ).fetchone()
        assert row == {"alert_status": "pending", "later": True}
        claimed = await (await conn.execute("SELECT count(*) AS n FROM alerts")).fetchone()
        assert claimed == {"n": 0}  # the failed attempt released its key
    fake.block_chat(FATIMA_CHAT)
    failed = await send_escalation_alert(pool, client, escalation, BASE)
    assert failed.outcome == "failed"
    assert fake.sent_to(FATIMA_CHAT) == []


async def test_a_huge_summary_still_fits_one_message(
    pool: AsyncConnectionPool[Any], fake: FakeTelegram, client: TelegramClient
) -> None:
    conversation = await _conversation(pool, "971500007040", name="N" * 500)
    escalation = await _escalate(pool, conversation, summary="<&> " * 5000)
    assert (await send_escalation_alert(pool, client, escalation, BASE)).outcome == "sent"
    [item] = [s.as_json() for s in fake.sent_to(FATIMA_CHAT)]
    assert len(item["text"]) <= 4096
    assert item["text"].endswith("Open the thread in the inbox")


async def test_passwords_are_scrypt_hashed_and_kept_across_seeding(pool: AsyncConnectionPool[Any]) -> None:
    async with pool.connection() as conn:
        await seed_managers(conn, demo_managers(), demo_password="first")
        stored = await (await conn.execute("SELECT password_hash FROM managers WHERE id = 'mgr_01'")).fetchone()
        assert stored is not None
        assert stored["password_hash"].startswith("scrypt$16384$8$1$")
        assert verify_password("first", stored["password_hash"])
        assert not verify_password("First", stored["password_hash"])
        await seed_managers(conn, demo_managers(), demo_password="second")
        assert await authenticate(conn, "OMAR.ALHASHIMI@treejar.com", "first") is not None
        assert await authenticate(conn, "mgr_01", "second") is None
        assert await authenticate(conn, "nobody@treejar.com", "first") is None
        other = await (await conn.execute("SELECT password_hash FROM managers WHERE id = 'mgr_02'")).fetchone()
        assert other is not None
        assert other["password_hash"] != stored["password_hash"]  # salted


async def _media(
    pool: AsyncConnectionPool[Any], conversation: int, status: str, category: str | None, name: str | None, uri: str
) -> int:
    async with pool.connection() as conn:
        message = await (
            await conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, kind, content_uri, status)"
                " VALUES (%s, 'in', 'customer', 'document', %s, 'answered') RETURNING id",
                (conversation, uri),
            )
        ).fetchone()
        assert message is not None
        row = await (
            await conn.execute(
                "INSERT INTO media (message_id, conversation_id, kind, source_uri, status, category, file_name)"
                " VALUES (%s, %s, 'document', %s, %s, %s, %s) RETURNING id",
                (message["id"], conversation, uri, status, category, name),
            )
        ).fetchone()
    assert row is not None
    return int(row["id"])


async def test_an_alert_links_the_files_sent_for_the_escalation(
    pool: AsyncConnectionPool[Any], fake: FakeTelegram, client: TelegramClient
) -> None:
    conversation = await _conversation(pool, "971500007050")
    plan = await _media(pool, conversation, "downloaded", "floor_plan", "<b>plan</b> & co.pdf", "https://cdn.x/1")
    await _media(pool, conversation, "failed", None, None, "https://store.wazzup24.com/f/2?sig=a&b=c")
    escalation = await _escalate(pool, conversation)
    assert (await send_escalation_alert(pool, client, escalation, BASE)).outcome == "sent"
    [item] = [s.as_json() for s in fake.sent_to(FATIMA_CHAT)]
    raw = item["raw_text"]
    assert f'<a href="{BASE}/media/{plan}">&lt;b&gt;plan&lt;/b&gt; &amp; co.pdf</a> (floor plan)' in raw
    assert '⚠️ document could not be downloaded: <a href="https://store.wazzup24.com/f/2?sig=a&amp;b=c">' in raw
    assert raw.endswith("Open the thread in the inbox</a>")

    # a later escalation of the same conversation does not repeat the files of the first one
    async with pool.connection() as conn:
        await conn.execute("UPDATE escalations SET resolved_at = now() WHERE id = %s", (escalation,))
        second = await escalate(conn, conversation, _human_request(), language="ar", now=MONDAY_MORNING)
        assert second.created
        row = await (await conn.execute("SELECT * FROM escalations WHERE id = %s", (second.id,))).fetchone()
        assert row is not None
        assert await escalation_files(conn, dict(row)) == []


def _human_request() -> Any:
    decision = decide_escalation("I want to speak to a manager")
    assert decision is not None
    return decision
