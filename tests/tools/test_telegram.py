"""TelegramClient against the fake Telegram over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox.telegram import DEMO_TOKEN, FakeChat, FakeTelegram, ManualClock, parse_telegram_html, utf16_len
from tests.support.live import LiveServer, live_server
from tools.telegram import (
    MAX_MESSAGE_CHARS,
    InMemoryDeduper,
    TelegramChatNotFound,
    TelegramClient,
    TelegramFileTooLarge,
    TelegramForbidden,
    TelegramParseError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorized,
    bold,
    escape_html,
    link,
    split_text,
    truncate_text,
)

GROUP = -1002145678901
PRIVATE = 5123987456


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def fake(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(clock=clock)


@pytest.fixture(scope="module")
def server(fake: FakeTelegram) -> Iterator[LiveServer]:
    with live_server(fake.app) as srv:
        yield srv


class FakeSleep:
    """Records requested sleeps and moves the fake's clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def sleeper(clock: ManualClock) -> FakeSleep:
    return FakeSleep(clock)


@pytest.fixture
async def client(server: LiveServer, fake: FakeTelegram, sleeper: FakeSleep) -> AsyncIterator[TelegramClient]:
    fake.reset()
    async with httpx.AsyncClient() as http:
        yield TelegramClient(server.url, DEMO_TOKEN, http, sleep=sleeper)


async def test_send_message_escapes_user_text(client: TelegramClient, fake: FakeTelegram) -> None:
    customer = "Ahmed <CEO> & Sons"
    inbox = link("https://noor.example/inbox/7?a=1&b=2", "open")
    text = f"{bold('Hot lead')}: {escape_html(customer)} — {inbox}"
    messages = await client.send_message(GROUP, text)
    assert len(messages) == 1
    assert messages[0].text == "Hot lead: Ahmed <CEO> & Sons — open"
    assert messages[0].chat.id == GROUP
    assert fake.sent[0].raw_text == text


async def test_get_me(client: TelegramClient) -> None:
    me = await client.get_me()
    assert me.is_bot
    assert me.username


def test_split_keeps_tags_balanced_and_parts_within_limit() -> None:
    lines = [f"<b>Item {n}</b>: <i>{escape_html('chair & desk <set>')} {'x' * 50}</i>" for n in range(200)]
    text = "<blockquote>" + "\n".join(lines) + "</blockquote>"
    parts = split_text(text, MAX_MESSAGE_CHARS)
    assert len(parts) > 1
    visible = [parse_telegram_html(part) for part in parts]  # every part is valid Telegram HTML
    assert all(utf16_len(v) <= MAX_MESSAGE_CHARS for v in visible)
    assert all(part.startswith("<blockquote>") for part in parts)
    # nothing lost except the line breaks that parts were cut at
    assert "".join(visible).replace("\n", "") == parse_telegram_html(text).replace("\n", "")
    # cuts fall on line breaks: every part but the first starts with a whole item
    assert all(v.startswith("Item ") for v in visible)


def test_split_never_cuts_entities_or_surrogates() -> None:
    text = "&amp;" * 5000 + "😀" * 3000
    parts = split_text(text, 100)
    assert all(utf16_len(parse_telegram_html(p)) <= 100 for p in parts)
    assert "".join(parse_telegram_html(p) for p in parts) == "&" * 5000 + "😀" * 3000
    assert split_text("", 100) == []
    assert truncate_text("short", 100) == "short"
    cut = truncate_text("<b>" + "word " * 100 + "</b>", 50)
    assert utf16_len(parse_telegram_html(cut)) <= 50
    assert cut.endswith("…")


async def test_long_message_is_split_and_bounded(client: TelegramClient, fake: FakeTelegram) -> None:
    fake.set_flood(interval_seconds=None)
    long_text = "\n".join(f"line {n} " + "y" * 90 for n in range(200))  # ~20k characters
    messages = await client.send_message(PRIVATE, long_text, max_parts=None)
    assert len(messages) == 5
    assert "".join(m.text or "" for m in messages).replace("\n", "") == long_text.replace("\n", "")
    capped = await client.send_message(PRIVATE, long_text, max_parts=2)
    assert len(capped) == 2
    assert (capped[-1].text or "").endswith("…")


async def test_429_sleeps_retry_after_and_retries(
    client: TelegramClient, fake: FakeTelegram, sleeper: FakeSleep
) -> None:
    for n in range(5):  # burst of 3, then flood control
        await client.send_message(GROUP, f"alert {n}")
    assert sleeper.calls == [1.0, 1.0]
    assert len(fake.sent_to(GROUP)) == 5


async def test_429_gives_up_after_bounded_retries(client: TelegramClient, fake: FakeTelegram) -> None:
    fake.fail_next(429, "Too Many Requests: retry after 3", retry_after=3, count=10)
    with pytest.raises(TelegramRetryAfter) as info:
        await client.send_message(GROUP, "x")
    assert info.value.retry_after == 3
    assert len(fake.requests) == client.max_retries + 1
    fake.reset()
    fake.fail_next(429, "Too Many Requests: retry after 3600", retry_after=3600)
    with pytest.raises(TelegramRetryAfter):  # longer than max_retry_after: surfaced, not slept
        await client.send_message(GROUP, "x")


