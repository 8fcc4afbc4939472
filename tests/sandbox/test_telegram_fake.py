"""The fake Telegram Bot API over real HTTP: envelope, limits, HTML validation, flood control, migrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.telegram import DEMO_TOKEN, FakeChat, FakeTelegram, ManualClock, parse_telegram_html
from tests.support.live import LiveServer, live_server

GROUP = -1002145678901  # the demo "sales alerts" supergroup
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


@pytest.fixture
def api(server: LiveServer, fake: FakeTelegram) -> Iterator[httpx.Client]:
    fake.reset()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


def call(api: httpx.Client, method: str, token: str = DEMO_TOKEN, **kwargs: Any) -> httpx.Response:
    return api.post(f"/bot{token}/{method}", **kwargs)


def test_get_me_and_method_names_are_case_insensitive(api: httpx.Client) -> None:
    for name in ("getMe", "getme", "GETME"):
        body = call(api, name).json()
        assert body["ok"] is True
        assert body["result"]["is_bot"] is True
    assert api.get(f"/bot{DEMO_TOKEN}/getMe").json()["ok"] is True


def test_send_message_json_and_form(api: httpx.Client) -> None:
    first = call(
        api,
        "sendMessage",
        json={"chat_id": GROUP, "text": "<b>Hot lead</b> &amp; more", "parse_mode": "HTML"},
    ).json()
    assert first["ok"] is True
    message = first["result"]
    assert message["text"] == "Hot lead & more"
    assert message["chat"] == {"id": GROUP, "type": "supergroup", "title": message["chat"]["title"]}
    assert message["from"]["is_bot"] is True
    second = call(api, "sendmessage", data={"chat_id": str(PRIVATE), "text": "plain"}).json()
    assert second["ok"] is True
    assert second["result"]["message_id"] == 1
    sent = api.get("/sent").json()
    assert [s["text"] for s in sent] == ["Hot lead & more", "plain"]
    assert sent[0]["raw_text"] == "<b>Hot lead</b> &amp; more"
    assert api.get("/sent", params={"chat_id": PRIVATE}).json()[0]["chat_id"] == PRIVATE


def test_error_envelopes(api: httpx.Client) -> None:
    unauthorized = call(api, "sendMessage", token="123:wrong", json={"chat_id": GROUP, "text": "x"})
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    missing = call(api, "sendMessage", json={"chat_id": 42, "text": "x"})
    assert missing.status_code == 400
    assert missing.json()["description"] == "Bad Request: chat not found"
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": ""}).status_code == 400
    assert call(api, "noSuchMethod").status_code == 404


def test_text_and_caption_limits_count_visible_characters(api: httpx.Client) -> None:
    exact = "<b>" + "x" * 4096 + "</b>"
    assert call(api, "sendMessage", json={"chat_id": PRIVATE, "text": exact, "parse_mode": "HTML"}).is_success
    too_long = call(api, "sendMessage", json={"chat_id": PRIVATE, "text": "x" * 4097})
    assert too_long.status_code == 400
    assert too_long.json()["description"] == "Bad Request: message is too long"
    emoji = "😀" * 2049  # 4098 UTF-16 units
    assert call(api, "sendMessage", json={"chat_id": PRIVATE, "text": emoji}).status_code == 400
    caption = call(
        api,
        "sendDocument",
        data={"chat_id": str(PRIVATE), "caption": "c" * 1025},
        files={"document": ("quote.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert caption.status_code == 400
    assert "caption is too long" in caption.json()["description"]


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "<b><i>crossed</b></i>", "a < b", "fish & chips", "<script>x</script>", "</b>"],
)
def test_invalid_html_is_refused(api: httpx.Client, text: str) -> None:
    response = call(api, "sendMessage", json={"chat_id": PRIVATE, "text": text, "parse_mode": "HTML"})
    assert response.status_code == 400
    assert response.json()["description"].startswith("Bad Request: can't parse entities")
    # the same text without parse_mode is fine
    assert call(api, "sendMessage", json={"chat_id": PRIVATE, "text": text}).is_success


def test_html_parser_accepts_telegram_tags() -> None:
    html = '<a href="https://x.ae/?a=1&amp;b=2">link</a> <pre><code class="language-py">x</code></pre> &#128512;'
    assert parse_telegram_html(html) == "link x 😀"
    assert parse_telegram_html('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>') == "st"


def test_send_document_upload_file_id_and_url(api: httpx.Client, fake: FakeTelegram) -> None:
    upload = call(
        api,
        "sendDocument",
        data={"chat_id": str(GROUP), "caption": "<b>Floor plan</b>", "parse_mode": "HTML"},
        files={"document": ("plan.pdf", b"%PDF-1.4 plan", "application/pdf")},
    ).json()
    assert upload["ok"] is True
    document = upload["result"]["document"]
    assert document["file_name"] == "plan.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["file_size"] == len(b"%PDF-1.4 plan")
    assert upload["result"]["caption"] == "Floor plan"
    again = call(api, "sendDocument", json={"chat_id": PRIVATE, "document": document["file_id"]}).json()
    assert again["result"]["document"]["file_id"] == document["file_id"]
    by_url = call(
        api,
        "sendDocument",
        data={"chat_id": str(PRIVATE), "document": "https://files.example.ae/q/SO-00042.pdf"},
    ).json()
    assert by_url["result"]["document"]["file_name"] == "SO-00042.pdf"
    unknown = call(api, "sendDocument", json={"chat_id": PRIVATE, "document": "nope"})
    assert unknown.status_code == 400
    assert fake.sent[0].document_bytes == b"%PDF-1.4 plan"
    assert len(api.get("/sent").json()) == 3


def test_flood_control_returns_retry_after(api: httpx.Client, clock: ManualClock) -> None:
    for _ in range(3):  # the burst is tolerated
        assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "alert"}).is_success
    limited = call(api, "sendMessage", json={"chat_id": GROUP, "text": "alert"})
    assert limited.status_code == 429
    body = limited.json()
    assert body["parameters"]["retry_after"] == 1
    assert body["description"] == "Too Many Requests: retry after 1"
    # another chat is not affected
    assert call(api, "sendMessage", json={"chat_id": PRIVATE, "text": "alert"}).is_success
    clock.advance(1.0)
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "alert"}).is_success
    # configurable over HTTP: stricter
    assert api.post("/_control/flood", json={"burst": 1, "interval_seconds": 5}).is_success
    clock.advance(100)
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "a"}).is_success
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "b"}).json()["parameters"] == {"retry_after": 5}
    api.post("/_control/flood", json={"interval_seconds": None})
    assert all(call(api, "sendMessage", json={"chat_id": GROUP, "text": "c"}).is_success for _ in range(10))


def test_migration_blocking_and_forced_faults_over_http(api: httpx.Client, fake: FakeTelegram) -> None:
    fake.add_chat(FakeChat(id=-4001, type="group", title="Old group"))
    assert api.post("/_control/migrate", json={"chat_id": -4001, "new_chat_id": -1009990001}).is_success
    migrated = call(api, "sendMessage", json={"chat_id": -4001, "text": "x"})
    assert migrated.status_code == 400
    assert migrated.json()["parameters"] == {"migrate_to_chat_id": -1009990001}
    ok = call(api, "sendMessage", json={"chat_id": -1009990001, "text": "x"}).json()
    assert ok["result"]["chat"]["type"] == "supergroup"

    api.post("/_control/block", json={"chat_id": PRIVATE})
    blocked = call(api, "sendMessage", json={"chat_id": PRIVATE, "text": "x"})
    assert blocked.status_code == 403

    api.post(
        "/_control/fail",
        json={"error_code": 502, "description": "Bad Gateway", "count": 2, "method": "sendMessage"},
    )
    assert call(api, "getMe").is_success  # faults only for sendMessage
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "x"}).status_code == 502
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "x"}).status_code == 502
    assert call(api, "sendMessage", json={"chat_id": GROUP, "text": "x"}).is_success
    state = api.get("/_control/state").json()
    assert state["pending_faults"] == 0
    api.post("/_control/chats", json={"id": 99, "type": "private", "first_name": "New manager"})
    assert call(api, "sendMessage", json={"chat_id": 99, "text": "hi"}).is_success
    api.post("/_control/reset")
    assert api.get("/sent").json() == []


def test_upload_limit(api: httpx.Client) -> None:
    big = b"0" * (50 * 1024 * 1024 + 1)
    response = call(
        api,
        "sendDocument",
        data={"chat_id": str(PRIVATE)},
        files={"document": ("big.bin", big, "application/octet-stream")},
    )
    assert response.status_code == 413
