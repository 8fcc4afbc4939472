"""Follow-ups through the webhook and the fakes (issue 13), on a WABA channel with the service's clock moved by
the sandbox: a quotation left unanswered gets exactly one reminder after the delay, none after an opt-out; one due
at night waits for business hours; after 25 hours it goes out as the approved template; two workers never send
the same follow-up; a manager cancels one from the inbox."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from agent.policies.business_hours import BusinessHours
from evals.fakes import Fakes
from evals.service import service_settings
from sandbox.wazzup import FakeWazzup
from server.channels.wazzup.window import WabaDirectory
from server.web.app import create_app
from server.worker.jobs.followups import FollowUpSender, FollowUpTemplates
from tests.support.inbox import connect, conversation_id, csrf_from, sign_in, wait_catalog_synced
from tests.support.live import free_port, live_server
from tests.support.wazzup import NoorClient
from tools.wazzup import WazzupClient

DUBAI = ZoneInfo("Asia/Dubai")
QUOTE_DELAY_HOURS = 2
CART_DELAY_HOURS = 1


@pytest.fixture(scope="module")
def service_url(service_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with short follow-up delays and a follow-up job that looks often."""
    port = free_port()
    settings = service_settings(
        service_database_url,
        tmp_path_factory.mktemp("followups"),
        port,
        followup_poll_seconds=0.1,
        followup_quote_delay_hours=QUOTE_DELAY_HOURS,
        followup_cart_delay_hours=CART_DELAY_HOURS,
    )
    with live_server(create_app(settings), port) as server:
        yield server.url


@pytest.fixture(scope="module")
async def waba(service_url: str, service_database_url: str) -> str:
    """A WABA channel (set before anything asked Wazzup what the channel is) and the catalog synced."""
    async with httpx.AsyncClient() as http:
        switched = await http.post(f"{service_url}/sandbox/wazzup/_control/channel", json={"transport": "wapi"})
        switched.raise_for_status()
    await wait_catalog_synced(service_database_url)
    return service_url


@pytest.fixture
async def fakes(waba: str) -> AsyncIterator[Fakes]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Fakes(waba, http)


WEEKS_AHEAD = itertools.count(4)


def next_monday(hour: int) -> datetime:
    """A Monday in Dubai later than every clock the module set so far: each test lives in a week of its own."""
    day = datetime.now(DUBAI).date() + timedelta(weeks=next(WEEKS_AHEAD))
    day += timedelta(days=-day.weekday())
    return datetime(day.year, day.month, day.day, hour, tzinfo=DUBAI)


async def quotation_summary(noor: NoorClient, chat: str, name: str) -> None:
    """The customer asks for a quotation and gives their details: the bot shows the summary and waits."""
    await noor.customer_writes(chat, "Hi, I'd like a quotation for 4 x MC-AIRO-MB-BLK", name=name)
    await noor.wait_for_replies(chat)
    details = f"{name} Khan, Khan Trading LLC, {name.lower()}@khantrading.ae, Al Quoz"
    await noor.customer_writes(chat, details, name=name)
    summary = (await noor.wait_for_replies(chat, 2))[-1]["text"]
    assert "1,820.70" in summary  # the summary with VAT: the quotation waits for a yes


async def followups_of(database_url: str, chat: str) -> list[dict[str, Any]]:
    async with await connect(database_url) as conn:
        rows = await (
            await conn.execute(
                "SELECT f.* FROM followups f JOIN conversations c ON c.id = f.conversation_id"
                " WHERE c.chat_id = %s ORDER BY f.id",
                (chat,),
            )
        ).fetchall()
    return [dict(r) for r in rows]


async def wait_for_followup(database_url: str, chat: str, status: str, timeout: float = 20.0) -> dict[str, Any]:
    for _ in range(int(timeout / 0.05)):
        found = [f for f in await followups_of(database_url, chat) if f["status"] == status]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} follow-up for {chat}: {await followups_of(database_url, chat)}")


