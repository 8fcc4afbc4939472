"""The managers' inbox and its REST API against the whole service: auth, CSRF, escalation → alert → reply →
hand back, over real HTTP with the fake Wazzup and the fake Telegram."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from agent.quality.offline import OfflineReviewer
from server.desk.quality import QualityStore
from server.storage.database import make_pool
from tests.agent.quality.build import BAD_EN, store_transcript
from tests.support.inbox import (
    DEMO_PASSWORD,
    FATIMA,
    OMAR,
    connect,
    conversation_id,
    csrf_from,
    escalate_chat,
    graph_escalation,
    sign_in,
)
from tests.support.wazzup import NoorClient


async def telegram_sent(url: str, chat_id: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{url}/sandbox/telegram/sent", params={"chat_id": chat_id})
    response.raise_for_status()
    sent: list[dict[str, Any]] = response.json()
    return sent


async def wait_until(predicate: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def test_pages_and_api_need_a_session(service_url: str) -> None:
    async with httpx.AsyncClient(base_url=service_url, follow_redirects=False) as http:
        page = await http.get("/inbox?filter=mine")
        assert page.status_code == 303
        assert page.headers["location"] == "/inbox/login?next=/inbox?filter=mine"
        thread = await http.get("/inbox/threads/1")
        assert thread.status_code == 303
        api = await http.get("/api/v1/conversations")
        assert api.status_code == 401
        assert api.headers["www-authenticate"] == "Bearer"
        assert (await http.post("/api/v1/conversations/1/reply", json={"text": "hi"})).status_code == 401
        assert (await http.post("/inbox/threads/1/reply", data={"text": "hi"})).status_code == 401
        forged = await http.get("/api/v1/conversations", headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401


async def test_login_wrong_password_csrf_and_logout(service_url: str) -> None:
    async with httpx.AsyncClient(base_url=service_url, follow_redirects=False) as http:
        form = await http.get("/inbox/login")
        assert form.status_code == 200
        assert "content-security-policy" in form.headers
        token = csrf_from(form.text)
        wrong = await http.post("/inbox/login", data={"login": FATIMA, "password": "nope", "csrf_token": token})
        assert wrong.status_code == 401
        assert "Wrong e-mail or password" in wrong.text
        assert "noor_session" not in wrong.cookies
        # a login post without the form's token (cross-site) is refused
        no_csrf = await http.post("/inbox/login", data={"login": FATIMA, "password": DEMO_PASSWORD})
        assert no_csrf.status_code == 403
        token = csrf_from((await http.get("/inbox/login")).text)
        ok = await http.post("/inbox/login", data={"login": FATIMA, "password": DEMO_PASSWORD, "csrf_token": token})
        assert ok.status_code == 303
        set_cookie = ok.headers["set-cookie"]
        assert "noor_session=" in set_cookie
        assert "HttpOnly" in set_cookie
        assert "SameSite=lax" in set_cookie
        listing = await http.get("/inbox")
        assert listing.status_code == 200
        assert "Fatima Al Zarooni" in listing.text
        session_csrf = csrf_from(listing.text)
        # a POST with the session cookie but without (or with a wrong) CSRF token is refused
        assert (await http.post("/inbox/logout")).status_code == 403
        assert (await http.post("/inbox/logout", data={"csrf_token": "forged"})).status_code == 403
        api_write = await http.post("/api/v1/conversations/1/take")
        assert api_write.status_code == 403
        out = await http.post("/inbox/logout", data={"csrf_token": session_csrf})
        assert out.status_code == 303
        assert (await http.get("/inbox")).status_code == 303


async def test_bearer_tokens_for_the_api(service_url: str) -> None:
    async with httpx.AsyncClient(base_url=service_url) as http:
        bad = await http.post("/api/v1/auth/token", json={"login": OMAR, "password": "wrong"})
        assert bad.status_code == 401
        issued = await http.post("/api/v1/auth/token", json={"login": "mgr_01", "password": DEMO_PASSWORD})
        assert issued.status_code == 200
        token = issued.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        me = await http.get("/api/v1/me", headers=headers)
        assert me.json()["name"] == "Omar Al Hashimi"
        # bearer writes need no CSRF token (not ambient credentials)
        assert (await http.post("/api/v1/conversations/999999/take", headers=headers)).status_code == 404
        assert (await http.delete("/api/v1/auth/token", headers=headers)).status_code == 204
        assert (await http.get("/api/v1/me", headers=headers)).status_code == 401


async def test_escalation_alert_reply_and_hand_back(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500006001"
    await noor.say(chat, "Hello, I need mesh chairs", name="Ahmed <b>&")
    assert len(await noor.wait_for_replies(chat, timeout=60)) >= 1
    greeted = len(await noor.sent(chat))
    await noor.say(chat, "The chairs arrived broken, I want a refund")
    # the sales graph decides in code that a person must take it: one holding reply, then human mode
    opened = await graph_escalation(service_database_url, chat)
    holding = await noor.wait_for_replies(chat, greeted + 1)
    assert "sorry" in holding[-1]["text"].lower()
    assert "AED" not in holding[-1]["text"]  # no sales pitch in a complaint's reply
    assert opened["reason"] == "complaint"
    assert opened["manager_id"] is not None
    again = await escalate_chat(service_database_url, chat, "still broken!!")
    assert not again.created
    assert again.id == opened["id"]  # once per episode

    # the alert reaches the routed manager's Telegram chat once, escaped, with the inbox link
    conv_id = opened["conversation_id"]
    manager_chat = opened["telegram_chat_id"]
    alerts = await wait_until(lambda: _alerts_for(service_url, manager_chat, f"/inbox/threads/{conv_id}"), timeout=8)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["parse_mode"] == "HTML"
    assert "Ahmed &lt;b&gt;&amp;" in alert["raw_text"]
    assert "Complaint, refund or damaged goods" in alert["text"]
    assert "Language: English" in alert["text"]
    assert f'href="{service_url}/inbox/threads/{conv_id}"' in alert["raw_text"]
    assert len(alert["text"]) <= 4096

    manager = await sign_in(service_url, opened["email"])
    try:
        listing = await manager.get("/api/v1/conversations", params={"filter": "escalated"})
        item = next(i for i in listing.json()["items"] if i["id"] == conv_id)
        assert item["mode"] == "human"
        assert item["escalation_reason"] == "complaint"
        assert item["unread"] == 2
        mine = await manager.get("/api/v1/conversations", params={"filter": "mine"})
        assert conv_id in [i["id"] for i in mine.json()["items"]]

        # while a person holds the thread the customer's messages are held, the bot is silent
        before = len(await noor.sent(chat))
        await noor.say(chat, "hello? anyone?")
        await asyncio.sleep(0.8)
        assert len(await noor.sent(chat)) == before

        page = await manager.get(f"/inbox/threads/{conv_id}")
        assert page.status_code == 200
        assert "hello? anyone?" in page.text
        assert "waiting for you" in page.text
        csrf = csrf_from(page.text)
        reply = await manager.post(
            f"/inbox/threads/{conv_id}/reply",
            data={"csrf_token": csrf, "text": "Sorry about that! I'm arranging a replacement.", "reply_id": "r" * 16},
        )
        assert reply.status_code == 303
        # a double submit of the same form is sent once
        await manager.post(
            f"/inbox/threads/{conv_id}/reply",
            data={"csrf_token": csrf, "text": "Sorry about that! I'm arranging a replacement.", "reply_id": "r" * 16},
        )
        sent = await noor.wait_for_replies(chat, before + 1)
        assert sent[-1]["text"] == "Sorry about that! I'm arranging a replacement."
        assert sent[-1]["crmMessageId"] == "mgr-" + "r" * 16
        assert len(await noor.settle(chat, 0.6)) == before + 1

        detail = await manager.get(f"/api/v1/conversations/{conv_id}")
        authors = [(m["author"], m["author_name"]) for m in detail.json()["messages"]]
        assert authors[-1][0] == "manager"

        back = await manager.post(
            f"/inbox/threads/{conv_id}/handback",
            data={"csrf_token": csrf, "note": "Replacement agreed; continue with the quote for 10 chairs."},
        )
        assert back.status_code == 303
    finally:
        await manager.aclose()

    async with await connect(service_database_url) as conn:
        conversation = await (
            await conn.execute("SELECT mode, mode_reason FROM conversations WHERE id = %s", (conv_id,))
        ).fetchone()
        handback = await (
            await conn.execute(
                "SELECT note, escalation_id, manager_id, consumed_at, from_message_id, to_message_id FROM handbacks"
                " WHERE conversation_id = %s",
                (conv_id,),
            )
        ).fetchone()
        escalation = await (
            await conn.execute(
                "SELECT status, resolved_by, alert_status FROM escalations WHERE id = %s", (opened["id"],)
            )
        ).fetchone()
        held = await (
            await conn.execute(
                "SELECT count(*) AS n FROM messages WHERE conversation_id = %s AND status = 'held'",
                (conv_id,),
            )
        ).fetchone()
    assert conversation == {"mode": "bot", "mode_reason": "handback"}
    assert handback is not None
    assert handback["note"] == "Replacement agreed; continue with the quote for 10 chairs."
    assert handback["escalation_id"] == opened["id"]
    assert handback["manager_id"] == opened["manager_id"]
    assert handback["to_message_id"] > handback["from_message_id"]
    assert escalation == {"status": "resolved", "resolved_by": opened["manager_id"], "alert_status": "sent"}
    assert held == {"n": 0}

    # the worker resumes the graph with the manager's note and what was said meanwhile
    async def consumed() -> bool:
        async with await connect(service_database_url) as conn:
            row = await (
                await conn.execute("SELECT consumed_at FROM handbacks WHERE conversation_id = %s", (conv_id,))
            ).fetchone()
        return row is not None and row["consumed_at"] is not None

    await wait_until(consumed, timeout=10)

    # the bot answers the next customer message
    await noor.say(chat, "ok thanks, what about the quote?")
    assert len(await noor.wait_for_replies(chat, before + 2)) == before + 2
    assert len(await _alerts_for(service_url, manager_chat, f"/inbox/threads/{conv_id}")) == 1


async def _alerts_for(url: str, chat_id: int, needle: str) -> list[dict[str, Any]]:
    return [item for item in await telegram_sent(url, chat_id) if needle in (item.get("raw_text") or "")]


async def test_taking_a_bot_thread_from_the_inbox_and_the_escalations_api(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500006002"
    await noor.say(chat, "Здравствуйте, нужно 40 кресел")
    await noor.wait_for_replies(chat)
    conversation = await conversation_id(service_database_url, chat)
    async with httpx.AsyncClient(base_url=service_url) as http:
        token = (await http.post("/api/v1/auth/token", json={"login": "mgr_02", "password": DEMO_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        taken = await http.post(f"/api/v1/conversations/{conversation}/take", headers=headers)
        assert taken.json()["mode"] == "human"
        open_escalations = (await http.get("/api/v1/escalations", headers=headers)).json()["items"]
        mine = next(e for e in open_escalations if e["conversation_id"] == conversation)
        assert mine["reason"] == "manager_takeover"
        assert mine["manager_id"] == "mgr_02"
        assert mine["alert_status"] == "skipped"
        replied = await http.post(
            f"/api/v1/conversations/{conversation}/reply", json={"text": "Добрый день! Это Елена."}, headers=headers
        )
        assert replied.status_code == 202
        assert (await noor.wait_for_replies(chat, 2))[-1]["text"] == "Добрый день! Это Елена."
        back = await http.post(
            f"/api/v1/escalations/{mine['id']}/handback", json={"note": "Нужна доставка в Абу-Даби"}, headers=headers
        )
        assert back.json()["handback_id"] is not None
        again = await http.post(f"/api/v1/escalations/{mine['id']}/handback", json={"note": "x"}, headers=headers)
        assert again.status_code == 409
        detail = (await http.get(f"/api/v1/conversations/{conversation}", headers=headers)).json()
        assert detail["conversation"]["mode"] == "bot"
        assert detail["handbacks"][0]["note"] == "Нужна доставка в Абу-Даби"


async def test_a_thread_shows_its_quality_review(service_url: str, service_database_url: str) -> None:
    pool = make_pool(service_database_url, min_size=1, max_size=2)
    await pool.open()
    try:
        conversation = await store_transcript(pool, BAD_EN, chat_id="971500000931")
        store = QualityStore(pool)
        loaded = await store.load_transcript(conversation)
        assert loaded is not None
        review = OfflineReviewer().review_now(loaded)
        await store.save_review(review)
    finally:
        await pool.close()
    manager = await sign_in(service_url)
    try:
        page = await manager.get(f"/inbox/threads/{conversation}")
    finally:
        await manager.aclose()
    assert page.status_code == 200
    assert "Quality review" in page.text
    assert f"{review.total} / {review.available}" in page.text
    missed = [r.rule for r in review.rules if r.status == "judged" and (r.score or 0) < r.max]
    assert missed
    assert all(rule in page.text for rule in missed)  # the rules the conversation lost points on
