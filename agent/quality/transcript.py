"""A conversation episode as the reviewers read it: ordered messages with ids, and the escalations opened.

An episode is a stretch of one WhatsApp conversation without a long silence: a message that comes
`EPISODE_GAP` or more after the previous one starts the next episode (`split_episodes`). Episodes are
numbered from 1 in the order of the conversation's messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.language import Language, detect_language

_NO_LANGUAGE = re.compile(r"\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b|\b(?:AED|VAT|SKU|PDF|pcs)\b")
_LETTER = re.compile(r"[^\W\d_]")

EPISODE_GAP = timedelta(hours=24)
"""A silence at least this long ends an episode: the next message opens a new one."""

Direction = Literal["in", "out"]
Author = Literal["customer", "bot", "manager"]

MANAGER_REASONS = frozenset({"manager_takeover", "manager_echo"})
"""Escalation reasons that record a person taking the thread, not the bot handing it over."""


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    direction: Direction
    author: Author
    kind: str = "text"
    text: str = ""
    """The words: the message text, or a voice note's transcript; empty for a file without a caption."""
    language: Language | None = None
    """The language of the words (filled by `with_languages` when the store did not know it)."""
    facts: dict[str, Any] | None = None
    """For a bot message: the tool results of its turn, i.e. what it was allowed to state. None when the
    turn did not record them (older transcripts): then its figures cannot be checked against the shop's data."""
    at: datetime | None = None

    @property
    def by_customer(self) -> bool:
        return self.author == "customer"

    @property
    def by_bot(self) -> bool:
        return self.author == "bot"


class EscalationOpened(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    reason: str
    reasons: tuple[str, ...] = ()
    after_message_id: int
    """The last message of the transcript when it was opened (the hand-over message comes after it)."""
    status: Literal["open", "taken", "resolved"] = "open"

    @property
    def by_bot(self) -> bool:
        return self.reason not in MANAGER_REASONS


class Transcript(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: int
    episode: int = Field(default=1, ge=1)
    thread_id: str | None = None
    customer_name: str | None = None
    """The customer's profile name as WhatsApp gave it, if any."""
    messages: tuple[Message, ...] = ()
    escalations: tuple[EscalationOpened, ...] = ()

    @property
    def first_message_id(self) -> int | None:
        return self.messages[0].id if self.messages else None

    @property
    def last_message_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None

    def bot_messages(self) -> list[Message]:
        return [m for m in self.messages if m.by_bot]

    def customer_messages(self) -> list[Message]:
        return [m for m in self.messages if m.by_customer]


def with_languages(transcript: Transcript) -> Transcript:
    """The transcript with each message's language detected from its words where it was not known.

    A short Latin message ("ok", "12", a product code and its price) inside an Arabic or Russian conversation
    keeps the language of the customer's previous message, as the bot itself decides."""
    previous: Language | None = None
    messages = []
    for message in transcript.messages:
        language = message.language
        if language is None and message.text.strip():
            words = _NO_LANGUAGE.sub(" ", message.text)
            # product codes, prices and "AED" alone, or a short Latin reply, keep the customer's last language
            language = detect_language(words, previous) if _LETTER.search(words) else previous
        if message.by_customer and language is not None:
            previous = language
        messages.append(message if language == message.language else message.model_copy(update={"language": language}))
    return transcript.model_copy(update={"messages": tuple(messages)})


def split_episodes(times: Sequence[datetime], gap: timedelta = EPISODE_GAP) -> list[int]:
    """The episode number (from 1) of each message, given their times in transcript order."""
    episodes: list[int] = []
    current = 1
    for index, at in enumerate(times):
        if index and at - times[index - 1] >= gap:
            current += 1
        episodes.append(current)
    return episodes
