"""Scenarios as data: one YAML file per scenario (or a list of them) under evals/scenarios/, validated here.

A scenario is a conversation a customer has with Noor through the real webhook, and what must be true
afterwards. See docs/evals.md for the format with examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent.language import Language
from agent.understanding import ItemRequest, Slots, Understanding

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
MEDIA_DIR = Path(__file__).resolve().parent / "media"

Status = Literal["active", "pending"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- initial state -------------------------------------------------------------------------------------


class CrmContactSeed(Strict):
    """A known customer: created in the fake Zoho CRM (and Inventory) with this trial's phone number."""

    first_name: str
    last_name: str = ""
    company: str | None = None
    email: str | None = None
    inventory_contact: bool = Field(default=True, description="Also create the Zoho Inventory contact")
    pricebook: str | None = Field(
        default=None, description="A seeded price book (name or id) for the Inventory contact, e.g. Gold Partners -12%"
    )


class StockOverride(Strict):
    sku: str
    available_stock: int | None = None
    rate: float | None = None
    status: Literal["active", "inactive"] | None = None


class InitialState(Strict):
    customer_name: str | None = Field(default=None, description="The WhatsApp profile name the webhook carries")
    crm_contact: CrmContactSeed | None = None
    stock: list[StockOverride] = Field(default_factory=list)

    @property
    def global_changes(self) -> bool:
        """Changes every conversation would see (stock, prices): the scenario runs alone."""
        return bool(self.stock)


# ---- turns -------------------------------------------------------------------------------------------


class TurnExpect(Strict):
    """Checks on the bot's answer to this one turn."""

    replies: int | None = Field(default=None, ge=0, description="Exact number of messages the bot sent")
    min_replies: int | None = Field(default=None, ge=0)
    language: Language | None = None
    contains_any: list[str] = Field(default_factory=list)
    contains_all: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    intent: str | None = Field(default=None, description="`intent` in the graph state after this turn")


class GoldSlots(Slots):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_item_keys(cls, data: Any) -> Any:
        for item in data.get("items") or [] if isinstance(data, dict) else []:
            unknown = set(item) - set(ItemRequest.model_fields) if isinstance(item, dict) else set()
            if unknown:
                raise ValueError(f"unknown item keys {sorted(unknown)}")
        return data


class GoldUnderstanding(Understanding):
    """A turn's gold `Understanding`: only what the message states is written; omitted slots keep their default."""

    model_config = ConfigDict(extra="forbid")
    slots: GoldSlots = Field(default_factory=GoldSlots)


