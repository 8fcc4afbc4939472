"""What the quality graph reads: its state, and the reviewer and store it reaches through the run's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NotRequired, Protocol

from typing_extensions import TypedDict  # Studio builds the input form from these with pydantic (Python 3.11)

from agent.quality.review import Review, Reviewer
from agent.quality.transcript import Transcript


class TranscriptStore(Protocol):
    """Where transcripts come from and reviews go (server/desk/quality.py is the Postgres one)."""

    async def load_transcript(self, conversation_id: int, episode: int | None = None) -> Transcript | None:
        """The episode (the latest when None) of a conversation, or None when there is no such episode."""
        ...

    async def save_review(self, review: Review) -> int:
        """Store the review (replacing the same reviewer's earlier review of the episode); its revision."""
        ...


@dataclass(kw_only=True)
class QualityContext:
    reviewer: Reviewer | None = field(default=None, repr=False)
    """Defaults to the offline reviewer."""
    store: TranscriptStore | None = field(default=None, repr=False)
    """Without a store the graph reviews a transcript given in its input and stores nothing."""

    def the_reviewer(self) -> Reviewer:
        if self.reviewer is None:
            from agent.quality.offline import OfflineReviewer

            self.reviewer = OfflineReviewer()
        return self.reviewer


class QualityInput(TypedDict):
    conversation_id: int
    episode: NotRequired[int | None]
    """Which episode to review; the latest when absent."""
    transcript: NotRequired[dict[str, Any]]
    """A transcript to review as given (Studio, tests), instead of loading it from the store."""


class QualityOutput(TypedDict):
    review: dict[str, Any] | None
    revision: int | None
    error: str | None


class QualityState(TypedDict, total=False):
    conversation_id: int
    episode: int | None
    transcript: dict[str, Any] | None
    review: dict[str, Any] | None
    revision: int | None
    error: str | None
