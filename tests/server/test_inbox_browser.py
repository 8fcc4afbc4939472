"""The managers' inbox in real Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser download):
a manager signs in, opens the escalated Arabic thread, sees a new customer message arrive live, replies (the
reply reaches the fake Wazzup), hands back, and the bot answers the next message. Saves docs/inbox-arabic-thread.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.inbox import DEMO_PASSWORD, FATIMA, graph_escalation, wait_answered
from tests.support.wazzup import NoorClient

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "inbox-arabic-thread.png"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (make system-deps)")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        await chromium.close()


async def test_a_manager_handles_an_escalated_arabic_thread(
    browser: Any, noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500008001"
    await noor.say(chat, "مرحبا، أبي ٢٠ كرسي شبكي للمكتب", name="أحمد المنصوري")
    await noor.wait_for_replies(chat, timeout=60)
    complaint = "الكراسي وصلت مكسورة، أبي أكلم موظف لو سمحت"
    await noor.say(chat, complaint)
    opened = await graph_escalation(service_database_url, chat)  # the sales graph escalates it itself
    assert opened["reason"] == "complaint"
    await wait_answered(service_database_url, chat)
    thread = opened["conversation_id"]

    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    await page.goto(f"{service_url}/inbox")
    assert "/inbox/login" in page.url
    await page.fill("input[name=login]", FATIMA)
    await page.fill("input[name=password]", "wrong password")
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert await page.locator(".error").inner_text() == "Wrong e-mail or password."
    await page.fill("input[name=login]", opened["email"])
    await page.fill("input[name=password]", DEMO_PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert page.url == f"{service_url}/inbox"

    row = page.locator(f"#threads tr[data-id='{thread}']")
    await row.wait_for()
    assert "Complaint, refund or damaged goods" in await row.inner_text()
    assert int(await row.locator(".unread").inner_text()) >= 2
    async with page.expect_navigation():
        await row.locator("a").click()
    assert page.url == f"{service_url}/inbox/threads/{thread}"

    # Arabic is laid out right to left; English stays left to right
    first = page.locator("#transcript .msg.author-customer .text").first
    assert await first.evaluate("e => getComputedStyle(e).direction") == "rtl"
    bot = page.locator("#transcript .msg.author-bot .text").first
    assert await bot.evaluate("e => getComputedStyle(e).direction") == "rtl"  # Noor answered in Arabic
    assert await page.locator("#mode").inner_text() == "human: a person holds this thread"

    # a new customer message shows up without reloading
    await noor.say(chat, "متى ممكن تستبدلونها؟")
    await page.locator("#transcript .text", has_text="متى ممكن تستبدلونها؟").wait_for(timeout=8000)
    await page.fill("#reply-text", "نعتذر جدًا يا أحمد! سنستبدل الكراسي هذا الأسبوع. — Noor team")
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    before = len(await noor.sent(chat))
    async with page.expect_navigation():
        await page.click("#reply-form button[type=submit]")
    sent = await noor.wait_for_replies(chat, before + 1)
    assert sent[-1]["text"] == "نعتذر جدًا يا أحمد! سنستبدل الكراسي هذا الأسبوع. — Noor team"
    mine = page.locator("#transcript .msg.author-manager .text").last
    assert await mine.evaluate("e => getComputedStyle(e).direction") == "rtl"

    await page.fill("#handback-note", "Replacement agreed for Thursday; continue with the new quote.")
    async with page.expect_navigation():
        await page.click("#handback-form button[type=submit]")
    assert await page.locator("#mode").inner_text() == "bot: Noor answers"
    assert await page.locator("#handback-form").is_hidden()
    assert "Replacement agreed for Thursday" in await page.locator(".notes").inner_text()

    # Noor answers the next customer message again
    await noor.say(chat, "شكرا")
    assert len(await noor.wait_for_replies(chat, before + 2)) == before + 2

    async with page.expect_navigation():
        await page.click("button.link")  # log out
    assert page.url == f"{service_url}/inbox/login"
    await page.close()
    assert SCREENSHOT.stat().st_size > 10_000