class Turn(Strict):
    """One customer action. Exactly one of say / burst / voice / image / document / echo / goal."""

    say: str | None = None
    burst: list[str] | None = Field(
        default=None, min_length=2, description="Several messages at once (one webhook body): one answer expected"
    )
    voice: str | None = Field(default=None, description="Audio file under evals/media/ sent as a voice note")
    image: str | None = Field(default=None, description="Image file under evals/media/")
    document: str | None = Field(default=None, description="Document file under evals/media/")
    caption: str | None = None
    echo: str | None = Field(default=None, description="A person writes from the business phone (human take-over)")
    goal: str | None = Field(default=None, description="A simulated customer pursues this goal for max_turns")
    script: list[str] = Field(
        default_factory=list, description="What the simulated customer says when no customer model is configured"
    )
    max_turns: int = Field(default=4, ge=1, le=20)
    expect: TurnExpect = Field(default_factory=TurnExpect)
    understanding: GoldUnderstanding | None = Field(
        default=None, description="What a model that understands this turn correctly returns (gold label)"
    )
    transcript: str | None = Field(
        default=None,
        description="What a voice note says (the words spoken): its gold label is this text's, and the oracle's "
        "fake speech-to-text returns it",
    )
    arabizi: bool = Field(default=False, description="The customer writes Arabic in Latin letters in this turn")
    script_understanding: list[GoldUnderstanding] = Field(
        default_factory=list, description="A goal turn: the gold label of each `script` line, in order"
    )

    @model_validator(mode="after")
    def _one_action(self) -> Turn:
        actions = [
            a
            for a in (self.say, self.burst, self.voice, self.image, self.document, self.echo, self.goal)
            if a is not None
        ]
        if len(actions) != 1:
            raise ValueError("a turn has exactly one of say, burst, voice, image, document, echo, goal")
        if self.goal is not None and not self.script:
            raise ValueError("a goal turn needs a `script` (the offline customer's lines)")
        if self.script_understanding and len(self.script_understanding) != len(self.script):
            raise ValueError("`script_understanding` needs one label per `script` line")
        if self.script_understanding and self.understanding is not None:
            raise ValueError("a goal turn is labelled line by line (`script_understanding`), not as a whole")
        if self.transcript is not None and self.voice is None:
            raise ValueError("only a voice turn has a `transcript`")
        return self

    @property
    def kind(self) -> str:
        for name in ("say", "burst", "voice", "image", "document", "echo", "goal"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError("unreachable")

    @property
    def media_kind(self) -> str | None:
        return {"voice": "audio", "image": "image", "document": "document"}.get(self.kind)


# ---- assertions -----------------------------------------------------------------------------------------


class OrderLine(Strict):
    sku: str
    quantity: float | None = None
    rate: float | None = None


class SalesOrderExpect(Strict):
    """Sales orders of this customer in the fake Zoho Inventory (listed through its API)."""

    count: int = Field(default=1, ge=0)
    lines: list[OrderLine] = Field(default_factory=list)
    total: float | None = None
    tolerance: float = 0.01


class DealExpect(Strict):
    stage: str | None = None
    count: int = Field(default=1, ge=0)


class EscalationExpect(Strict):
    count: int = Field(default=1, ge=0)
    reason: str | None = None


class OutcomeExpect(Strict):
    sales_orders: SalesOrderExpect | None = None
    no_order: bool = False
    deal: DealExpect | None = None
    escalation: EscalationExpect | None = None
    no_escalation: bool = False
    conversation_mode: Literal["bot", "human"] | None = None


class TrajectoryExpect(Strict):
    nodes_called: list[str] = Field(default_factory=list)
    nodes_never: list[str] = Field(default_factory=list)
    tools_called: list[str] = Field(default_factory=list)
    tools_never: list[str] = Field(default_factory=list)
    fact_kinds: list[str] = Field(
        default_factory=list,
        description='`facts["kind"]` the graph recorded (e.g. sku_info, no_match), or "kind:reason" '
        "(e.g. recommendation:fits)",
    )
    fact_kinds_never: list[str] = Field(default_factory=list)
    api_called: list[str] = Field(default_factory=list, description='Fake Zoho requests, e.g. "POST /salesorders"')
    api_never: list[str] = Field(default_factory=list)
    max_turn_errors: int = Field(default=0, ge=0, description="Turns that failed and were retried")


class ReplyExpect(Strict):
    """Checks on every bot message of the conversation."""

    language: Language | Literal["follow"] | None = Field(
        default="follow", description='"follow": each reply in the language of the message it answers'
    )
    one_reply_per_turn: bool = True
    max_questions: int | None = 1
    grounded_numbers: bool = True
    grounding: Literal["turn", "conversation"] = "turn"
    allowed_numbers: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    greet_by_name: str | None = Field(default=None, description="The first reply contains this name")


class RubricExpect(Strict):
    """Graded by an LLM judge on the checklist in evals/checklist.yaml (only with --judge)."""

    rules: list[str] = Field(default_factory=list, description="Rule ids to grade; empty = every rule")
    min_score: float = Field(default=0.8, ge=0, le=1, description="Share of the available points")
    notes: str | None = None


class Expect(Strict):
    outcome: OutcomeExpect = Field(default_factory=OutcomeExpect)
    trajectory: TrajectoryExpect = Field(default_factory=TrajectoryExpect)
    replies: ReplyExpect = Field(default_factory=ReplyExpect)
    rubric: RubricExpect | None = None


class Scenario(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    language: Language
    persona: str = ""
    tags: list[str] = Field(default_factory=list)
    status: Status = "active"
    pending_reason: str | None = Field(default=None, description="Which capability is missing (issue)")
    initial: InitialState = Field(default_factory=InitialState)
    turns: list[Turn] = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)
    source: str | None = Field(default=None, exclude=True)

    @property
    def exclusive(self) -> bool:
        """Runs alone: it changes what every conversation sees, or checks the fake's global request log."""
        trajectory = self.expect.trajectory
        return self.initial.global_changes or bool(trajectory.api_called or trajectory.api_never)


class ScenarioFile(Strict):
    scenarios: list[Scenario]


def _documents(path: Path) -> Iterable[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "scenarios" in data:
        items = data["scenarios"]
    elif isinstance(data, list):
        items = data
    else:
        items = [data]
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"{path}: each scenario must be a mapping")
        yield item


def load_scenarios(directory: Path = SCENARIOS_DIR) -> list[Scenario]:
    """Every scenario under `directory`, validated; ids must be unique and media files must exist."""
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        for raw in _documents(path):
            try:
                scenario = Scenario.model_validate({**raw, "source": path.name})
            except Exception as exc:
                raise ValueError(f"{path.name}: scenario {raw.get('id', '?')}: {exc}") from exc
            if scenario.id in seen:
                raise ValueError(f"duplicate scenario id {scenario.id} in {path.name} and {seen[scenario.id]}")
            seen[scenario.id] = path.name
            for turn in scenario.turns:
                for name in (turn.voice, turn.image, turn.document):
                    if name is not None and not (MEDIA_DIR / name).is_file():
                        raise ValueError(f"{path.name}: scenario {scenario.id}: no media file evals/media/{name}")
            scenarios.append(scenario)
    return scenarios


def select(
    scenarios: Iterable[Scenario],
    *,
    ids: Iterable[str] = (),
    tags: Iterable[str] = (),
    languages: Iterable[str] = (),
    status: str | None = None,
) -> list[Scenario]:
    """Filter: ids (prefix match), any of the tags, any of the languages, one status ("all" for both)."""
    id_list, tag_set, language_set = list(ids), set(tags), set(languages)
    chosen = []
    for scenario in scenarios:
        if id_list and not any(scenario.id == i or scenario.id.startswith(i) for i in id_list):
            continue
        if tag_set and not tag_set & set(scenario.tags):
            continue
        if language_set and scenario.language not in language_set:
            continue
        if status not in (None, "all") and scenario.status != status:
            continue
        chosen.append(scenario)
    return chosen
