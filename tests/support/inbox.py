"""Helpers for the managers' inbox tests: sign in over real HTTP, read CSRF tokens, escalate a conversation."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from psycopg.rows import dict_row

from agent.models.offline.understand import understand_text
from agent.policies.escalation import EscalationDecision, decide_escalation
from server.desk.escalations import OpenedEscalation, escalate

DEMO_PASSWORD = "noor-demo"
FATIMA = "fatima.alzarooni@treejar.com"
OMAR = "omar.alhashimi@treejar.com"
MONDAY_MORNING = datetime(2026, 9, 7, 10, 0, tzinfo=ZoneInfo("Asia/Dubai"))

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def sign_in(url: str, login: str = FATIMA, password: str = DEMO_PASSWORD) -> httpx.AsyncClient:
    """A browser-like client with a session cookie."""
    client = httpx.AsyncClient(base_url=url, timeout=30, follow_redirects=False)
    page = await client.get("/inbox/login")
    response = await client.post(
        "/inbox/login", data={"login": login, "password": password, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303, response.text
    return client


async def connect(database_url: str) -> psycopg.AsyncConnection[dict[str, Any]]:
    return await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row)


async def conversation_id(database_url: str, chat_id: str) -> int:
    async with await connect(database_url) as conn:
        row = await (await conn.execute("SELECT id FROM conversations WHERE chat_id = %s", (chat_id,))).fetchone()
    assert row is not None, f"no conversation for {chat_id}"
    return int(row["id"])


async def wait_answered(database_url: str, chat_id: str, timeout: float = 10.0) -> None:
    """Until no customer message of the chat is waiting for a turn (the bot answered, or chose not to)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with await connect(database_url) as conn:
            row = await (
                await conn.execute(
                    "SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                    " WHERE c.chat_id = %s AND m.status = 'pending'",
                    (chat_id,),
                )
            ).fetchone()
        if row is not None and row["n"] == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"chat {chat_id} still has pending messages")


async def escalate_chat(
    database_url: str,
    chat_id: str,
    text: str,
    *,
    language: str = "en",
    categories: tuple[str, ...] = (),
    summary: str | None = None,
) -> OpenedEscalation:
    """What the graph's escalate step does: decide in code, then open the episode in the database."""
    decision: EscalationDecision | None = decide_escalation(understand_text(text))
    assert decision is not None, text
    conversation = await conversation_id(database_url, chat_id)
    async with await connect(database_url) as conn:
        return await escalate(
            conn,
            conversation,
            decision,
            summary=summary,
            language=language,
            categories=categories,
            now=MONDAY_MORNING,
        )


async def graph_escalation(database_url: str, chat_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """The escalation the sales graph opened for the chat (waits for it): id, conversation, reason, manager."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with await connect(database_url) as conn:
            row = await (
                await conn.execute(
                    "SELECT e.id, e.conversation_id, e.reason, e.manager_id, e.episode, m.email, m.telegram_chat_id"
                    " FROM escalations e JOIN conversations c ON c.id = e.conversation_id"
                    " LEFT JOIN managers m ON m.id = e.manager_id"
                    " WHERE c.chat_id = %s AND e.resolved_at IS NULL",
                    (chat_id,),
                )
            ).fetchone()
        if row is not None:
            return dict(row)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no open escalation for chat {chat_id}")


async def escalations_of(database_url: str, chat_id: str) -> list[dict[str, Any]]:
    """Every escalation episode of the chat, oldest first: reason and episode number."""
    async with await connect(database_url) as conn:
        rows = await (
            await conn.execute(
                "SELECT e.reason, e.episode FROM escalations e JOIN conversations c ON c.id = e.conversation_id"
                " WHERE c.chat_id = %s ORDER BY e.id",
                (chat_id,),
            )
        ).fetchall()
    return [dict(r) for r in rows]


async def wait_catalog_synced(database_url: str, timeout: float = 60.0) -> None:
    """Until the worker's first full catalog sync from the fake Zoho is done (it indexes as it goes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with await connect(database_url) as conn:
            synced = await (
                await conn.execute("SELECT 1 FROM catalog_sync_state WHERE last_full_sync_at IS NOT NULL")
            ).fetchone()
        if synced:
            return
        await asyncio.sleep(0.1)
