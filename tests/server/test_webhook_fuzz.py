"""Property-based fuzzing of the Wazzup webhook against the running service (API + worker, real Postgres).

Bodies are generated around the real shape: well-formed customer messages mixed with items whose fields are
missing, of the wrong type, huge, or full of characters Postgres cannot store, plus bytes that are not JSON at
all. Whatever arrives: never a 5xx, every accepted body is ingested (none stuck in the queue), and every
well-formed message of an accepted body is stored exactly once, even beside broken ones.

NOOR_FUZZ_EXAMPLES sets the number of bodies (docs/benchmarks.md records a 10,000-body run)."""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.wazzup import NoorClient, inbound

EXAMPLES = int(os.environ.get("NOOR_FUZZ_EXAMPLES", "400"))
ACCEPTED_OR_REFUSED = {200, 400, 403, 413, 422}

hostile_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60) | st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "\udfff tail", "😀" * 50, "ـ" * 3000, "%s%s%(x)s", "' OR 1=1 --"]
)
json_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "messageId",
    "dateTime",
    "channelId",
    "chatType",
    "chatId",
    "type",
    "isEcho",
    "status",
    "contact",
    "text",
    "contentUri",
    "isEdited",
    "isDeleted",
    "authorType",
]


def _new_chat() -> str:
    return f"97158{uuid.uuid4().int % 10**7:07d}"


@st.composite
def broken_item(draw: st.DrawFn) -> Any:
    """A message item with some fields dropped or replaced, or not an item at all."""
    if draw(st.booleans()):
        return draw(json_value)
    item = inbound(_new_chat(), draw(hostile_text))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            item.pop(name, None)
        else:
            item[name] = draw(json_value)
    return item


@st.composite
def webhook_body(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """The raw body and the message ids of its well-formed customer messages."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200)), []
    good = [
        inbound(_new_chat(), draw(st.text(min_size=1, max_size=40).filter(str.strip)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    good = [m for m in good if "\x00" not in m["text"] and not any(0xD800 <= ord(c) <= 0xDFFF for c in m["text"])]
    items = good + draw(st.lists(broken_item(), max_size=3))
    items = draw(st.permutations(items))
    body: dict[str, Any] = {"messages": items}
    if draw(st.booleans()):
        body["statuses"] = draw(st.lists(json_value, max_size=2))
    if draw(st.integers(0, 4)) == 0:
        body = draw(st.dictionaries(hostile_text, json_value, max_size=3)) | body
    if body.get("test") is True:
        good = []  # a test delivery is answered and not stored
    raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
        return raw, []
    return raw, [m["messageId"] for m in good]


async def test_characters_postgres_cannot_store_are_replaced_and_the_message_kept(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = _new_chat()
    text = "hi\\u0000 I need 3 chairs \\ud800 please"  # JSON escapes: NUL and a surrogate without its pair
    raw = json.dumps({"messages": [inbound(chat, "PLACEHOLDER")]}).replace("PLACEHOLDER", text).encode()
    response = await noor.webhook(None, raw=raw)
    assert response.status_code == 200, response.text
    replies = await noor.wait_for_replies(chat)
    assert replies, "the customer was answered"
    with psycopg.connect(service_database_url) as conn:
        row = conn.execute(
            "SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.chat_id = %s AND m.direction = 'in'",
            (chat,),
        ).fetchone()
    assert row == ("hi I need 3 chairs \ufffd please",)


@pytest.mark.parametrize(
    ("raw", "why"),
    [(b'{"messages": [], "n": NaN}', "NaN is not JSON"), (b'{"messages": ["\xed\xa0\x80"]}', "not UTF-8")],
)
async def test_a_body_that_is_not_json_is_refused_with_a_reason(noor: NoorClient, raw: bytes, why: str) -> None:
    response = await noor.webhook(None, raw=raw)
    assert response.status_code == 400, why
    assert response.json()["error"] == "malformed_json"


def test_no_webhook_body_breaks_the_service_or_is_half_stored(service_url: str, service_database_url: str) -> None:
    accepted: list[str] = []
    statuses: set[int] = set()
    with httpx.Client(base_url=service_url, timeout=30) as http:

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(webhook_body())
        def post(case: tuple[bytes, list[str]]) -> None:
            raw, good_ids = case
            response = http.post(
                "/webhooks/wazzup",
                params={"token": "demo-webhook-token"},
                content=raw,
                headers={"content-type": "application/json"},
            )
            statuses.add(response.status_code)
            assert response.status_code in ACCEPTED_OR_REFUSED, (response.status_code, response.text, raw[:300])
            if response.status_code != 200:
                assert response.json()["error"], response.text  # refused with a reason, not a bare status
            else:
                accepted.extend(good_ids)

        post()

    assert 200 in statuses, "no body was accepted: the generator lost the real shape"
    assert 400 in statuses, "no body was refused: the generator is not hostile"
    with psycopg.connect(service_database_url, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while (waiting := _unprocessed(conn)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert waiting == 0, f"{waiting} accepted deliveries never ingested"
        rows = conn.execute(
            "SELECT provider_message_id, count(*) FROM messages WHERE provider_message_id = ANY(%s) GROUP BY 1",
            (accepted,),
        ).fetchall()
    stored: dict[str, int] = {message_id: count for message_id, count in rows}
    missing = [m for m in accepted if stored.get(m) != 1]
    assert not missing, f"{len(missing)} of {len(accepted)} well-formed messages not stored exactly once"


def _unprocessed(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    row = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE processed_at IS NULL").fetchone()
    assert row is not None
    return int(row[0])
