"""The runner against the whole service (webhook, worker pipeline, real Postgres, fakes over HTTP).

A deliberately broken model makes exactly the right scenarios fail, a flaky one yields pass^k < pass^1,
and a run diffed against a good baseline reports the flips.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AnyMessage

from agent.language import Language
from agent.models.base import Reply, ReplyBrief, Usage
from agent.models.offline import OfflineModel
from agent.understanding import Understanding
from evals.results import diff_against
from evals.runner import RunOptions, run_scenarios
from evals.scenario import Scenario, StockOverride, load_scenarios
from evals.service import EvalService
from tests.support import db


class SwitchableModel:
    """The model under test for one module-wide service; each test puts its own model inside."""

    name = "switchable"

    def __init__(self) -> None:
        self.inner: Any = OfflineModel()

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding:
        result: Understanding = await self.inner.understand(messages, language)
        return result

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        result: Reply = await self.inner.write(brief, messages)
        return result


class EnglishOnly(OfflineModel):
    """A broken prompt: the reply language instruction is lost, everything comes out in English."""

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        return await super().write(brief.model_copy(update={"language": "en"}), messages)


class InventsPrices(OfflineModel):
    """A broken prompt: the model adds a price no tool returned."""

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        reply = await super().write(brief, messages)
        return reply.model_copy(update={"text": reply.text + " Chairs start at 299 AED!"})


class Metered(OfflineModel):
    """A model that reports what each reply cost, as OpenRouter does."""

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        reply = await super().write(brief, messages)
        return reply.model_copy(update={"usage": Usage(prompt_tokens=1200, completion_tokens=80, cost=0.0015)})


class Flaky(EnglishOnly):
    """Right on odd calls, wrong (English-only) on even ones."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        self.calls += 1
        if self.calls % 2:
            return await OfflineModel.write(self, brief, messages)
        return await super().write(brief, messages)


MODEL = SwitchableModel()
SCENARIOS = {s.id: s for s in load_scenarios()}


def pick(*ids: str) -> list[Scenario]:
    return [SCENARIOS[i] for i in ids]


