"""The oracle model mode (`python -m evals --model oracle`): Noor's OpenRouter path, answered from gold labels.

The service runs exactly as with a provider (agent/models/chat.py `ChatSalesModel` behind `FallbackModel`, the real
ChatOpenAI client over HTTP), configured against the fake OpenRouter it mounts itself. The fake's responder is
this module's `Oracle`:

- an "understand" request (a forced call of the `Understanding` function) is answered with the gold label of
  the customer turn being understood, as that function call: the customer's latest messages are looked up among
  the labelled turns, and when several turns say the same words, the one whose earlier customer messages match
  the request's history best wins. A turn without a label gets an error, so the service's fallback (the
  offline model) understands it; such turns are counted in `misses`;
- a "write" request (the brief in the last system message, "Write the next reply. Situation and the only facts
  you may use: {...}") is answered with what the offline model writes from that brief (agent/models/offline/wording.py);
- voice notes are transcribed by the fake OpenRouter too (the service's first speech-to-text provider once a
  key is set): each scenario's `transcript` is registered for its file.

So a scenario that fails in oracle mode but passes offline fails because of what the graph does with a correct
understanding, not because of words or speech recognition.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.models.base import ReplyBrief
from agent.models.offline.wording import Wording
from agent.understanding import Understanding
from evals.gold import CustomerMessage, labelled_messages
from evals.scenario import Scenario
from sandbox.openrouter import ScriptedReply

log = logging.getLogger(__name__)

UNDERSTAND_FUNCTION = Understanding.__name__
WRITE_MARKER = "Write the next reply. Situation and the only facts you may use:"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _common_suffix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    while n < len(a) and n < len(b) and _norm(a[-1 - n]) == _norm(b[-1 - n]):
        n += 1
    return n


def request_turn(messages: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(this turn's customer messages, the customer's earlier messages) of a chat request: the user messages
    after the last assistant message, and the user messages before them."""
    users: list[tuple[int, str]] = [
        (i, _text(m.get("content"))) for i, m in enumerate(messages) if m.get("role") == "user"
    ]
    last_bot = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    current = tuple(text for i, text in users if i > last_bot)
    earlier = tuple(text for i, text in users if i < last_bot)
    return current, earlier


def is_understand_request(body: dict[str, Any]) -> bool:
    names = [(t.get("function") or {}).get("name") for t in body.get("tools") or [] if isinstance(t, dict)]
    return UNDERSTAND_FUNCTION in names


def brief_of(body: dict[str, Any]) -> ReplyBrief | None:
    """The reply brief of a "write" request (the last system message), or None for any other request."""
    systems = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "system"]
    if not systems:
        return None
    text = _text(systems[-1].get("content"))
    if not text.startswith(WRITE_MARKER):
        return None
    return ReplyBrief.model_validate_json(text[len(WRITE_MARKER) :].strip())


def offline_words(brief: ReplyBrief) -> str:
    """What the offline model writes from this brief (agent/models/offline OfflineModel.write)."""
    return Wording(brief.language).render(brief.situation, brief.facts, brief.customer_name)


@dataclass
class Oracle:
    """Gold labels keyed by what the customer wrote; `responder` is installed on the fake OpenRouter."""

    scenarios: Iterable[Scenario]
    hits: list[str] = field(default_factory=list)
    """Where each understood turn's label came from (`scenario turn n`)."""
    misses: list[str] = field(default_factory=list)
    """Customer texts with no gold label (understood by the fallback, the offline model)."""
    write_failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scenarios = list(self.scenarios)
        self._by_text: dict[str, list[CustomerMessage]] = {}
        for message in labelled_messages(self.scenarios):
            self._by_text.setdefault(_norm(message.text), []).append(message)
        self._lock = threading.Lock()

    @property
    def transcripts(self) -> dict[str, str]:
        """Voice-note file name → what it says, for the fake speech-to-text."""
        found: dict[str, str] = {}
        for scenario in self.scenarios:
            for turn in scenario.turns:
                if turn.voice is not None and turn.transcript is not None:
                    found.setdefault(turn.voice, turn.transcript)
        return found

    def lookup(self, current: Sequence[str], earlier: Sequence[str]) -> CustomerMessage | None:
        """The labelled turn that says `current` (its messages) after `earlier`, the best history match first."""
        candidates = self._by_text.get(_norm("\n".join(current)), [])
        if not candidates:
            return None
        return max(candidates, key=lambda m: (_common_suffix(m.before, earlier), -abs(len(m.before) - len(earlier))))

    def understand(self, body: dict[str, Any]) -> ScriptedReply:
        current, earlier = request_turn(body.get("messages") or [])
        found = self.lookup(current, earlier)
        with self._lock:
            (self.hits if found is not None else self.misses).append(
                found.where if found is not None else "\n".join(current)
            )
        if found is None or found.gold is None:
            return ScriptedReply(
                error={"code": 400, "message": "oracle: no gold label for this customer turn"}, status=400
            )
        arguments = Understanding.model_validate(found.gold.model_dump()).model_dump(mode="json")
        return ScriptedReply(
            tool_calls=[{"name": UNDERSTAND_FUNCTION, "arguments": json.dumps(arguments, ensure_ascii=False)}],
            finish_reason="tool_calls",
        )

    def write(self, brief: ReplyBrief) -> ScriptedReply:
        try:
            return ScriptedReply(content=offline_words(brief))
        except Exception as exc:  # a brief the templates cannot render: the service's fallback writes it
            log.warning("oracle: cannot word situation %s: %r", brief.situation, exc)
            with self._lock:
                self.write_failures.append(f"{brief.situation}: {exc!r}")
            return ScriptedReply(error={"code": 400, "message": f"oracle cannot word {brief.situation}"}, status=400)

    def responder(self, body: dict[str, Any]) -> ScriptedReply | None:
        """The fake OpenRouter's responder: understand from gold, write like the offline model, else default."""
        if is_understand_request(body):
            return self.understand(body)
        brief = brief_of(body)
        if brief is not None:
            return self.write(brief)
        return None
