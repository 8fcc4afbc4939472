"""The understanding benchmark's scoring: a model that understands every turn as labelled scores 1.0 everywhere,
one that drops a slot or swaps an intent loses exactly that."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage

from agent.language import Language
from agent.understanding import Question, Understanding
from bench.understanding import UNSEEN, cases, keyword_baseline, load_replies, measure, slot_pairs, unseen_cases
from evals.scenario import load_scenarios

SCENARIOS = load_scenarios()
CASES = cases(SCENARIOS, {})
BY_MESSAGES = {id(c.messages): c for c in CASES}


def test_each_labelled_turn_is_read_after_the_conversation_before_it() -> None:
    quote = [c for c in CASES if c.message.scenario_id == "quote.en.end_to_end"]
    assert [type(m) for m in quote[2].messages] == [HumanMessage, AIMessage, HumanMessage, AIMessage, HumanMessage]
    assert quote[2].messages[-1].content == "Yes, confirmed"
    burst = next(c for c in CASES if c.message.kind == "burst")
    assert all(isinstance(m, HumanMessage) for m in burst.messages)
    assert len(burst.messages) == len(burst.message.lines)


async def test_the_gold_itself_scores_one_and_a_lost_slot_or_intent_costs_exactly_that() -> None:
    async def gold(messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question]) -> Understanding:
        return BY_MESSAGES[id(messages)].gold

    perfect = (await measure("gold", gold, CASES)).overall.figures()
    assert perfect["intent_accuracy"] == 1.0
    assert perfect["intent_set_f1"] == 1.0
    assert perfect["slot_f1"] == 1.0

    target = next(c for c in CASES if c.message.scenario_id == "sku.en.exact_price_stock")

    async def forgets_the_code(
        messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question]
    ) -> Understanding:
        understood = BY_MESSAGES[id(messages)].gold
        if messages is target.messages:
            return Understanding(intents=["product_search"])
        return understood

    report = await measure("one wrong", forgets_the_code, CASES)
    figures = report.overall.figures()
    assert figures["intent_accuracy"] == (len(CASES) - 1) / len(CASES)
    assert figures["slot_precision"] == 1.0
    assert figures["slot_recall"] == (figures["slot_pairs"] - 1) / figures["slot_pairs"]
    assert [e["where"] for e in report.errors] == [target.message.where]
    assert report.errors[0]["missing"] == ["skus=MCAIROMBBLK"]


def test_defaults_are_not_statements() -> None:
    assert slot_pairs(Understanding(intents=["greeting"])) == set()


async def test_the_keyword_baseline_fills_no_slots() -> None:
    report = await measure("keywords", keyword_baseline, CASES)
    assert report.overall.slot_tp == 0
    assert report.overall.slot_fp == 0
    assert load_replies(None) == {}


def test_the_held_out_set_is_read_after_the_bot_message_each_turn_answers() -> None:
    held_out = unseen_cases(UNSEEN)
    assert len(held_out) >= 80
    assert {c.message.language for c in held_out} == {"en", "ar", "arabizi", "ru"}
    answering = [c for c in held_out if c.asked]
    assert answering
    assert all(isinstance(c.messages[0], AIMessage) for c in answering)
    assert all(c.messages[-1].content == c.message.lines[0] for c in held_out)
