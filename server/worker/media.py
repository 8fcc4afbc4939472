"""Media before a turn: every voice note, photo and document of the turn is downloaded, stored, transcribed or
classified, and handed back as decisions the graph acts on. Nothing is dropped silently.

The worker calls, before running the graph on a ``PendingTurn``::

    prepared = await media.prepare(turn.conversation_id, turn.language, turn.inbound)
    turn.inbound = [item.as_inbound() for item in prepared]   # voice notes now carry their transcript
    decisions = decide(prepared, language=turn.language)       # ask_to_type / escalations / photos / acks

What ``prepare`` does per inbound item with a ``content_uri`` (text items pass through untouched):

1. One ``media`` row per message (``INSERT … ON CONFLICT (message_id) DO NOTHING``): calling ``prepare`` again
   for the same messages (a resumed turn) downloads, transcribes and classifies nothing twice.
2. Download with the limit of its kind, timeouts and retries (``tools.media.MediaDownloader``); bytes go to the
   ``MediaStore`` by sha256. A download that still fails is recorded (``status='failed'``, attempts, error)
   and surfaced: ``route_to_manager`` with reason ``media_download_failed`` (``media_too_large`` when over the
   limit); a voice note instead asks the customer to type (step 3). ``retry(media_id)`` tries again later.
3. Voice notes (``audio``) are transcribed by the first provider that works, in the configured order,
   with the conversation's language forced when known. The transcript is stored on the media row and on the
   message (``messages.transcript``) and becomes the item's ``text``. A voice note is transcribed at most once:
   when every provider fails (or none is configured, or it is too large), the stored outcome makes the item
   ``ask_to_type`` every time it is prepared, and ``decide`` folds any number of such items into one polite
   request per turn.
4. Documents and images are classified (``tools.media.classify_media``): floor plans, drawings and tender
   documents (RFQ, BOQ, RFP) are ``route_to_manager`` with reason codes ``floor_plan``, ``drawing``,
   ``tender_document``; photos go through the ``ImageDescriber`` (search slots; "unknown" offline); anything
   else is acknowledged and kept for the manager.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from server.settings import Settings
from tools.media import (
    Classification,
    ImageDescriber,
    ImageSlots,
    LocalMediaStore,
    MediaCategory,
    MediaDownloader,
    MediaDownloadError,
    MediaNotFound,
    MediaStore,
    MediaTooLarge,
    OfflineImageDescriber,
    OpenRouterImageDescriber,
    VisionError,
    classify_media,
    sniff,
)
from tools.speech import (
    AudioTooLarge,
    OpenAITranscriber,
    OpenRouterTranscriber,
    Transcriber,
    TranscriptionError,
    offline_available,
)

if TYPE_CHECKING:  # the API process serves files without loading the graph's stack
    from agent.state import InboundItem, MediaNote

log = logging.getLogger(__name__)

MB = 1024 * 1024

MediaStatus = Literal["none", "pending", "downloaded", "failed", "too_large"]
Transcription = Literal["not_needed", "transcribed", "failed", "unavailable", "too_large"]

REASON_DOWNLOAD_FAILED = "media_download_failed"
REASON_TOO_LARGE = "media_too_large"


class PreparedItem(BaseModel):
    """One inbound message after media preparation: what the turn reads, and what it has to do about it."""

    message_id: str
    """As in ``InboundItem`` (Wazzup's messageId, or our row id)."""
    message_row_id: int | None = None
    kind: str
    """Wazzup's message type: text, audio, image, document, video..."""
    text: str | None = None
    """What the customer said: the typed text or caption, or the transcript of a voice note."""
    caption: str | None = None
    content_uri: str | None = None

    media_id: int | None = None
    """``media.id``: the inbox serves the file at ``/media/{media_id}``; attach it to alerts."""
    media_status: MediaStatus = "none"
    content_type: str | None = None
    file_name: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    category: MediaCategory | None = None
    signals: list[str] = Field(default_factory=list)
    text_excerpt: str | None = None

    transcription: Transcription = "not_needed"
    transcript: str | None = None
    transcript_language: str | None = None
    transcript_provider: str | None = None

    image_slots: ImageSlots | None = None
    """Photos only: category/colour/material/style for the catalog search (``unknown`` offline)."""

    ask_to_type: bool = False
    """A voice note we could not turn into text: the reply asks, politely, to type the message."""
    route_to_manager: bool = False
    reason_code: str | None = None
    """floor_plan, drawing, tender_document, media_download_failed, media_too_large."""
    acknowledge: bool = False
    """A file the reply should acknowledge (received, a manager will see it / here is what we found)."""
    error: str | None = None

    def as_inbound(self) -> InboundItem:
        """The item for the graph: voice notes carry their transcript as text."""
        return {"message_id": self.message_id, "kind": self.kind, "text": self.text, "content_uri": self.content_uri}


class MediaEscalation(BaseModel):
    reason_code: str
    message_id: str
    media_id: int | None
    category: MediaCategory | None
    file_name: str | None
    content_type: str | None


class MediaDecisions(BaseModel):
    """The turn-level summary of ``prepare``'s items, for the graph and the escalation node."""

    language: str | None = None
    ask_to_type: bool = False
    """At most one polite request per turn, however many voice notes failed."""
    ask_to_type_message_ids: list[str] = Field(default_factory=list)
    escalations: list[MediaEscalation] = Field(default_factory=list)
    photos: list[PreparedItem] = Field(default_factory=list)
    """Photos that are not plans: search with ``image_slots.search_slots()`` when known, else acknowledge and
    ask one clarifying question."""
    acknowledged: list[PreparedItem] = Field(default_factory=list)
    """Every received file (not voice notes), escalated or not: the reply says it was received."""
    transcribed: list[PreparedItem] = Field(default_factory=list)

    @property
    def route_to_manager(self) -> bool:
        return bool(self.escalations)

    @property
    def reason_codes(self) -> list[str]:
        return list(dict.fromkeys(e.reason_code for e in self.escalations))

    @property
    def media_ids(self) -> list[int]:
        return [e.media_id for e in self.escalations if e.media_id is not None]

    def as_note(self) -> MediaNote:
        """What the sales graph reads of it (plain values, checkpointed with the turn)."""
        return {
            "ask_to_type": self.ask_to_type,
            "escalations": self.reason_codes,
            "photos": [p.image_slots.search_slots() if p.image_slots else {} for p in self.photos],
            "received": [item.kind for item in self.acknowledged],
        }


def decide(items: Sequence[PreparedItem], *, language: str | None = None) -> MediaDecisions:
    decisions = MediaDecisions(language=language)
    for item in items:
        if item.media_status == "none":
            continue
        if item.ask_to_type:
            decisions.ask_to_type = True
            decisions.ask_to_type_message_ids.append(item.message_id)
        if item.transcription == "transcribed":
            decisions.transcribed.append(item)
        if item.route_to_manager and item.reason_code:
            decisions.escalations.append(
                MediaEscalation(
                    reason_code=item.reason_code,
                    message_id=item.message_id,
                    media_id=item.media_id,
                    category=item.category,
                    file_name=item.file_name,
                    content_type=item.content_type,
                )
            )
        if item.category == "photo":
            decisions.photos.append(item)
        if item.acknowledge:
            decisions.acknowledged.append(item)
    return decisions


class NamedTranscriber:
    """A transcriber and the name stored with its transcripts."""

    def __init__(self, name: str, transcriber: Transcriber) -> None:
        self.name = name
        self.transcriber = transcriber


_MEDIA_COLUMNS = (
    "id, message_id, conversation_id, kind, source_uri, status, attempts, error, sha256, size_bytes, content_type,"
    " file_name, storage, storage_key, category, classification, vision, transcription_status, transcript,"
    " transcript_language, transcript_provider, transcription_error"
)


class MediaService:
    """Downloads, stores, transcribes and classifies the media of a turn; see the module docstring."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        store: MediaStore,
        downloader: MediaDownloader,
        *,
        transcribers: Sequence[NamedTranscriber] = (),
        describer: ImageDescriber | None = None,
        concurrency: int = 4,
        on_close: Sequence[Callable[[], Any]] = (),
    ) -> None:
        self.pool = pool
        self.store = store
        self.downloader = downloader
        self.transcribers = list(transcribers)
        self.describer: ImageDescriber = describer or OfflineImageDescriber()
        self._limit = asyncio.Semaphore(max(1, concurrency))
        self._on_close = list(on_close)

    async def aclose(self) -> None:
        await self.downloader.aclose()
        for closable in [*(t.transcriber for t in self.transcribers), self.describer]:
            close_client = getattr(closable, "aclose", None)
            if close_client is not None:
                await close_client()
        for close in self._on_close:
            result = close()
            if asyncio.iscoroutine(result):
                await result

    # ----- the API the worker calls ------------------------------------------------------------------

    async def prepare(
        self, conversation_id: int, language: str | None, items: Sequence[InboundItem]
    ) -> list[PreparedItem]:
        """Prepare every item of a turn (in order). Idempotent by message: safe to call again on a resumed turn."""
        rows = await self._message_rows(conversation_id, items)

        async def one(item: InboundItem) -> PreparedItem:
            async with self._limit:
                return await self._prepare_one(conversation_id, language, item, rows.get(item["message_id"]))

        return list(await asyncio.gather(*(one(item) for item in items)))

    async def retry(self, media_id: int, language: str | None = None) -> PreparedItem | None:
        """Download a failed file again (e.g. from the inbox), then transcribe/classify it. None if unknown."""
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT m.id AS row_id, m.provider_message_id, m.kind, m.text, m.content_uri, m.conversation_id"
                    " FROM media JOIN messages m ON m.id = media.message_id WHERE media.id = %s",
                    (media_id,),
                )
            ).fetchone()
            if row is None:
                return None
            await conn.execute(
                "UPDATE media SET status = 'pending', updated_at = now() WHERE id = %s AND status = 'failed'",
                (media_id,),
            )
        item: InboundItem = {
            "message_id": str(row["provider_message_id"] or row["row_id"]),
            "kind": row["kind"],
            "text": row["text"],
            "content_uri": row["content_uri"],
        }
        return await self._prepare_one(
            row["conversation_id"], language, item, {"id": row["row_id"], "text": row["text"]}
        )

    # ----- one item -----------------------------------------------------------------------------------

    async def _message_rows(self, conversation_id: int, items: Sequence[InboundItem]) -> dict[str, dict[str, Any]]:
        ids = [item["message_id"] for item in items if item.get("content_uri")]
        if not ids:
            return {}
        async with self.pool.connection() as conn:
            found = await (
                await conn.execute(
                    "SELECT id, provider_message_id, text FROM messages WHERE conversation_id = %s"
                    " AND direction = 'in' AND (provider_message_id = ANY(%s) OR id::text = ANY(%s))",
                    (conversation_id, ids, ids),
                )
            ).fetchall()
        rows: dict[str, dict[str, Any]] = {}
        for row in found:
            rows[str(row["id"])] = row
            if row["provider_message_id"]:
                rows[str(row["provider_message_id"])] = row
        return rows

    async def _prepare_one(
        self, conversation_id: int, language: str | None, item: InboundItem, message: dict[str, Any] | None
    ) -> PreparedItem:
        uri = item.get("content_uri")
        kind = item.get("kind") or "text"
        if not uri:
            return PreparedItem(message_id=item["message_id"], kind=kind, text=item.get("text"))
        if message is None:
            # Not in the transcript (should not happen): still fetch nothing silently wrong; surface it.
            log.error("media item %s has no message row in conversation %s", item["message_id"], conversation_id)
            return PreparedItem(
                message_id=item["message_id"],
                kind=kind,
                text=item.get("text"),
                caption=item.get("text"),
                content_uri=uri,
                media_status="failed",
                route_to_manager=True,
                reason_code=REASON_DOWNLOAD_FAILED,
                acknowledge=kind != "audio",
                ask_to_type=kind == "audio",
                transcription="failed" if kind == "audio" else "not_needed",
                error="message row not found",
            )
        media = await self._claim(message["id"], conversation_id, kind, uri)
        data: bytes | None = None
        if media["status"] == "pending":
            media, data = await self._download(media, uri, kind)
        voice = kind == "audio" or (media["content_type"] or "").startswith("audio/")
        if media["status"] == "downloaded" and media["category"] is None:
            data = data if data is not None else await self._load(media)
            if data is not None:
                media = await self._classify(media, data, item.get("text"), language)
        if media["status"] == "downloaded" and voice and media["transcription_status"] is None:
            data = data if data is not None else await self._load(media)
            if data is not None:
                media = await self._transcribe(media, data, language)
        return self._prepared(item, message, media, voice)

    async def _claim(self, message_row_id: int, conversation_id: int, kind: str, uri: str) -> dict[str, Any]:
        async with self.pool.connection() as conn:
            await conn.execute(
                "INSERT INTO media (message_id, conversation_id, kind, source_uri) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (message_id) DO NOTHING",
                (message_row_id, conversation_id, kind, uri),
            )
            row = await (
                await conn.execute(f"SELECT {_MEDIA_COLUMNS} FROM media WHERE message_id = %s", (message_row_id,))
            ).fetchone()
        assert row is not None
        return dict(row)

    async def _update(
        self, media_id: int, *, add_attempts: int | None = None, downloaded: bool = False, **values: Any
    ) -> dict[str, Any]:
        assignments = [f"{name} = %({name})s" for name in values]
        if add_attempts is not None:
            assignments.append("attempts = attempts + %(add_attempts)s")
            values["add_attempts"] = add_attempts
        if downloaded:
            assignments.append("downloaded_at = now()")
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    f"UPDATE media SET {', '.join(assignments)}, updated_at = now() WHERE id = %(media_id)s"
                    f" RETURNING {_MEDIA_COLUMNS}",
                    {**values, "media_id": media_id},
                )
            ).fetchone()
        assert row is not None
        return dict(row)

    async def _download(self, media: dict[str, Any], uri: str, kind: str) -> tuple[dict[str, Any], bytes | None]:
        try:
            got = await self.downloader.download(uri, kind=kind)
        except MediaTooLarge as exc:
            log.warning("media %s too large: %s", media["id"], exc)
            return await self._update(
                media["id"], status="too_large", add_attempts=exc.attempts, error=str(exc)[:2000], size_bytes=exc.size
            ), None
        except MediaDownloadError as exc:
            log.warning("media %s download failed after %s attempts: %s", media["id"], exc.attempts, exc)
            return await self._update(
                media["id"], status="failed", add_attempts=max(1, exc.attempts), error=str(exc)[:2000]
            ), None
        key = await self.store.put(got.data, content_type=got.content_type)
        updated = await self._update(
            media["id"],
            status="downloaded",
            add_attempts=got.attempts,
            error=None,
            sha256=got.sha256,
            size_bytes=got.size,
            content_type=got.content_type,
            declared_content_type=got.declared_content_type,
            file_name=got.file_name,
            storage=self.store.name,
            storage_key=key,
            downloaded=True,
        )
        return updated, got.data

    async def _load(self, media: dict[str, Any]) -> bytes | None:
        try:
            return await self.store.get(media["storage_key"])
        except MediaNotFound:
            log.error("media %s is recorded as downloaded but missing from the %s store", media["id"], self.store.name)
            return None

    async def _classify(
        self, media: dict[str, Any], data: bytes, caption: str | None, language: str | None
    ) -> dict[str, Any]:
        sniffed = sniff(data, media["file_name"], media["kind"])
        family = "audio" if media["kind"] == "audio" and sniffed.family in ("audio", "other") else sniffed.family
        result: Classification = classify_media(
            data, content_type=sniffed.content_type, family=family, file_name=media["file_name"], caption=caption
        )
        vision: ImageSlots | None = None
        if result.category == "photo":
            try:
                vision = await self.describer.describe(data, content_type=sniffed.content_type, language=language)
            except VisionError as exc:
                log.warning("image describer failed for media %s: %s", media["id"], exc)
                vision = ImageSlots(provider="offline", description=f"describer failed: {exc}"[:300])
        return await self._update(
            media["id"],
            category=result.category,
            classification=json.dumps(result.model_dump(mode="json"), ensure_ascii=False),
            vision=json.dumps(vision.model_dump(mode="json"), ensure_ascii=False) if vision else None,
        )

    async def _transcribe(self, media: dict[str, Any], data: bytes, language: str | None) -> dict[str, Any]:
        if not self.transcribers:
            return await self._update(
                media["id"],
                transcription_status="unavailable",
                transcription_error="no speech-to-text provider is configured (no API key, voice extra missing)",
            )
        errors: list[str] = []
        status = "failed"
        for named in self.transcribers:
            try:
                transcript = await named.transcriber.transcribe(
                    data, filename=media["file_name"] or "voice.ogg", language=language
                )
            except AudioTooLarge as exc:
                errors.append(f"{named.name}: {exc}")
                status = "too_large"
                break
            except TranscriptionError as exc:
                errors.append(f"{named.name}: {type(exc).__name__}: {exc}")
                continue
            if not transcript.text.strip():
                errors.append(f"{named.name}: empty transcript")
                continue
            updated = await self._update(
                media["id"],
                transcription_status="transcribed",
                transcript=transcript.text.strip(),
                transcript_language=transcript.language or language,
                transcript_provider=named.name,
                transcript_model=transcript.model,
                transcription_error="; ".join(errors)[:2000] or None,
            )
            async with self.pool.connection() as conn:
                await conn.execute(
                    "UPDATE messages SET transcript = %s WHERE id = %s", (updated["transcript"], media["message_id"])
                )
            return updated
        log.warning("voice note %s not transcribed: %s", media["id"], "; ".join(errors))
        return await self._update(
            media["id"], transcription_status=status, transcription_error="; ".join(errors)[:2000]
        )

    def _prepared(self, item: InboundItem, message: dict[str, Any], media: dict[str, Any], voice: bool) -> PreparedItem:
        caption = item.get("text")
        status: MediaStatus = media["status"]
        classification = media["classification"] or {}
        prepared = PreparedItem(
            message_id=item["message_id"],
            message_row_id=message["id"],
            kind=item.get("kind") or "text",
            text=caption,
            caption=caption,
            content_uri=item.get("content_uri"),
            media_id=media["id"],
            media_status=status,
            content_type=media["content_type"],
            file_name=media["file_name"],
            size_bytes=media["size_bytes"],
            sha256=media["sha256"],
            category=media["category"],
            signals=list(classification.get("signals") or []),
            text_excerpt=classification.get("text_excerpt"),
            error=media["error"],
        )
        if status in ("failed", "too_large", "pending") and not voice:
            prepared.route_to_manager = True
            prepared.reason_code = REASON_TOO_LARGE if status == "too_large" else REASON_DOWNLOAD_FAILED
        if voice:
            # A voice note we cannot hear (not downloadable, too large, not transcribed) is recovered by asking
            # the customer to type it; its row stays in the inbox (status, error, original link) for managers.
            transcription = media["transcription_status"]
            if status == "too_large":
                prepared.transcription = "too_large"
            elif status != "downloaded":
                prepared.transcription = "failed"
            else:
                prepared.transcription = transcription or "failed"
            if prepared.transcription == "transcribed":
                prepared.transcript = media["transcript"]
                prepared.transcript_language = media["transcript_language"]
                prepared.transcript_provider = media["transcript_provider"]
                prepared.text = "\n".join(t for t in (caption, media["transcript"]) if t)
            else:
                prepared.ask_to_type = True
                prepared.error = prepared.error or media["transcription_error"]
            return prepared
        prepared.acknowledge = True
        if status == "downloaded" and classification.get("route_to_manager"):
            prepared.route_to_manager = True
            prepared.reason_code = classification.get("reason_code")
        if media["vision"]:
            prepared.image_slots = ImageSlots.model_validate(media["vision"])
        return prepared


# ----- wiring from Settings --------------------------------------------------------------------------


def build_transcribers(settings: Settings, http: httpx.AsyncClient) -> list[NamedTranscriber]:
    """Providers in ``settings.stt_providers`` order: hosted ones when their key is set, offline Whisper when
    the ``voice`` extra is installed. An empty list means voice notes get the "please type" answer."""
    found: list[NamedTranscriber] = []
    for name in settings.stt_providers:
        if name == "openrouter" and settings.openrouter_api_key is not None:
            found.append(
                NamedTranscriber(
                    "openrouter",
                    OpenRouterTranscriber(
                        settings.openrouter_base_url,
                        settings.openrouter_api_key.get_secret_value(),
                        http,
                        model=settings.stt_openrouter_model,
                        timeout=settings.stt_timeout_seconds,
                        app_url=settings.public_url,
                        app_title="Noor",
                    ),
                )
            )
        elif name == "openai" and settings.openai_api_key is not None:
            found.append(
                NamedTranscriber(
                    "openai",
                    OpenAITranscriber(
                        settings.openai_base_url,
                        settings.openai_api_key.get_secret_value(),
                        http,
                        model=settings.stt_openai_model,
                        timeout=settings.stt_timeout_seconds,
                    ),
                )
            )
        elif name == "offline" and offline_available():
            from tools.speech.offline import OfflineWhisperTranscriber

            found.append(NamedTranscriber("offline-whisper", OfflineWhisperTranscriber(settings.data_dir)))
        elif name not in ("openrouter", "openai", "offline"):
            log.warning("unknown speech-to-text provider %r in stt_providers; ignored", name)
    return found


def media_store(settings: Settings) -> MediaStore:
    """The file store the worker writes and the managers' ``/media/{id}`` route reads (local files under
    ``settings.media_path``; an object store plugs in here)."""
    return LocalMediaStore(settings.media_path)


def build_media_service(
    settings: Settings, pool: AsyncConnectionPool[Any], *, store: MediaStore | None = None
) -> MediaService:
    """The service as the worker uses it; ``await service.aclose()`` on shutdown."""
    http = httpx.AsyncClient()
    downloader = MediaDownloader(
        limits={
            "audio": int(settings.media_max_mb_audio * MB),
            "image": int(settings.media_max_mb_image * MB),
            "video": int(settings.media_max_mb_video * MB),
            "document": int(settings.media_max_mb_document * MB),
        },
        connect_timeout=settings.media_connect_timeout_seconds,
        read_timeout=settings.media_read_timeout_seconds,
        total_timeout=settings.media_download_timeout_seconds,
        attempts=settings.media_download_attempts,
        backoff_seconds=settings.media_backoff_seconds,
        backoff_cap_seconds=settings.media_backoff_cap_seconds,
        allowed_hosts=settings.media_allowed_hosts,
    )
    describer: ImageDescriber = OfflineImageDescriber()
    if settings.vision_model and settings.openrouter_api_key is not None:
        describer = OpenRouterImageDescriber(
            settings.openrouter_base_url,
            settings.openrouter_api_key.get_secret_value(),
            http,
            model=settings.vision_model,
            timeout=settings.vision_timeout_seconds,
        )
    return MediaService(
        pool,
        store or media_store(settings),
        downloader,
        transcribers=build_transcribers(settings, http),
        describer=describer,
        on_close=[http.aclose],
    )


# ----- serving files to managers ---------------------------------------------------------------------

# Served inline only when a browser shows them safely; everything else downloads as an attachment.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")


async def conversation_media(conn: Any, conversation_id: int) -> dict[int, dict[str, Any]]:
    """The ``media`` rows of a conversation by ``messages.id``, for the inbox's transcript view."""
    rows = await (
        await conn.execute(
            "SELECT id, message_id, kind, status, attempts, error, source_uri, content_type, file_name, size_bytes,"
            " category, classification->>'reason_code' AS reason_code, transcription_status, transcript,"
            " transcript_language FROM media WHERE conversation_id = %s ORDER BY id",
            (conversation_id,),
        )
    ).fetchall()
    return {int(row["message_id"]): dict(row) for row in rows}


