"""The 24-hour window on a WABA channel, through the webhook and the fakes (issue 13): inside it free text goes;
after 25 hours a manager's reply answers 409 with the approved templates, the inbox offers them and a chosen one
is sent; a bot part due outside the window is held, never refused by Wazzup. The quotation summary carries yes/no
buttons, and a press confirms the quotation like the typed answer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from evals.fakes import Fakes
from server.channels.wazzup.window import WabaDirectory
from tests.support.inbox import DEMO_PASSWORD, connect, conversation_id, csrf_from, sign_in, wait_catalog_synced
from tests.support.live import free_port
from tests.support.wazzup import NoorClient
from tools.wazzup import WazzupClient, WazzupRetryableError


@pytest.fixture(scope="module")
async def waba_service(service_url: str) -> str:
    """The module's service on a WABA channel (set before anything asked Wazzup what the channel is)."""
    async with httpx.AsyncClient() as http:
        (
            await http.post(f"{service_url}/sandbox/wazzup/_control/channel", json={"transport": "wapi"})
        ).raise_for_status()
    return service_url


@pytest.fixture
async def manager_api(waba_service: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=waba_service, timeout=30) as http:
        token = (await http.post("/api/v1/auth/token", json={"login": "mgr_02", "password": DEMO_PASSWORD})).json()
        http.headers["Authorization"] = f"Bearer {token['token']}"
        yield http


async def test_after_25_hours_a_manager_reply_gets_409_and_a_template_goes_instead(
    noor: NoorClient, manager_api: httpx.AsyncClient, service_database_url: str
) -> None:
    chat = "971500013001"
    await noor.customer_writes(chat, "Hi, I need 10 office chairs", name="Sara")
    await noor.wait_for_replies(chat)  # inside the window the bot answers in free text
    conversation = await conversation_id(service_database_url, chat)
    assert (await manager_api.get(f"/api/v1/conversations/{conversation}/templates")).json()["window_open"]

    await noor.advance_clock(hours=25)
    refused = await manager_api.post(f"/api/v1/conversations/{conversation}/reply", json={"text": "Hello Sara"})
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail["error"] == "window_closed"
    names = {(t["name"], t["language"]) for t in detail["templates"]}
    assert ("noor_reopen", "en") in names
    assert ("old_promo", "en") not in names
    reopen = next(t for t in detail["templates"] if t["name"] == "noor_reopen" and t["language"] == "en")
    assert reopen["variables"] == ["name", "manager"]

    wrong = await manager_api.post(
        f"/api/v1/conversations/{conversation}/template", json={"template_id": reopen["template_id"], "values": []}
    )
    assert wrong.status_code == 422
    sent = await manager_api.post(
        f"/api/v1/conversations/{conversation}/template",
        json={"template_id": reopen["template_id"], "values": ["Sara", "Elena"], "reply_id": "tpl-reply-0001"},
    )
    assert sent.status_code == 202
    replies = await noor.wait_for_replies(chat, 2)
    assert replies[-1]["templateId"] == reopen["template_id"]
    assert replies[-1]["templateValues"] == ["Sara", "Elena"]
    assert "text" not in replies[-1]
    assert "Hello Sara" in replies[-1]["templateText"]
    assert all(r.get("text") != "Hello Sara" for r in replies)  # the refused free text never left

    # the customer answers: the window is open again and free text goes
    await noor.customer_writes(chat, "Yes, still interested", name="Sara")
    for _ in range(100):  # once the worker has ingested the message
        window = (await manager_api.get(f"/api/v1/conversations/{conversation}/templates")).json()
        if window["window_open"]:
            break
        await asyncio.sleep(0.05)
    assert window == {"window_open": True, "templates": []}


