"""Understanding quality: a model's `understand` on every gold-labelled customer turn of the eval scenarios.

    uv run python -m bench.understanding [--transcripts evals/results/latest.json] [--json out.json] [--errors]
    uv run python -m bench.understanding --unseen     # the held-out set: report only, never tune on its errors

Each labelled turn (evals/gold.py: every say / burst turn, voice notes by their transcript, captions, goal
script lines) is understood with the conversation before it, as the graph calls the model: the customer's
earlier messages, each turn followed by the bot's reply, then this turn's messages. Without `--transcripts` the
bot's replies are a placeholder ("…"); with a saved eval run (`python -m evals` writes one) they are the replies
the bot really sent in that run (the first trial of each scenario).

Figures, overall, per language (en, ar, arabizi, ru) and per gold primary intent:
- intent accuracy: the primary (first) intent equals the gold one;
- intent-set F1: micro-averaged over turns, every intent a message does (greeting + product_search ...);
- slot precision / recall / F1: micro-averaged over field-value pairs, defaults ignored (an empty list, None,
  False are "not stated"); a list gives one pair per element, `items` one pair per line; `faq_topic` and
  `answers` count as fields. Strings are compared case- and space-insensitively, product codes in their
  compact form, numbers to the cent.

The keyword baseline, measured in the same run, is a naive classifier: the first intent whose keywords occur in
the text (in the four languages), no slots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from pydantic import BaseModel, ConfigDict, Field

from agent.language import Language
from agent.models.offline import OfflineModel
from agent.understanding import Intent, Question, Slots, Understanding
from evals.gold import BenchLanguage, CustomerMessage, customer_messages
from evals.scenario import GoldUnderstanding, Scenario, load_scenarios
from tools.catalog.normalize import compact_sku

LANGUAGES: tuple[BenchLanguage, ...] = ("en", "ar", "arabizi", "ru")
PLACEHOLDER_REPLY = "…"
Understand = Callable[[Sequence[AnyMessage], Language, Sequence[Question]], Awaitable[Understanding]]

# ---- the conversation as the graph hands it to the model ------------------------------------------------


@dataclass
class BotTurn:
    """The bot's answer to one customer turn in a saved run: its words, and what it asked for."""

    replies: list[str]
    asked: list[Question]


def load_replies(path: Path | None) -> dict[str, list[BotTurn]]:
    """Scenario id → the bot's answer to each customer turn (echoes left out), from a saved eval run."""
    if path is None:
        return {}
    run = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, list[BotTurn]] = {}
    for scenario in run.get("scenarios", []):
        trials = scenario.get("trials") or []
        if trials:
            found[scenario["id"]] = [
                BotTurn(t.get("replies", []), t.get("asked", []))
                for t in trials[0].get("turns", [])
                if t["kind"] != "echo"
            ]
    return found


def history(message: CustomerMessage, earlier: Sequence[CustomerMessage], replies: list[BotTurn]) -> list[AnyMessage]:
    """The messages the model reads for `message`: every earlier turn and the bot's answer, then this turn."""
    messages: list[AnyMessage] = []
    for index, turn in enumerate(earlier):
        messages += [HumanMessage(content=line) for line in turn.lines]
        said = replies[index].replies if index < len(replies) else []
        messages.append(AIMessage(content="\n".join(said) if said else PLACEHOLDER_REPLY))
    messages += [HumanMessage(content=line) for line in message.lines]
    return messages


@dataclass
class Case:
    message: CustomerMessage
    messages: list[AnyMessage]
    asked: list[Question]
    """What the bot's previous reply asked for, as the graph recorded it (empty without a saved run)."""

    @property
    def gold(self) -> Understanding:
        assert self.message.gold is not None
        return self.message.gold

    @property
    def model_language(self) -> Language:
        return "ar" if self.message.language == "arabizi" else self.message.language


def cases(scenarios: Iterable[Scenario], replies: dict[str, list[BotTurn]]) -> list[Case]:
    found: list[Case] = []
    for scenario in scenarios:
        turns = customer_messages(scenario)
        answers = replies.get(scenario.id, [])
        for index, message in enumerate(turns):
            if message.gold is not None:
                asked = answers[index - 1].asked if 0 < index <= len(answers) else []
                found.append(Case(message, history(message, turns[:index], answers), asked))
    return found


UNSEEN = Path(__file__).resolve().parents[1] / "evals" / "understanding" / "unseen.yaml"


class UnseenTurn(BaseModel):
    """One held-out customer message with its gold label, written without reading the offline model's rules."""

    model_config = ConfigDict(extra="forbid")
    id: str
    language: BenchLanguage
    bot: str | None = None
    asked: list[Question] = Field(default_factory=list)
    text: str
    understanding: GoldUnderstanding