async def test_migrated_group_is_followed_and_reported(
    server: LiveServer, fake: FakeTelegram, sleeper: FakeSleep
) -> None:
    fake.reset()
    fake.add_chat(FakeChat(id=-4242, type="group", title="Sales"))
    fake.migrate_chat(-4242, -1004242)
    seen: list[tuple[int | str, int]] = []

    async def remember(old: int | str, new: int) -> None:
        seen.append((old, new))

    async with TelegramClient(server.url, DEMO_TOKEN, sleep=sleeper, on_chat_migrated=remember) as client:
        messages = await client.send_message(-4242, "escalation")
        assert messages[0].chat.id == -1004242
        assert seen == [(-4242, -1004242)]
        assert client.resolve_chat_id(-4242) == -1004242
        await client.send_message(-4242, "second")  # goes straight to the new id
        assert len(fake.requests) == 3
        document = await client.send_document(-4242, "plan.pdf", b"%PDF plan", "plan")
        assert document is not None
        assert document.chat.id == -1004242


async def test_typed_errors(client: TelegramClient, fake: FakeTelegram, server: LiveServer) -> None:
    with pytest.raises(TelegramChatNotFound):
        await client.send_message(12345, "x")
    with pytest.raises(TelegramParseError):
        await client.send_message(PRIVATE, "1 < 2 & 3")  # forgot escape_html
    fake.block_chat(PRIVATE)
    with pytest.raises(TelegramForbidden):
        await client.send_message(PRIVATE, "x")
    fake.fail_next(500, "Internal Server Error")
    with pytest.raises(TelegramServerError):
        await client.send_message(GROUP, "x")
    async with TelegramClient(server.url, "1:bad") as bad:
        with pytest.raises(TelegramUnauthorized):
            await bad.get_me()
    with pytest.raises(TelegramFileTooLarge):
        await client.send_document(GROUP, "big.bin", b"0" * (50 * 1024 * 1024 + 1))


async def test_send_document_multipart_with_long_caption(client: TelegramClient, fake: FakeTelegram) -> None:
    caption = bold("Floor plan from Ahmed") + "\n" + escape_html("<notes> " * 300)
    message = await client.send_document(GROUP, "plan.pdf", b"%PDF-1.4 ...", caption, mime_type="application/pdf")
    assert message is not None
    assert message.document is not None
    assert message.document.file_name == "plan.pdf"
    assert message.document.file_size == len(b"%PDF-1.4 ...")
    assert utf16_len(message.caption or "") <= 1024
    assert fake.sent[0].document_bytes == b"%PDF-1.4 ..."
    again = await client.send_document_ref(PRIVATE, message.document.file_id, "same file")
    assert again is not None
    assert again.document is not None
    assert again.document.file_id == message.document.file_id


async def test_dedupe_key_sends_an_alert_once(server: LiveServer, fake: FakeTelegram, sleeper: FakeSleep) -> None:
    fake.reset()
    async with TelegramClient(server.url, DEMO_TOKEN, sleep=sleeper, deduper=InMemoryDeduper()) as client:
        fake.fail_next(500, "Internal Server Error")
        with pytest.raises(TelegramServerError):
            await client.send_message(GROUP, "escalation 7", dedupe_key="escalation:7")
        first = await client.send_message(GROUP, "escalation 7", dedupe_key="escalation:7")  # released on failure
        second = await client.send_message(GROUP, "escalation 7", dedupe_key="escalation:7")
        assert len(first) == 1
        assert second == []
        doc = await client.send_document(GROUP, "a.pdf", b"x", dedupe_key="doc:1")
        assert doc is not None
        assert await client.send_document(GROUP, "a.pdf", b"x", dedupe_key="doc:1") is None
    assert len(fake.sent) == 2


async def test_connection_refused_is_a_network_error(sleeper: FakeSleep) -> None:
    from tests.support.live import free_port
    from tools.telegram import TelegramNetworkError

    async with TelegramClient(f"http://127.0.0.1:{free_port()}", DEMO_TOKEN, sleep=sleeper, max_retries=2) as c:
        with pytest.raises(TelegramNetworkError):
            await c.get_me()
    assert len(sleeper.calls) == 2


async def test_works_through_the_service_mount_prefix(fake: FakeTelegram, sleeper: FakeSleep) -> None:
    from fastapi import FastAPI

    service = FastAPI()
    service.mount("/sandbox/telegram", fake.app)
    fake.reset()
    with live_server(service) as mounted:
        async with TelegramClient(f"{mounted.url}/sandbox/telegram", DEMO_TOKEN, sleep=sleeper) as client:
            await client.send_message(GROUP, bold("Escalation") + ": " + escape_html("refund <urgent>"))
        async with httpx.AsyncClient() as http:
            sent = (await http.get(f"{mounted.url}/sandbox/telegram/sent")).json()
    assert sent[0]["text"] == "Escalation: refund <urgent>"