async def test_an_unanswered_quotation_gets_exactly_one_reminder_after_the_delay(
    noor: NoorClient, fakes: Fakes, service_database_url: str
) -> None:
    chat = "971500013101"
    await noor.set_clock(next_monday(10))
    await quotation_summary(noor, chat, "Sara")
    scheduled = [(f["kind"], f["status"]) for f in await followups_of(service_database_url, chat)]
    assert scheduled[-1] == ("quote_reminder", "pending")
    assert all(status == "superseded" for _, status in scheduled[:-1])  # earlier ones the customer answered

    await noor.advance_clock(hours=QUOTE_DELAY_HOURS - 1)
    assert len(await noor.settle(chat, 0.6)) == 2  # not yet
    await noor.advance_clock(hours=1.5)
    sent = await wait_for_followup(service_database_url, chat, "sent")
    replies = await noor.wait_for_replies(chat, 3)
    reminder = replies[-1]
    assert reminder["crmMessageId"] == f"fu-{sent['id']}"
    assert reminder["text"].startswith("Hello, Sara")  # inside the 24-hour window: free text, her language
    assert sent["quote_id"] in reminder["text"]
    assert sent["sent_as"] == "text"

    await noor.advance_clock(hours=30)
    assert len(await noor.settle(chat, 1.0)) == 3  # one reminder, never a second
    noted = await wait_for_crm_note(service_database_url, f"followup:{sent['id']}")
    (deal,) = await fakes.deals(chat)
    notes = await fakes.notes("Deals", deal["id"])
    assert any(n["id"] == noted and "reminder about the quotation" in n["Note_Content"] for n in notes)


