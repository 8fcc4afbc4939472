"""The media rules: what a turn's files mean for the conversation, judged once, before the graph runs.

The worker prepares every file (server/worker/media.py: download, transcribe, classify) into `PreparedItem`s;
`decide` turns them into the turn's `MediaDecisions`, and `MediaDecisions.as_note()` is what the graph reads
(`SalesState.media`): nodes act on that verdict and never look at the files again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from agent.state import InboundItem, MediaNote
from tools.media import (
    ImageSlots,
    MediaCategory,
)

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


# ----- what the graph does with the verdict ------------------------------------------------------------------

FILE_PROBLEMS = frozenset({REASON_DOWNLOAD_FAILED, REASON_TOO_LARGE})


def reply_about_files(note: MediaNote, *, typed: bool, has_product_cues: bool) -> dict[str, object] | None:
    """What to say about this turn's files when they are all the customer sent (or a photo we cannot read)."""
    if note.get("ask_to_type") and not typed:
        return {"kind": "ask_to_type"}
    photos = note.get("photos", [])
    if photos and not any(photos) and not has_product_cues:
        return {"kind": "photo_question"}  # no vision model: one question instead of a guess
    return None


def needs_a_person(note: MediaNote, *, awaiting_file: bool) -> bool:
    """Plans, drawings, tenders and files we could not open go to a person, and any file announced as a plan."""
    return bool(note.get("escalations")) or (awaiting_file and bool(note.get("received")))


def file_still_to_come(note: MediaNote) -> bool:
    """The customer spoke of a plan but sent no file yet: ask for it (the file, when it comes, goes to a person)."""
    return not note.get("received") and not note.get("escalations")


def only_file_problems(note: MediaNote) -> bool:
    """Every file that needs a person is one we could not open: the holding message must not claim we saw it."""
    reasons = set(note.get("escalations", []))
    return bool(reasons) and reasons <= FILE_PROBLEMS