async def media_file_response(pool: AsyncConnectionPool[Any], store: MediaStore, media_id: int) -> Response:
    """The stored file of ``media.id`` (404 when unknown or not downloaded). No authorisation here: call it
    only behind the managers' guard (see ``media_router``)."""
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "SELECT status, storage_key, content_type, file_name, sha256 FROM media WHERE id = %s", (media_id,)
            )
        ).fetchone()
    if row is None or row["status"] != "downloaded" or not row["storage_key"]:
        return JSONResponse({"error": "not_found"}, status_code=404)
    content_type = row["content_type"] or "application/octet-stream"
    inline = content_type.startswith("audio/") or content_type in _INLINE_TYPES
    name = (row["file_name"] or f"media-{media_id}").replace('"', "")
    headers = {
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
        "ETag": f'"{row["sha256"]}"',
    }
    path = store.local_path(row["storage_key"])
    if path is not None:
        return FileResponse(
            path,
            media_type=content_type,
            filename=name,
            content_disposition_type="inline" if inline else "attachment",
            headers=headers,
        )
    url = await store.url(row["storage_key"])
    if url is not None:
        return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    return JSONResponse({"error": "not_found"}, status_code=404)


def media_router(
    store: MediaStore,
    guard: Callable[..., Any],
    get_pool: Callable[[Request], AsyncConnectionPool[Any]] | None = None,
) -> APIRouter:
    """``GET /media/{media_id}`` behind ``guard`` (the managers' auth dependency, e.g. the inbox session).

    There is deliberately no unguarded default: customer files are private. ``get_pool`` defaults to the
    service's pool (``app.state.services.pool``).
    """

    def pool_of(request: Request) -> AsyncConnectionPool[Any]:
        if get_pool is not None:
            return get_pool(request)
        pool: AsyncConnectionPool[Any] = request.app.state.services.pool
        return pool

    router = APIRouter(dependencies=[Depends(guard)])

    @router.get("/media/{media_id}", name="media_file")
    async def media_file(media_id: int, request: Request) -> Response:
        return await media_file_response(pool_of(request), store, media_id)

    @router.get("/media/message/{message_id}", name="message_media_file")
    async def message_media_file(message_id: int, request: Request) -> Response:
        """The file of a message (``messages.id``): what the inbox links for messages added live."""
        pool = pool_of(request)
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT id FROM media WHERE message_id = %s", (message_id,))).fetchone()
        if row is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return await media_file_response(pool, store, int(row["id"]))

    return router