async def wait_for_crm_note(database_url: str, key: str) -> str:
    for _ in range(400):
        async with await connect(database_url) as conn:
            row = await (await conn.execute("SELECT note_id FROM crm_notes WHERE note_key = %s", (key,))).fetchone()
        if row and row["note_id"]:
            return str(row["note_id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no CRM note {key}")


async def test_no_reminder_after_an_opt_out(noor: NoorClient, fakes: Fakes, service_database_url: str) -> None:
    chat = "971500013102"
    await noor.set_clock(next_monday(10))
    await quotation_summary(noor, chat, "Omar")
    await noor.customer_writes(chat, "Please stop messaging me", name="Omar")
    acknowledged = (await noor.wait_for_replies(chat, 3))[-1]["text"]
    assert "won't send you any more reminders" in acknowledged
    async with await connect(service_database_url) as conn:
        row = await (
            await conn.execute("SELECT opted_out_at FROM conversations WHERE chat_id = %s", (chat,))
        ).fetchone()
    assert row is not None
    assert row["opted_out_at"] is not None  # kept on the conversation, for every unprompted message

    await noor.advance_clock(hours=QUOTE_DELAY_HOURS + 1)
    assert len(await noor.settle(chat, 1.0)) == 3
    assert all(f["status"] != "sent" for f in await followups_of(service_database_url, chat))


async def test_a_reminder_due_at_night_waits_for_business_hours(
    noor: NoorClient, fakes: Fakes, service_database_url: str
) -> None:
    chat = "971500013103"
    monday_evening = next_monday(17)
    await noor.set_clock(monday_evening)
    await quotation_summary(noor, chat, "Lina")
    await noor.advance_clock(hours=QUOTE_DELAY_HOURS + 1)  # 20:00 in Dubai: due, but the office is closed
    for _ in range(100):
        waiting = (await followups_of(service_database_url, chat))[-1]
        if waiting["reason"] == "waiting for business hours":
            break
        await asyncio.sleep(0.05)
    assert waiting["status"] == "pending"
    assert waiting["due_at"].astimezone(DUBAI) == (monday_evening + timedelta(days=1)).replace(hour=9)
    assert len(await noor.settle(chat, 0.5)) == 2

    await noor.advance_clock(hours=13.5)  # Tuesday 09:30
    await wait_for_followup(service_database_url, chat, "sent")
    reminder = (await noor.wait_for_replies(chat, 3))[-1]
    assert reminder["text"].startswith("Hello, Lina")  # 16 hours after her last message: still free text


async def test_a_reminder_after_25_hours_goes_out_as_the_template(
    noor: NoorClient, fakes: Fakes, service_database_url: str
) -> None:
    chat = "971500013104"
    await noor.set_clock(next_monday(10))
    await quotation_summary(noor, chat, "Maya")
    await noor.advance_clock(hours=25)  # Tuesday 11:00: due long ago, and the window closed
    sent = await wait_for_followup(service_database_url, chat, "sent")
    assert sent["sent_as"] == "template"
    reminder = (await noor.wait_for_replies(chat, 3))[-1]
    assert "text" not in reminder
    assert reminder["templateValues"] == ["Maya", sent["quote_id"]]
    templates = (await fakes.http.get(f"{noor.url}/sandbox/wazzup/v3/templates/whatsapp", headers=WAZZUP_AUTH)).json()
    used = next(t for t in templates if t["templateGuid"] == reminder["templateId"])
    assert (used["name"], used["language"]) == ("noor_quote_reminder", "en")
    assert f"Your quotation {sent['quote_id']} is ready" in reminder["templateText"]


WAZZUP_AUTH = {"Authorization": "Bearer demo-wazzup-key"}


async def test_a_manager_cancels_a_cart_nudge_from_the_inbox(
    noor: NoorClient, fakes: Fakes, waba: str, service_database_url: str
) -> None:
    chat = "971500013105"
    await noor.set_clock(next_monday(11))
    await noor.customer_writes(chat, "Do you have ergonomic office chairs?", name="Hadi")
    await noor.wait_for_replies(chat)
    nudge = await wait_for_followup(service_database_url, chat, "pending")
    assert nudge["kind"] == "cart_nudge"
    conversation = await conversation_id(service_database_url, chat)
    manager = await sign_in(waba)
    try:
        page = await manager.get(f"/inbox/threads/{conversation}")
        assert "Cart nudge" in page.text
        cancelled = await manager.post(
            f"/inbox/threads/{conversation}/followups/{nudge['id']}/cancel", data={"csrf_token": csrf_from(page.text)}
        )
        assert cancelled.status_code == 303
        page = await manager.get(f"/inbox/threads/{conversation}")
        assert "cancelled from the inbox" in page.text
    finally:
        await manager.aclose()
    await noor.advance_clock(hours=CART_DELAY_HOURS + 1)
    assert len(await noor.settle(chat, 1.0)) == 1
    row = (await followups_of(service_database_url, chat))[-1]
    assert row["status"] == "cancelled"
    assert row["cancelled_by"] == "mgr_04"  # Fatima, who signed in


async def test_two_workers_never_send_the_same_followup(pool: AsyncConnectionPool[Any]) -> None:
    fake = FakeWazzup(api_key="k", channel_id="channel-1")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))
    waba = WabaDirectory(WazzupClient("http://wazzup/v3", "k", http=http))
    always_open = BusinessHours(days=frozenset(range(7)), start_hour=0, end_hour=24)
    workers = [
        FollowUpSender(pool, waba, always_open, FollowUpTemplates("noor_quote_reminder", "noor_cart_nudge"))
        for _ in range(4)
    ]
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name, language, last_inbound_at)"
                " VALUES ('channel-1', '971500013199', 'channel-1:971500013199', 'Rami', 'ar', now()) RETURNING id"
            )
        ).fetchone()
        assert row is not None
        for number in range(6):
            await conn.execute(
                "INSERT INTO followups (conversation_id, kind, subject_key, due_at)"
                " VALUES (%s, 'cart_nudge', %s, now() - interval '1 minute')",
                (row["id"], f"cart:test:{number}"),
            )
    try:
        claimed = await asyncio.gather(*(worker.send_due() for worker in workers for _ in range(3)))
    finally:
        await http.aclose()
    ids = [followup for batch in claimed for followup in batch]
    assert len(ids) == 6
    assert len(set(ids)) == 6  # every follow-up claimed by exactly one worker
    async with pool.connection() as conn:
        parts = await (await conn.execute("SELECT id, text FROM outbox ORDER BY id")).fetchall()
        statuses = await (await conn.execute("SELECT DISTINCT status FROM followups")).fetchall()
    assert len(parts) == 6
    assert all(p["text"].startswith("مرحباً, Rami") for p in parts)  # the customer's language
    assert [s["status"] for s in statuses] == ["sent"]
