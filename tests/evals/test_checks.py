"""The deterministic checks and the figures, on hand-made observations (no service)."""

from __future__ import annotations

from decimal import Decimal

from evals.checks import CheckResult, evaluate, numbers_in, questions_in, script_language
from evals.driver import Observation, Reply, TurnRecord
from evals.results import RunOut, ScenarioOut, TrialOut, diff_against
from evals.scenario import Scenario


def scenario(**expect: object) -> Scenario:
    return Scenario.model_validate(
        {"id": "s", "title": "s", "language": "en", "turns": [{"say": "8 chairs, 6,000 AED total"}], "expect": expect}
    )


def observation(reply: str, facts: dict[str, object] | None = None) -> Observation:
    obs = Observation("s", 0, "971580000001", "c:971580000001", delivered=1, mode="bot")
    record = TurnRecord(0, "say", "8 chairs, 6,000 AED total", 0, replies=[Reply(reply, "t1")])
    obs.turns.append(record)
    if facts is not None:
        obs.facts_by_turn["t1"] = [facts]
    return obs


def failed(results: list[CheckResult]) -> list[str]:
    return [r.name for r in results if not r.passed]


def test_numbers_are_read_in_every_shape_and_list_markers_are_not_numbers() -> None:
    found = numbers_in("1. *Airo* 433.50 AED\n2. 13,350.00 AED; ٦٠٠٠ درهم; 4 × 849 = 3 396", skip_list_markers=True)
    assert found == {Decimal("433.5"), Decimal("13350"), Decimal("6000"), Decimal("4"), Decimal("849"), Decimal("3396")}


def test_a_number_no_tool_returned_fails_and_the_same_reply_with_facts_passes() -> None:
    reply = "Airo Mesh Chair: 433.50 AED, 7 in stock. For 8 pieces: 3,468.00 AED. Shall I prepare a quote?"
    assert "turn 1 numbers grounded" in failed(evaluate(scenario(), observation(reply)))
    facts: dict[str, object] = {"kind": "fits", "options": [{"price": 433.5, "available_stock": 7, "total": 3468.0}]}
    assert failed(evaluate(scenario(), observation(reply, facts))) == []


def test_customer_numbers_may_be_repeated() -> None:
    assert failed(evaluate(scenario(), observation("8 chairs within 6,000 AED: let me check."))) == []


def test_language_questions_and_forbidden_phrases() -> None:
    assert script_language("مرحبا! أنا نور من Treejar") == "ar"
    assert script_language("Здравствуйте! Я Нур из Treejar") == "ru"
    russian_with_names = (
        "Вот варианты:\n1. *Kensington Veneer Executive Desk 220x100 cm – Grey Oak* (ED-KENS-220100-GOK)"
    )
    assert script_language(russian_with_names) == "ru"
    assert script_language("Here are options: *Kensington Desk* (ED-KENS-220100-GOK), 9 in stock") == "en"
    assert questions_in("Which one? ¿ Or this one؟") == 2
    results = failed(evaluate(scenario(), observation("Здравствуйте! Что нужно? Сколько?")))
    assert "turn 1 language en" in results
    assert "turn 1 at most 1 question(s)" in results
    assert "turn 1 forbidden '{'" in failed(evaluate(scenario(), observation("Hello{name_part}!")))
    forbidden = scenario(replies={"forbidden": ["guarantee"]})
    assert "turn 1 forbidden 'guarantee'" in failed(evaluate(forbidden, observation("We guarantee delivery!")))


def test_outcome_checks_read_orders_escalations_and_mode() -> None:
    expect = {
        "outcome": {
            "sales_orders": {
                "count": 1,
                "lines": [{"sku": "MC-AIRO-MB-BLK", "quantity": 4, "rate": 433.5}],
                "total": 1820.7,
            },
            "escalation": {"count": 1, "reason": "discount_beyond_policy"},
            "conversation_mode": "human",
        }
    }
    obs = observation("Done.")
    obs.sales_orders = [{"total": 1820.7, "line_items": [{"sku": "MC AIRO MB BLK", "quantity": 4, "rate": 433.5}]}]
    obs.escalations, obs.escalation_source, obs.mode = (
        [{"reason": "discount_beyond_policy"}],
        "escalations table",
        "human",
    )
    assert failed(evaluate(scenario(**expect), obs)) == []
    obs.sales_orders, obs.escalations, obs.mode = [], [{"reason": "complaint"}, {"reason": "complaint"}], "bot"
    assert set(failed(evaluate(scenario(**expect), obs))) == {
        "sales orders == 1",
        "order line MC-AIRO-MB-BLK x4.0 @ 433.5",
        "order total 1820.7",
        "escalations == 1",
        "escalation reason discount_beyond_policy",
        "thread mode human",
    }


def test_trajectory_checks_nodes_facts_and_api_calls() -> None:
    expect = {
        "trajectory": {
            "nodes_called": ["retrieve"],
            "nodes_never": ["quote"],
            "fact_kinds": ["sku_info"],
            "api_never": ["POST /salesorders"],
        }
    }
    obs = observation("Hello")
    obs.nodes, obs.fact_kinds = ["ingest", "retrieve", "respond"], ["sku_info"]
    obs.api_requests = ["GET inventory /items"]
    assert failed(evaluate(scenario(**expect), obs)) == []
    obs.nodes, obs.api_requests = ["ingest", "quote"], ["POST inventory /salesorders"]
    assert set(failed(evaluate(scenario(**expect), obs))) == {
        "node retrieve ran",
        "node quote never ran",
        "API POST /salesorders never called",
    }


def _run(run_id: str, passes: dict[str, list[bool]]) -> RunOut:
    return RunOut(
        run_id=run_id,
        started_at="2026-01-01T00:00:00+00:00",
        model="offline",
        trials=2,
        scenarios=[
            ScenarioOut(
                id=sid,
                title=sid,
                language="en",
                tags=[],
                status="active",
                trials=[TrialOut(trial=i, passed=p, chat_id="1", checks=[], turns=[]) for i, p in enumerate(trials)],
            )
            for sid, trials in passes.items()
        ],
    )


def test_pass_k_is_all_trials_and_baseline_diff_reports_flips() -> None:
    before = _run("before", {"a": [True, True], "b": [False, False], "c": [True, True], "gone": [True, True]})
    after = _run("after", {"a": [True, False], "b": [True, True], "c": [True, True], "new": [True, True]})
    overall = after.overall()
    assert overall["pass_k"] == 0.75
    assert overall["pass_1"] == 0.875
    diff = diff_against(after, before, "baseline.json")
    assert [f.id for f in diff.broken] == ["a"]
    assert [f.id for f in diff.fixed] == ["b"]
    assert diff.new == ["new"]
    assert diff.missing == ["gone"]
    assert (diff.pass_k_before, diff.pass_k_after) == (round(2 / 3, 4), round(2 / 3, 4))
