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
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from agent.policies.media import REASON_DOWNLOAD_FAILED, REASON_TOO_LARGE, MediaStatus, PreparedItem
from agent.state import InboundItem
from server.components.media import MB, NamedTranscriber, build_transcribers, media_store
from server.settings import Settings
from tools.media import (
    Classification,
    ImageDescriber,
    ImageSlots,
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
    TranscriptionError,
)

log = logging.getLogger(__name__)


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

    async def warm_up(self) -> None:
        """Load the local speech models now (offline Whisper assembles and verifies its weights on first use, which
        takes seconds to minutes on a cold machine): the first voice note is then not the one that waits."""
        for named in self.transcribers:
            load = getattr(named.transcriber, "load", None)
            if callable(load):
                try:
                    await asyncio.to_thread(load)
                except Exception as exc:  # the note itself will get the honest "please type" answer
                    log.warning("could not load the %s speech model: %s", named.name, exc)

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