def unseen_cases(path: Path) -> list[Case]:
    """The held-out set: never used to change a rule; each message read after the bot's message it answers."""
    found: list[Case] = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
        turn = UnseenTurn.model_validate(raw)
        message = CustomerMessage(turn.id, 0, None, "say", (turn.text,), (), turn.language, turn.understanding)
        messages: list[AnyMessage] = [AIMessage(content=turn.bot)] if turn.bot else []
        found.append(Case(message, [*messages, HumanMessage(content=turn.text)], list(turn.asked)))
    return found


# ---- scoring ----------------------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s.,;:!?،؛؟]+")


def _text(value: str) -> str:
    return _PUNCT.sub(" ", value).strip().casefold()


def _value(name: str, value: Any) -> str:
    if name in ("skus", "sku"):
        return compact_sku(str(value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{float(value):.2f}"
    return _text(str(value))


def slot_pairs(understanding: Understanding) -> set[tuple[str, str]]:
    """(field, value) of everything stated: defaults (empty, None, False) are not statements."""
    pairs: set[tuple[str, str]] = set()
    slots = understanding.slots
    for name in Slots.model_fields:
        value = getattr(slots, name)
        if name == "items":
            for item in value:
                line = ",".join(f"{k}={_value(k, v)}" for k, v in sorted(item.model_dump().items()) if v is not None)
                pairs.add(("items", line))
        elif isinstance(value, list):
            pairs |= {(name, _value(name, v)) for v in value}
        elif value is not None and value is not False:
            pairs.add((name, _value(name, value)))
    if understanding.faq_topic is not None:
        pairs.add(("faq_topic", understanding.faq_topic))
    if understanding.answers is not None:
        pairs.add(("answers", understanding.answers))
    return pairs


@dataclass
class Counts:
    turns: int = 0
    intent_right: int = 0
    intent_tp: int = 0
    intent_fp: int = 0
    intent_fn: int = 0
    slot_tp: int = 0
    slot_fp: int = 0
    slot_fn: int = 0

    def add(self, gold: Understanding, predicted: Understanding) -> None:
        self.turns += 1
        self.intent_right += predicted.intent == gold.intent
        gold_set, predicted_set = set(gold.intents), set(predicted.intents)
        self.intent_tp += len(gold_set & predicted_set)
        self.intent_fp += len(predicted_set - gold_set)
        self.intent_fn += len(gold_set - predicted_set)
        gold_pairs, predicted_pairs = slot_pairs(gold), slot_pairs(predicted)
        self.slot_tp += len(gold_pairs & predicted_pairs)
        self.slot_fp += len(predicted_pairs - gold_pairs)
        self.slot_fn += len(gold_pairs - predicted_pairs)

    @staticmethod
    def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def figures(self) -> dict[str, float]:
        _, _, intent_f1 = self._f1(self.intent_tp, self.intent_fp, self.intent_fn)
        precision, recall, f1 = self._f1(self.slot_tp, self.slot_fp, self.slot_fn)
        return {
            "turns": self.turns,
            "intent_accuracy": self.intent_right / self.turns if self.turns else 0.0,
            "intent_set_f1": intent_f1,
            "slot_precision": precision,
            "slot_recall": recall,
            "slot_f1": f1,
            "slot_pairs": self.slot_tp + self.slot_fn,
        }


@dataclass
class Report:
    name: str
    overall: Counts = field(default_factory=Counts)
    by_language: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_intent: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, case: Case, predicted: Understanding) -> None:
        gold = case.gold
        for counts in (self.overall, self.by_language[case.message.language], self.by_intent[gold.intent]):
            counts.add(gold, predicted)
        gold_pairs, predicted_pairs = slot_pairs(gold), slot_pairs(predicted)
        for name, _ in gold_pairs & predicted_pairs:
            self.by_field[name][0] += 1
        for name, _ in predicted_pairs - gold_pairs:
            self.by_field[name][1] += 1
        for name, _ in gold_pairs - predicted_pairs:
            self.by_field[name][2] += 1
        if (
            predicted.intent != gold.intent
            or gold_pairs != predicted_pairs
            or set(predicted.intents) != set(gold.intents)
        ):
            self.errors.append(
                {
                    "where": case.message.where,
                    "text": case.message.text,
                    "gold_intents": gold.intents,
                    "intents": predicted.intents,
                    "missing": sorted(f"{k}={v}" for k, v in gold_pairs - predicted_pairs),
                    "extra": sorted(f"{k}={v}" for k, v in predicted_pairs - gold_pairs),
                }
            )


async def measure(name: str, understand: Understand, all_cases: Sequence[Case]) -> Report:
    report = Report(name)
    started = time.perf_counter()
    for case in all_cases:
        predicted = await understand(case.messages, case.model_language, case.asked)
        report.add(case, predicted)
    report.seconds = time.perf_counter() - started
    return report


# ---- the keyword baseline -----------------------------------------------------------------------------

KEYWORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    ("complaint", ("broken", "damaged", "refund", "complain", "مكسور", "استرجاع", "شكوى", "сломан", "возврат")),
    ("human_request", ("person", "human", "manager", "agent", "موظف", "مدير", "менеджер", "оператор")),
    ("order_status", ("my order", "طلبي", "الطلب", "мой заказ", "заказ")),
    ("quotation", ("quotation", "quote", "discount", "عرض سعر", "خصم", "коммерческое", "скидк")),
    ("price_stock", ("price", "how much", "stock", "سعر", "كم", "стоит", "цена", "налич")),
    ("faq", ("delivery", "warranty", "payment", "التوصيل", "الضمان", "الدفع", "доставк", "гарант", "оплат")),
    ("thanks", ("thank", "thanks", "شكرا", "شكراً", "спасибо", "shukran")),
    ("greeting", ("hello", "hi", "salam", "مرحبا", "السلام", "здравствуйте", "привет", "добрый")),
    ("product_search", ("need", "chair", "desk", "table", "كرسي", "كراسي", "مكتب", "кресл", "стол", "нужн")),
)


