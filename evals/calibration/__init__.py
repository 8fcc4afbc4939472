"""Judge calibration: hand-labelled transcripts (evals/calibration/*.yaml) and how far each reviewer agrees.

Each case is a WhatsApp conversation written as it happened, with a human score for every checklist rule:
0 (broken), 1 (partly kept), 2 (kept) or n/a (no occasion). A reviewer's answer on a rule is its score,
"n/a" when it found the rule not applicable, or nothing when it did not judge the rule. Per rule and
reviewer this module reports coverage (cases judged), accuracy and Cohen's κ over the judged cases only:
a rule a reviewer does not judge is reported as "not judged", never counted as agreement.

Run it: `uv run --no-sync python -m evals.calibration` (evals/calibration/__main__.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

from agent.quality.checklist import load_checklist
from agent.quality.review import Review, RuleScore
from agent.quality.transcript import EscalationOpened, Message, Transcript

CALIBRATION_DIR = Path(__file__).resolve().parent
Label = int | Literal["n/a"]
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

_MESSAGE_KEYS = {"customer", "bot", "manager", "escalation", "facts", "kind"}
_CASE_KEYS = {"id", "about", "customer_name", "messages", "human"}


@dataclass(frozen=True)
class Case:
    id: str
    about: str
    source: str
    transcript: Transcript
    human: dict[str, Label]


def _label(rule: str, value: Any, where: str) -> Label:
    if value == "n/a":
        return "n/a"
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= load_checklist().rule(rule).points:
        return value
    raise ValueError(f"{where}: {rule} must be 0, 1, 2 or n/a, not {value!r}")


def case_from(data: dict[str, Any], number: int, source: str) -> Case:
    """One case of a calibration file. Messages are {customer|bot|manager: text} (bot messages with `facts`:
    the turn's facts, null when not recorded, {} by default), or {escalation: reason} for a hand-over opened
    after the message before it. Message ids are 1, 2, 3... in order."""
    where = f"{source} case {data.get('id', number)}"
    unknown = set(data) - _CASE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    messages: list[Message] = []
    escalations: list[EscalationOpened] = []
    for item in data["messages"]:
        if set(item) - _MESSAGE_KEYS:
            raise ValueError(f"{where}: unknown message keys {sorted(set(item) - _MESSAGE_KEYS)}")
        if "escalation" in item:
            escalations.append(
                EscalationOpened(
                    id=len(escalations) + 1,
                    reason=item["escalation"],
                    reasons=(item["escalation"],),
                    after_message_id=len(messages),
                    status="resolved" if escalations else "open",
                )
            )
            continue
        author = next(a for a in ("customer", "bot", "manager") if a in item)
        number_ = len(messages) + 1
        messages.append(
            Message(
                id=number_,
                direction="in" if author == "customer" else "out",
                author=author,
                kind=item.get("kind", "text"),
                text=str(item[author] or ""),
                facts=item.get("facts", {}) if author == "bot" else None,
                at=START + timedelta(minutes=2 * number_),
            )
        )
    checklist = load_checklist()
    labels = data["human"]
    missing = [r for r in checklist.ids if r not in labels]
    extra = [r for r in labels if r not in checklist.ids]
    if missing or extra:
        raise ValueError(f"{where}: labels missing {missing}, unknown {extra}")
    return Case(
        id=str(data["id"]),
        about=str(data.get("about", "")),
        source=source,
        transcript=Transcript(
            conversation_id=number,
            customer_name=data.get("customer_name"),
            messages=tuple(messages),
            escalations=tuple(escalations),
        ),
        human={rule: _label(rule, labels[rule], where) for rule in checklist.ids},
    )


def load_cases(folder: Path = CALIBRATION_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(folder.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(case_from(item, len(cases) + 1, path.name))
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError("calibration case ids must be unique")
    return cases


def answer(score: RuleScore) -> Label | None:
    """What a reviewer said on a rule, as a label; None when it did not judge it."""
    if score.status == "judged":
        assert score.score is not None
        return score.score
    return "n/a" if score.status == "not_applicable" else None


def cohen_kappa(pairs: Sequence[tuple[Label, Label]]) -> float | None:
    """Cohen's κ of (human, reviewer) labels; None when undefined (no pairs, or chance agreement is total)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    humans = Counter(str(a) for a, _ in pairs)
    reviewers = Counter(str(b) for _, b in pairs)
    expected = sum(humans[k] * reviewers.get(k, 0) for k in humans) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class RuleAgreement:
    rule: str
    cases: int
    pairs: list[tuple[Label, Label]] = field(default_factory=list)
    problems: int = 0
    """Judged cases where the human found the rule broken or partly kept."""
    caught: int = 0
    """Of those, the cases where the reviewer also scored below full marks."""

    @property
    def judged(self) -> int:
        return len(self.pairs)

    @property
    def accuracy(self) -> float | None:
        return sum(1 for a, b in self.pairs if a == b) / len(self.pairs) if self.pairs else None

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.pairs)


def agreement(cases: Sequence[Case], reviews: Sequence[Review]) -> list[RuleAgreement]:
    checklist = load_checklist()
    rows = {rule.id: RuleAgreement(rule.id, len(cases)) for rule in checklist.rules}
    for case, review in zip(cases, reviews, strict=True):
        for rule in checklist.rules:
            said = answer(review.score(rule.id))
            if said is None:
                continue
            human = case.human[rule.id]
            row = rows[rule.id]
            row.pairs.append((human, said))
            if human != "n/a" and human < rule.points:
                row.problems += 1
                if said != "n/a" and said < rule.points:
                    row.caught += 1
    return list(rows.values())


def pooled(rows: Sequence[RuleAgreement]) -> RuleAgreement:
    """Every judged (rule, case) pair of a reviewer together."""
    total = RuleAgreement("all judged rules", sum(r.cases for r in rows))
    for row in rows:
        total.pairs += row.pairs
        total.problems += row.problems
        total.caught += row.caught
    return total


def disagreements(cases: Sequence[Case], reviews: Sequence[Review]) -> list[tuple[str, str, Label, Label, str]]:
    """(case, rule, human, reviewer, reviewer's note) wherever a judged rule differs from the human label."""
    out = []
    for case, review in zip(cases, reviews, strict=True):
        for score in review.rules:
            said = answer(score)
            if said is not None and said != case.human[score.rule]:
                out.append((case.id, score.rule, case.human[score.rule], said, score.note))
    return out
