"""Escalation through the webhook: the sales graph decides in code, opens the episode once, sends one holding
message and waits (a LangGraph interrupt); a hand-back or an idle timeout resumes it with what happened."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.types import StateSnapshot

from graphs.sales import builder
from server.desk.escalations import hand_back
from server.worker.jobs.idle_release import release_idle_threads
from tests.support.inbox import connect, escalations_of, graph_escalation, wait_answered
from tests.support.wazzup import NoorClient

HUMAN_REQUESTS = {
    "en": ("971500009101", "Can I talk to a real person please?"),
    "ar": ("971500009102", "أبي أكلم موظف لو سمحت"),
    "ru": ("971500009103", "Соедините меня с менеджером, пожалуйста"),
}


async def thread_state(database_url: str, chat_id: str) -> StateSnapshot:
    async with await connect(database_url) as conn:
        row = await (
            await conn.execute("SELECT thread_id FROM conversations WHERE chat_id = %s", (chat_id,))
        ).fetchone()
    assert row is not None
    async with AsyncPostgresSaver.from_conn_string(database_url) as saver:
        graph = builder.compile(checkpointer=saver)
        return await graph.aget_state({"configurable": {"thread_id": row["thread_id"]}})


async def conversation_row(database_url: str, chat_id: str) -> dict[str, Any]:
    async with await connect(database_url) as conn:
        row = await (
            await conn.execute("SELECT id, mode, mode_reason FROM conversations WHERE chat_id = %s", (chat_id,))
        ).fetchone()
    assert row is not None
    return dict(row)


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
async def test_asking_for_a_person_escalates_once_and_the_bot_then_stays_silent(
    noor: NoorClient, service_database_url: str, language: str
) -> None:
    chat, text = HUMAN_REQUESTS[language]
    await noor.say(chat, text)
    opened = await graph_escalation(service_database_url, chat)
    (holding,) = await noor.wait_for_replies(chat)
    assert opened["reason"] == "human_request"
    assert "AED" not in holding["text"]

    await noor.say(chat, "Hello? Anyone?")
    await wait_answered(service_database_url, chat)
    assert len(await noor.settle(chat, 0.8)) == 1  # at most one holding message
    assert await escalations_of(service_database_url, chat) == [{"reason": "human_request", "episode": 1}]
    assert (await conversation_row(service_database_url, chat))["mode"] == "human"

    # the thread waits at `human` with an Agent Inbox request (so Studio shows it interrupted)
    snapshot = await thread_state(service_database_url, chat)
    assert snapshot.next == ("human",)
    (request,) = snapshot.interrupts[0].value
    assert request["action_request"]["action"] == "take_over_conversation"
    assert request["action_request"]["args"]["reason"] == "human_request"
    assert request["config"]["allow_respond"] is True


async def test_a_bulk_enquiry_and_an_honest_no_match_are_not_escalated(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500009110"
    await noor.say(chat, "We need 50 mesh chairs for a call centre, what do you have?")
    await noor.wait_for_replies(chat)
    await noor.say(chat, "Do you sell laptops?")
    await noor.wait_for_replies(chat, 2)
    assert await escalations_of(service_database_url, chat) == []
    assert (await conversation_row(service_database_url, chat))["mode"] == "bot"


async def test_a_hand_back_resumes_the_graph_with_what_the_manager_said(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500009120"
    await noor.say(chat, "The desk arrived damaged, I want a refund")
    opened = await graph_escalation(service_database_url, chat)
    await noor.wait_for_replies(chat)
    assert opened["reason"] == "complaint"
    await noor.say(chat, "Please call me back")
    await wait_answered(service_database_url, chat)

    async with await connect(service_database_url) as conn:
        handback_id = await hand_back(
            conn, opened["conversation_id"], opened["manager_id"], "Replacement desk ships on Thursday."
        )
    assert handback_id is not None

    async def resumed() -> StateSnapshot:
        for _ in range(100):
            snapshot = await thread_state(service_database_url, chat)
            if not snapshot.interrupts:
                return snapshot
            await asyncio.sleep(0.1)
        raise AssertionError("the graph was not resumed")

    snapshot = await resumed()
    assert snapshot.values["escalation"]["active"] is False
    assert "complaint" in snapshot.values["escalation"]["handled"]
    context = str(snapshot.values["messages"][-1].content)
    assert "Replacement desk ships on Thursday." in context
    assert "Please call me back" in context  # what the customer said while the person held the thread

    await noor.say(chat, "Thanks. Also, do you have black mesh chairs?")
    replies = await noor.wait_for_replies(chat, 2)
    assert "AED" in replies[-1]["text"]
    assert len(await escalations_of(service_database_url, chat)) == 1


async def test_an_idle_human_thread_is_released_and_the_waiting_customer_answered(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500009130"
    await noor.say(chat, "I want to speak to a human agent")
    opened = await graph_escalation(service_database_url, chat)
    await noor.wait_for_replies(chat)
    await noor.say(chat, "Do you have white standing desks?")
    await wait_answered(service_database_url, chat)
    async with await connect(service_database_url) as conn:
        # nobody touched the thread for five hours
        await conn.execute(
            "UPDATE conversations SET mode_changed_at = now() - interval '5 hours' WHERE id = %s",
            (opened["conversation_id"],),
        )
        await conn.execute(
            "UPDATE messages SET created_at = now() - interval '5 hours' WHERE conversation_id = %s",
            (opened["conversation_id"],),
        )
        assert await release_idle_threads(conn, 4 * 3600) == [opened["conversation_id"]]
        assert await release_idle_threads(conn, 4 * 3600) == []
    replies = await noor.wait_for_replies(chat, 2, timeout=30)
    assert "AED" in replies[-1]["text"]  # the question left waiting is answered by the bot
    assert (await conversation_row(service_database_url, chat))["mode"] == "bot"