def keyword_intent(text: str) -> Intent:
    words = set(re.findall(r"\w+", text.casefold()))
    lowered = text.casefold()
    for intent, keys in KEYWORDS:
        for key in keys:
            if (" " in key or not key.isascii()) and key in lowered:
                return intent
            if key.isascii() and key in words:
                return intent
    return "small_talk"


async def keyword_baseline(
    messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
) -> Understanding:
    latest: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, HumanMessage):
            break
        latest.insert(0, str(message.content))
    return Understanding(intents=[keyword_intent("\n".join(latest))])


# ---- output -------------------------------------------------------------------------------------------


def _row(label: str, figures: dict[str, float]) -> str:
    return (
        f"| {label} | {figures['turns']:.0f} | {figures['intent_accuracy']:.2f} | {figures['intent_set_f1']:.2f} | "
        f"{figures['slot_precision']:.2f} | {figures['slot_recall']:.2f} | {figures['slot_f1']:.2f} |"
    )


HEADER = (
    "| model · slice | turns | intent acc | intent-set F1 | slot P | slot R | slot F1 |\n|---|---|---|---|---|---|---|"
)


def tables(reports: Sequence[Report]) -> str:
    lines = ["Per language", "", HEADER]
    for report in reports:
        lines.append(_row(f"**{report.name}** · all", report.overall.figures()))
        for language in LANGUAGES:
            if language in report.by_language:
                lines.append(_row(f"{report.name} · {language}", report.by_language[language].figures()))
    lines += ["", "Per gold primary intent", "", HEADER]
    for report in reports:
        for intent in sorted(report.by_intent):
            lines.append(_row(f"{report.name} · {intent}", report.by_intent[intent].figures()))
    main = reports[0]
    lines += [
        "",
        f"Per slot field ({main.name})",
        "",
        "| field | gold pairs | found | wrong or extra | F1 |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(main.by_field):
        tp, fp, fn = main.by_field[name]
        _, _, f1 = Counts._f1(tp, fp, fn)
        lines.append(f"| {name} | {tp + fn} | {tp} | {fp} | {f1:.2f} |")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> list[Report]:
    all_cases = unseen_cases(UNSEEN) if args.unseen else cases(load_scenarios(), load_replies(args.transcripts))
    offline = OfflineModel()
    return [
        await measure("offline", offline.understand, all_cases),
        await measure("keyword baseline", keyword_baseline, all_cases),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.understanding", description=__doc__.split("\n")[0])
    parser.add_argument("--transcripts", type=Path, default=None, help="a saved eval run: the bot's real replies")
    parser.add_argument("--json", type=Path, default=None, help="write the figures and every error here")
    parser.add_argument("--errors", action="store_true", help="print every turn the model got wrong")
    parser.add_argument(
        "--unseen", action="store_true", help=f"the held-out set ({UNSEEN.name}) instead of the scenarios' turns"
    )
    args = parser.parse_args(argv)
    reports = asyncio.run(run(args))
    history_kind = (
        "the held-out set, each after the bot message it answers"
        if args.unseen
        else f"bot replies from {args.transcripts}"
        if args.transcripts
        else "bot replies as a placeholder"
    )
    print(f"{reports[0].overall.turns} labelled customer turns; history: customer messages, {history_kind}\n")
    print(tables(reports))
    if args.errors:
        for error in reports[0].errors:
            print(f"\n{error['where']}: {error['text']!r}")
            print(f"  intents {error['intents']} (gold {error['gold_intents']})")
            print(f"  missing {error['missing']}  extra {error['extra']}")
    if args.json is not None:
        data = {
            r.name: {
                "overall": r.overall.figures(),
                "by_language": {k: v.figures() for k, v in r.by_language.items()},
                "by_intent": {k: v.figures() for k, v in r.by_intent.items()},
                "errors": r.errors,
                "seconds": r.seconds,
            }
            for r in reports
        }
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