@pytest.fixture(scope="module")
async def service(
    test_databases: db.TestDatabases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[EvalService]:
    async with EvalService(
        MODEL, worker="inline", database_url=test_databases.fresh(), data_dir=tmp_path_factory.mktemp("evals")
    ) as started:
        MODEL.inner = OfflineModel()
        await run_scenarios(started, [SCENARIOS["greet.en.hello"]], RunOptions())  # warm-up: first-turn loading
        yield started


@pytest.fixture
def model() -> SwitchableModel:
    MODEL.inner = OfflineModel()
    return MODEL


GREETINGS = ("greet.en.hello", "greet.ar.marhaba", "greet.ru.zdravstvuyte")


async def test_a_reply_that_is_not_grounded_fails(service: EvalService, model: SwitchableModel) -> None:
    """Past any guard: a scenario allowing no numbers at all flags the profile name's digits as invented."""
    scenario = SCENARIOS["greet.en.profile_name"].model_copy(
        update={"initial": SCENARIOS["greet.en.profile_name"].initial.model_copy(update={"customer_name": "Ahmed 77"})}
    )
    run = await run_scenarios(service, [scenario], RunOptions())
    failures = [c.name for c in run.scenarios[0].trials[0].failures]
    assert failures == ["turn 1 numbers grounded"]


async def test_a_broken_language_prompt_fails_the_arabic_and_russian_scenarios_only(
    service: EvalService, model: SwitchableModel
) -> None:
    model.inner = EnglishOnly()
    run = await run_scenarios(service, pick(*GREETINGS), RunOptions())
    outcome = {s.id: s.pass_k for s in run.scenarios}
    assert outcome == {"greet.en.hello": True, "greet.ar.marhaba": False, "greet.ru.zdravstvuyte": False}
    failures = {c.name for s in run.scenarios for t in s.trials for c in t.failures}
    assert failures == {"turn 1 language ar", "turn 1 language ru"}


async def test_an_invented_price_never_passes(service: EvalService, model: SwitchableModel) -> None:
    """The graph's guard may catch the invented price (then the customer never sees it); if a reply carrying
    it reaches the customer, the grounding check fails the scenario. Either way no passing trial shows it."""
    model.inner = InventsPrices()
    run = await run_scenarios(service, pick("greet.en.hello"), RunOptions())
    trial = run.scenarios[0].trials[0]
    shown = any("299" in reply for turn in trial.turns for reply in turn.replies)
    if shown:
        assert not trial.passed
        assert [c.name for c in trial.failures] == ["turn 1 numbers grounded"]
        assert "299" in trial.failures[0].detail
    else:
        assert trial.passed


async def test_a_flaky_model_has_pass_k_below_pass_1(service: EvalService, model: SwitchableModel) -> None:
    model.inner = Flaky()
    run = await run_scenarios(service, pick("greet.ar.marhaba"), RunOptions(trials=2, concurrency=1))
    (scenario,) = run.scenarios
    assert scenario.k == 2
    assert scenario.passes == 1
    assert scenario.pass_1 == 0.5
    assert not scenario.pass_k
    assert run.overall()["pass_k"] < run.overall()["pass_1"]


async def test_a_run_reports_figures_and_flips_against_a_baseline(
    service: EvalService, model: SwitchableModel, tmp_path: Path
) -> None:
    good = await run_scenarios(service, pick(*GREETINGS), RunOptions(), pending=pick("quote.en.end_to_end"))
    assert all(s.pass_k for s in good.scenarios)
    assert [p.id for p in good.pending] == ["quote.en.end_to_end"]
    trial = good.scenarios[0].trials[0]
    assert trial.turns[0].latency_seconds is not None
    assert 0 < trial.turns[0].latency_seconds < 5
    assert {"ingest", "intent", "respond"} <= set(trial.nodes)
    model.inner = EnglishOnly()
    bad = await run_scenarios(service, pick(*GREETINGS), RunOptions())
    diff = diff_against(bad, good, "baseline.json")
    assert sorted(f.id for f in diff.broken) == ["greet.ar.marhaba", "greet.ru.zdravstvuyte"]
    assert diff.fixed == []
    assert diff.pass_k_before == 1.0


async def test_seeding_a_known_customer_and_reading_zoho_through_its_api(
    service: EvalService, model: SwitchableModel
) -> None:
    """The seeding and outcome plumbing works whatever the graph can do today: the contact exists in the
    fake CRM under the trial's phone, and no order is found for it."""
    scenario = Scenario.model_validate(
        {
            "id": "probe.seed",
            "title": "seed probe",
            "language": "en",
            "initial": {
                "crm_contact": {"first_name": "Maria", "last_name": "Santos", "pricebook": "Gold Partners -12%"}
            },
            "turns": [{"say": "Hello"}],
            "expect": {"outcome": {"no_order": True, "deal": {"count": 0}}},
        }
    )
    run = await run_scenarios(service, [scenario], RunOptions())
    trial = run.scenarios[0].trials[0]
    assert trial.passed, [c for c in trial.failures]


async def test_a_wrong_price_from_zoho_fails_the_price_scenario_only_and_is_undone_afterwards(
    service: EvalService, model: SwitchableModel
) -> None:
    """A broken tool result: the fake Zoho gives MC-AIRO-MB-BLK a wrong price. The harness syncs the catalog
    as the workers' schedule would, so the price scenario (which expects 433.5) fails on exactly that check;
    afterwards the item and the catalog are as seeded again."""
    english = SCENARIOS["sku.en.exact_price_stock"]
    wrong_price = english.model_copy(
        update={
            "id": "sku.en.exact_price_stock.wrong_price",
            "initial": english.initial.model_copy(update={"stock": [StockOverride(sku="MC-AIRO-MB-BLK", rate=99.0)]}),
        }
    )
    run = await run_scenarios(service, [wrong_price], RunOptions())
    (broken,) = run.scenarios
    assert not broken.pass_k
    assert [c.name for c in broken.trials[0].failures] == ["turn 1 contains '433.5'"]
    assert "99.00" in broken.trials[0].turns[0].replies[0]
    async with httpx.AsyncClient() as http:
        found = await http.post(f"{service.url}/api/v1/products/search", json={"query": "MC-AIRO-MB-BLK", "limit": 1})
    assert found.json()["items"][0]["price"] == 433.5


async def test_tokens_and_cost_are_the_sums_of_the_conversation(service: EvalService, model: SwitchableModel) -> None:
    model.inner = Metered()
    run = await run_scenarios(service, pick("lang.switch.en_to_ru"), RunOptions())
    trial = run.scenarios[0].trials[0]
    answers = len(trial.turns)
    assert answers == 2
    assert (trial.prompt_tokens, trial.completion_tokens) == (1200 * answers, 80 * answers)
    assert trial.cost == pytest.approx(0.0015 * answers)
    assert run.overall()["cost"] == pytest.approx(0.0015 * answers)
