"""The message pipeline end to end: real HTTP into the webhook, real Postgres, the fake Wazzup."""

from __future__ import annotations

import asyncio
import time
from unittest.mock import ANY

import psycopg

from tests.support.wazzup import NoorClient, inbound


def transcript(database_url: str, chat_id: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT m.author, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.chat_id = %s ORDER BY m.id",
            (chat_id,),
        ).fetchall()
    return [(author, text) for author, text in rows]


async def test_a_text_gets_one_reply_in_the_senders_language(noor: NoorClient) -> None:
    await noor.say("971500000001", "Hello!")
    await noor.say("971500000002", "مرحبا")
    await noor.say("971500000003", "Здравствуйте")
    english, arabic, russian = [await noor.wait_for_replies(f"97150000000{n}") for n in (1, 2, 3)]
    assert "Noor" in english[0]["text"]
    assert "نور" in arabic[0]["text"]
    assert "Нур" in russian[0]["text"]
    for chat in ("971500000001", "971500000002", "971500000003"):
        assert len(await noor.settle(chat, 0.5)) == 1


async def test_the_same_payload_delivered_ten_times_concurrently_gets_one_reply(
    noor: NoorClient, service_database_url: str
) -> None:
    body = {"messages": [inbound("971500000010", "Hi")]}
    responses = await asyncio.gather(*(noor.webhook(body) for _ in range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    await noor.wait_for_replies("971500000010")
    assert len(await noor.settle("971500000010")) == 1
    assert transcript(service_database_url, "971500000010") == [("customer", "Hi"), ("bot", ANY)]


async def test_a_redelivery_with_altered_json_is_still_a_duplicate(noor: NoorClient, service_database_url: str) -> None:
    first = inbound("971500000011", "Hi", message_id="5d1c4a7e-0000-4000-8000-000000000011")
    altered = {**first, "dateTime": "2026-09-14T08:13:00.000", "contact": {"name": "Renamed"}}
    assert (await noor.webhook({"messages": [first]})).status_code == 200
    await noor.wait_for_replies("971500000011")
    assert (await noor.webhook({"messages": [altered]})).status_code == 200
    assert len(await noor.settle("971500000011")) == 1
    assert transcript(service_database_url, "971500000011") == [("customer", "Hi"), ("bot", ANY)]


async def test_a_burst_of_three_messages_gets_one_turn(noor: NoorClient, service_database_url: str) -> None:
    for text in ("Hello", "I need office chairs", "for 8 people"):
        await noor.say("971500000020", text)
        await asyncio.sleep(0.1)
    await noor.wait_for_replies("971500000020")
    assert len(await noor.settle("971500000020")) == 1
    with psycopg.connect(service_database_url) as conn:
        turns = conn.execute(
            "SELECT t.inbound_ids FROM turns t JOIN conversations c ON c.id = t.conversation_id"
            " WHERE c.chat_id = '971500000020'"
        ).fetchall()
    assert len(turns) == 1
    assert len(turns[0][0]) == 3


async def test_two_chats_progress_concurrently(noor: NoorClient) -> None:
    await asyncio.gather(noor.say("971500000030", "Hi"), noor.say("971500000031", "Hello"))
    first, second = await asyncio.gather(noor.wait_for_replies("971500000030"), noor.wait_for_replies("971500000031"))
    assert len(first) == len(second) == 1
    # Both replies were sent within one debounce window of each other: neither chat waited for the other.
    from datetime import datetime

    times = [datetime.fromisoformat(r[0]["receivedAt"].replace("Z", "+00:00")) for r in (first, second)]
    assert abs((times[0] - times[1]).total_seconds()) < 1.0


async def test_wrong_token_is_refused_with_403(noor: NoorClient) -> None:
    response = await noor.webhook({"messages": [inbound("971500000040", "Hi")]}, token="wrong")
    assert response.status_code == 403
    response = await noor.webhook({"messages": [inbound("971500000040", "Hi")]}, token="")
    assert response.status_code == 403
    assert await noor.settle("971500000040", 0.8) == []


async def test_the_registration_ping_gets_exactly_200(noor: NoorClient) -> None:
    response = await noor.webhook({"test": True})
    assert response.status_code == 200


async def test_malformed_bodies_get_clear_errors_and_the_service_stays_healthy(
    noor: NoorClient, service_database_url: str
) -> None:
    bad_json = await noor.webhook(None, raw=b'{"messages": [')
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == "malformed_json"
    not_object = await noor.webhook(["messages"])
    assert not_object.status_code == 400
    unknown = await noor.webhook({"somethingNew": {"x": 1}})
    assert unknown.status_code == 200
    mixed = await noor.webhook(
        {"messages": [{"messageId": "x"}, "nonsense", inbound("971500000050", "Hello")], "statuses": "bad"}
    )
    assert mixed.status_code == 200
    assert (await noor.health()).status_code == 200
    # The valid item in the mixed body was not lost; the bad ones are reported on the stored delivery.
    assert len(await noor.wait_for_replies("971500000050")) == 1
    with psycopg.connect(service_database_url) as conn:
        row = conn.execute(
            "SELECT report FROM webhook_deliveries WHERE body -> 'messages' -> 2 ->> 'chatId' = '971500000050'"
        ).fetchone()
    assert row is not None
    assert row[0]["outcomes"].count("invalid") == 2
    assert any("statuses must be a list" in error for error in row[0]["errors"])


def deliveries_of(database_url: str, chat_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM webhook_deliveries WHERE body::text LIKE %s", (f"%{chat_id}%",)
        ).fetchone()
    return int(row[0]) if row else 0


async def test_an_oversized_body_or_too_many_items_is_refused_whole_with_413(
    noor: NoorClient, service_database_url: str
) -> None:
    padding = "x" * 1_100_000  # over the 1 MB default
    huge = await noor.webhook({"messages": [inbound("971500000061", "Hi " + padding)]})
    assert huge.status_code == 413
    assert huge.json()["error"] == "body_too_large"
    flood = await noor.webhook({"messages": [inbound("971500000062", f"hello {n}") for n in range(501)]})
    assert flood.status_code == 413
    assert flood.json()["error"] == "too_many_items"
    assert deliveries_of(service_database_url, "971500000061") == 0  # nothing half-stored
    assert deliveries_of(service_database_url, "971500000062") == 0
    assert await noor.settle("971500000062", 0.8) == []
    allowed = await noor.webhook({"messages": [inbound("971500000063", "Hi, do you have desks?")]})
    assert allowed.status_code == 200
    assert len(await noor.wait_for_replies("971500000063")) == 1


async def test_a_429_from_wazzup_is_retried_without_a_duplicate(noor: NoorClient) -> None:
    await noor.faults("429", "429")
    await noor.say("971500000060", "Hello")
    assert len(await noor.wait_for_replies("971500000060")) == 1
    assert len(await noor.settle("971500000060")) == 1


async def test_a_timeout_and_a_5xx_after_sending_are_retried_without_a_duplicate(
    noor: NoorClient, service_database_url: str
) -> None:
    # Wazzup accepts the message but answers too late, then accepts-and-fails: each retry carries the same
    # crmMessageId, which Wazzup refuses as a repeat, so the customer sees one message.
    await noor.faults("timeout", stall_seconds=1.0)
    await noor.say("971500000070", "Hello")
    await noor.wait_for_replies("971500000070")
    await noor.faults("500_after_send")
    await noor.say("971500000071", "Hello")
    await noor.wait_for_replies("971500000071")
    assert len(await noor.settle("971500000070", 2.0)) == 1
    assert len(await noor.sent("971500000071")) == 1
    # The echo of the message that went out during the timeout is ours, not a person's: the bot stays on.
    with psycopg.connect(service_database_url) as conn:
        modes = conn.execute(
            "SELECT mode FROM conversations WHERE chat_id IN ('971500000070', '971500000071')"
        ).fetchall()
    assert modes == [("bot",), ("bot",)]


async def test_a_human_echo_silences_the_bot_for_that_chat(noor: NoorClient, service_database_url: str) -> None:
    await noor.say("971500000080", "Hello")
    await noor.wait_for_replies("971500000080")
    operator = await noor.http.post(
        f"{noor.wazzup_url}/_control/operator",
        json={"chatId": "971500000080", "text": "Hi, this is Omar from Treejar, I'll take it from here"},
    )
    assert operator.json()["delivered"]
    await noor.say("971500000080", "Great, thanks Omar")
    await noor.say("971500000081", "Hello")  # another chat is unaffected
    await noor.wait_for_replies("971500000081")
    assert len(await noor.settle("971500000080")) == 1  # only the bot's first reply
    with psycopg.connect(service_database_url) as conn:
        mode, held = conn.execute(
            "SELECT c.mode, count(m.*) FILTER (WHERE m.status = 'held') FROM conversations c"
            " JOIN messages m ON m.conversation_id = c.id WHERE c.chat_id = '971500000080' GROUP BY c.mode"
        ).fetchone() or (None, None)
    assert mode == "human"
    assert held == 1


async def test_our_own_echoes_and_statuses_update_the_outbox(noor: NoorClient, service_database_url: str) -> None:
    await noor.say("971500000090", "Hello")
    sent = await noor.wait_for_replies("971500000090")
    # The fake posts our echo and a "delivered" status after its 201; the worker ingests them.
    deadline = time.monotonic() + 15
    row: tuple[object, ...] | None = None
    while time.monotonic() < deadline:
        with psycopg.connect(service_database_url) as conn:
            row = conn.execute(
                "SELECT o.status, o.provider_message_id, c.mode FROM outbox o"
                " JOIN conversations c ON c.id = o.conversation_id WHERE c.chat_id = '971500000090'"
            ).fetchone()
        if row and row[0] == "delivered":
            break
        await asyncio.sleep(0.1)
    assert row == ("delivered", sent[0]["messageId"], "bot")


async def test_old_checkpoints_are_pruned_and_the_thread_still_resumes(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500000095"
    for count, text in enumerate(["Hello", "Thanks", "Hi again", "Thank you"], start=1):
        await noor.say(chat, text)
        assert len(await noor.wait_for_replies(chat, count)) == count
    with psycopg.connect(service_database_url) as conn:
        checkpoints, orphan_blobs = conn.execute(
            """
            SELECT (SELECT count(*) FROM checkpoints WHERE thread_id LIKE %(t)s),
                   (SELECT count(*) FROM checkpoint_blobs b WHERE b.thread_id LIKE %(t)s AND NOT EXISTS (
                        SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id
                           AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version))
            """,
            {"t": f"%:{chat}"},
        ).fetchone() or (None, None)
    assert checkpoints is not None
    assert checkpoints <= 10  # four turns write about 28; only the latest are kept
    assert orphan_blobs == 0
    assert transcript(service_database_url, chat)[-1][0] == "bot"