async def test_the_inbox_page_offers_the_templates_when_the_window_is_closed(
    noor: NoorClient, waba_service: str, service_database_url: str
) -> None:
    chat = "971500013002"
    await noor.customer_writes(chat, "Hello, do you have standing desks?", name="Omar")
    await noor.wait_for_replies(chat)
    conversation = await conversation_id(service_database_url, chat)
    await noor.advance_clock(hours=25)
    manager = await sign_in(waba_service)
    try:
        page = await manager.get(f"/inbox/threads/{conversation}")
        assert "only lets an approved template through" in page.text
        assert f'action="/inbox/threads/{conversation}/reply"' not in page.text
        csrf = csrf_from(page.text)
        refused = await manager.post(
            f"/inbox/threads/{conversation}/reply", data={"csrf_token": csrf, "text": "Hi Omar", "reply_id": "x" * 16}
        )
        assert refused.status_code == 409
        assert "Send template" in refused.text
        offered = re.findall(
            r'name="template_id" value="([^"]+)">\s*<div[^>]*><strong>([a-z_]+)</strong>', refused.text
        )
        assert offered[0][1] != "old_promo"
        guid = next(g for g, name in offered if name == "noor_reopen")  # the customer's language first
        chosen = await manager.post(
            f"/inbox/threads/{conversation}/template",
            data={
                "csrf_token": csrf,
                "template_id": guid,
                "value_0": "Omar",
                "value_1": "Fatima",
                "reply_id": "y" * 16,
            },
        )
        assert chosen.status_code == 303
    finally:
        await manager.aclose()
    replies = await noor.wait_for_replies(chat, 2)
    assert replies[-1]["templateId"] == guid
    assert "Omar" in replies[-1]["templateText"]


async def test_a_bot_part_due_outside_the_window_is_held_not_sent(
    noor: NoorClient, waba_service: str, service_database_url: str
) -> None:
    chat = "971500013003"
    await noor.customer_writes(chat, "Hello", name="Ali")
    await noor.wait_for_replies(chat)
    conversation = await conversation_id(service_database_url, chat)
    await noor.advance_clock(hours=25)
    async with await connect(service_database_url) as conn:
        await conn.execute(
            "INSERT INTO outbox (id, conversation_id, kind, text) VALUES ('late-bot-part', %s, 'text', 'Late news')",
            (conversation,),
        )
    for _ in range(200):
        async with await connect(service_database_url) as conn:
            row = await (
                await conn.execute("SELECT status, last_error FROM outbox WHERE id = 'late-bot-part'")
            ).fetchone()
        if row and row["status"] == "held":
            break
        await asyncio.sleep(0.05)
    assert row is not None
    assert row["status"] == "held"
    assert "24-hour window" in row["last_error"]
    assert all(r.get("text") != "Late news" for r in await noor.settle(chat, 0.5))


async def test_a_button_press_confirms_a_quotation(
    noor: NoorClient, waba_service: str, service_database_url: str
) -> None:
    await wait_catalog_synced(service_database_url)
    chat = "971500013004"
    await noor.customer_writes(chat, "أبغى عرض سعر لـ ٢ من FC-ARCH-4D-BLK", name="Mohammed")
    await noor.wait_for_replies(chat)
    await noor.customer_writes(chat, "محمد العلي، شركة النخيل للتجارة، m.ali@nakheel-trading.ae، الخليج التجاري دبي")
    summary = (await noor.wait_for_replies(chat, 2))[-1]
    assert "2,835.00" in summary["text"]
    buttons = summary["buttonsObject"]["buttons"]
    assert [b["text"] for b in buttons] == ["نعم، أؤكد", "لا"]  # in the customer's language
    assert all(len(b["text"]) <= 20 for b in buttons)

    pressed = await noor.http.post(
        f"{noor.wazzup_url}/_control/press", json={"chatId": chat, "messageId": summary["messageId"], "button": 0}
    )
    assert pressed.json()["delivered"]
    sent = await noor.wait_for_replies(chat, 4)
    assert sent[-1]["contentUri"]  # the quotation PDF: the press said yes
    async with httpx.AsyncClient(timeout=30) as http:
        orders = await Fakes(waba_service, http).sales_orders(chat)
    assert len(orders) == 1
    assert "buttonsObject" not in sent[-2]  # the confirmation asks nothing


async def test_an_unreachable_wazzup_is_a_retryable_error_not_a_crash() -> None:
    waba = WabaDirectory(WazzupClient(f"http://127.0.0.1:{free_port()}/v3", "k", timeout=1.0))
    try:
        with pytest.raises(WazzupRetryableError):  # the sender backs off and retries; the inbox accepts the reply
            await waba.is_waba("any-channel")
    finally:
        await waba.client.aclose()
