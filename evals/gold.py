"""The scenarios' gold labels as a flat list: every customer message with the conversation before it.

A turn's `understanding` (a `goal` turn: one label per `script` line in `script_understanding`) is what a model
that understands the message correctly returns. The oracle model mode (evals/oracle.py) answers the service's
"understand" requests with these labels, and the understanding benchmark (bench/understanding.py) scores a
model against them.

What the model reads of a turn is what the graph puts in its history: one customer message per text (a burst is
several), a voice note as its transcript, a photo or file as its caption (or "[image]" / "[document]"
without one). A echo (a person writing from the business phone) is no customer message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from evals.scenario import GoldUnderstanding, Scenario, Turn

BenchLanguage = Literal["en", "ar", "arabizi", "ru"]


@dataclass(frozen=True)
class CustomerMessage:
    """One customer turn as the model reads it, with everything the customer wrote before it."""

    scenario_id: str
    turn_index: int
    line_index: int | None
    """The `script` line of a goal turn, else None."""
    kind: str
    lines: tuple[str, ...]
    """The messages of this turn (several for a burst), as the graph's history holds them."""
    before: tuple[str, ...]
    """The customer's earlier messages in this conversation, oldest first."""
    language: BenchLanguage
    gold: GoldUnderstanding | None

    @property
    def text(self) -> str:
        """The turn as the offline model reads it: its messages joined with newlines."""
        return "\n".join(self.lines)

    @property
    def where(self) -> str:
        line = f".{self.line_index + 1}" if self.line_index is not None else ""
        return f"{self.scenario_id} turn {self.turn_index + 1}{line}"


def turn_lines(turn: Turn) -> tuple[str, ...]:
    """What the customer sent in one (non-goal) turn, one string per message, as the model reads it."""
    if turn.burst is not None:
        return tuple(turn.burst)
    if turn.say is not None:
        return (turn.say,)
    if turn.voice is not None:
        return (turn.transcript or "[audio]",)
    if turn.image is not None:
        return (turn.caption or "[image]",)
    if turn.document is not None:
        return (turn.caption or "[document]",)
    return ()


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
_LATIN_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9']{2,}(?![\w-])")


def turn_language(scenario: Scenario, turn: Turn) -> BenchLanguage:
    """An Arabic customer writing in Latin letters (product codes aside) writes Arabizi."""
    language = turn.expect.language or scenario.language
    text = " ".join(turn_lines(turn))
    latin = language == "ar" and _LATIN_WORD.search(text) and not _ARABIC_LETTER.search(text)
    return "arabizi" if turn.arabizi or latin else language


def customer_messages(scenario: Scenario) -> list[CustomerMessage]:
    """Every customer turn of a scenario (labelled or not), in conversation order; echoes are left out."""
    found: list[CustomerMessage] = []
    before: list[str] = []
    for index, turn in enumerate(scenario.turns):
        if turn.echo is not None:
            continue
        language = turn_language(scenario, turn)
        if turn.goal is not None:
            for line_index, line in enumerate(turn.script):
                gold = turn.script_understanding[line_index] if turn.script_understanding else None
                found.append(
                    CustomerMessage(scenario.id, index, line_index, "say", (line,), tuple(before), language, gold)
                )
                before.append(line)
            continue
        lines = turn_lines(turn)
        found.append(
            CustomerMessage(scenario.id, index, None, turn.kind, lines, tuple(before), language, turn.understanding)
        )
        before.extend(lines)
    return found


def labelled_messages(scenarios: Iterable[Scenario]) -> list[CustomerMessage]:
    """Every customer message that carries a gold label, scenario by scenario."""
    return [m for s in scenarios for m in customer_messages(s) if m.gold is not None]
