"""The LLM judge over real HTTP against the fake OpenRouter: its structured answer becomes a Review, and a
provider failure is a clear ReviewError."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.quality.checklist import load_checklist
from agent.quality.judge import ModelJudge
from agent.quality.review import ReviewError
from prompts import Prompt, load_prompt, version_of
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from tests.agent.quality.build import CHAIRS, transcript
from tests.support.live import live_server
from tools.llm.openrouter import make_openrouter_chat_model

MODEL = "openai/gpt-4o-mini"

CONVERSATION = transcript(
    ("customer", "Hi, I need 10 mesh chairs"),
    ("bot", "Hello Ahmed! The Zephyr Mesh Chair is 399 AED, 40 in stock. Shall I prepare a quotation?", CHAIRS),
    ("customer", "I want to talk to a manager"),
    ("escalation", "human_request"),
    ("bot", "Of course, a manager will write to you here shortly.", {}),
    name="Ahmed",
)


@pytest.fixture(scope="module")
def openrouter() -> Iterator[tuple[FakeOpenRouter, str]]:
    fake = FakeOpenRouter()
    with live_server(fake.app) as server:
        yield fake, f"{server.url}/api/v1"


@pytest.fixture
def judge(openrouter: tuple[FakeOpenRouter, str]) -> ModelJudge:
    fake, base_url = openrouter
    fake.reset()
    chat = make_openrouter_chat_model(DEMO_OPENROUTER_KEY, base_url=base_url, model=MODEL, max_retries=0)
    return ModelJudge(chat, MODEL)


def verdict(**overrides: object) -> dict[str, object]:
    rules = [
        {"rule": rule.id, "applicable": True, "score": 2, "evidence": [2], "note": "kept"}
        for rule in load_checklist().rules
    ]
    return {"rules": rules, "summary": "A clean hand-over.", **overrides}


async def test_the_judges_structured_answer_becomes_a_review(
    judge: ModelJudge, openrouter: tuple[FakeOpenRouter, str]
) -> None:
    fake, _ = openrouter
    answer = verdict()
    answer["rules"][2] = {"rule": "one_question", "score": 1, "evidence": [2, 99], "note": "two asks"}  # type: ignore[index]
    answer["rules"][9] = {"rule": "moves_to_next_step", "applicable": False, "note": "no occasion"}  # type: ignore[index]
    fake.script_tool_call("Verdict", answer)
    review = await judge.review(CONVERSATION)
    assert review.reviewer == f"llm:{MODEL}"
    assert load_prompt("quality_judge").version in review.reviewer_version
    assert review.score("one_question").score == 1
    assert review.score("one_question").evidence == (2,)  # 99 is not a message of this transcript
    assert review.score("moves_to_next_step").status == "not_applicable"
    assert review.total == 27
    assert review.available == 28
    assert review.summary == "A clean hand-over."
    request = fake.last_chat
    assert request.body["tool_choice"]["function"]["name"] == "Verdict"
    sent = str(request.body["messages"])
    assert "[3] CUSTOMER: I want to talk to a manager" in sent
    assert "ESCALATION (by the bot): human_request" in sent
    assert "OC-ZEPH-MB-BLK" in sent  # the turn's facts go with the bot message
    for rule in load_checklist().rules:
        assert rule.id in (request.system_prompt or "")


async def test_rules_the_judge_skips_or_scores_out_of_range_are_not_judged(
    judge: ModelJudge, openrouter: tuple[FakeOpenRouter, str]
) -> None:
    fake, _ = openrouter
    fake.script_tool_call(
        "Verdict",
        {
            "rules": [
                {"rule": "greet_by_name", "score": 2},
                {"rule": "customer_language", "score": 7},
                {"rule": "made_up_rule", "score": 0},
            ],
            "summary": "",
        },
    )
    review = await judge.review(CONVERSATION)
    assert review.score("greet_by_name").score == 2
    assert review.score("customer_language").status == "not_judged"
    assert "invalid score" in review.score("customer_language").note
    assert sum(1 for r in review.rules if r.status == "not_judged") == 14
    assert len(review.rules) == 15


@pytest.mark.parametrize("failure", [402, 429, 503, "error_in_200"])
async def test_a_provider_failure_is_a_clear_review_error(
    judge: ModelJudge, openrouter: tuple[FakeOpenRouter, str], failure: int | str
) -> None:
    fake, _ = openrouter
    if failure == "error_in_200":
        fake.script_error(502, "upstream error during generation", status=200)
    else:
        fake.script_error(int(failure))
    with pytest.raises(ReviewError, match=rf"the judge llm:{MODEL} failed: OpenRouter\w* ?\w*: OpenRouter error"):
        await judge.review(CONVERSATION)


async def test_an_answer_that_is_not_a_verdict_is_a_clear_review_error(
    judge: ModelJudge, openrouter: tuple[FakeOpenRouter, str]
) -> None:
    fake, _ = openrouter
    fake.script_tool_call("Verdict", {"rules": "all good", "summary": 3})
    with pytest.raises(ReviewError, match="not a verdict"):
        await judge.review(CONVERSATION)


async def test_the_judge_grades_with_the_rubric_version_activated(
    judge: ModelJudge, openrouter: tuple[FakeOpenRouter, str]
) -> None:
    fake, _ = openrouter
    text = load_prompt("quality_judge").text + "\nBe strict about the one-question rule.\n"
    activated = Prompt(name="quality_judge", text=text, version=version_of("quality_judge", text))
    judge.prompts.activate([activated], generation=1)
    fake.script_tool_call("Verdict", verdict())
    review = await judge.review(CONVERSATION)
    assert review.reviewer_version.startswith(f"{activated.version}+")
    assert "Be strict about the one-question rule." in (fake.last_chat.system_prompt or "")
    judge.prompts.activate([], generation=2)  # back to the file
    fake.script_tool_call("Verdict", verdict())
    review = await judge.review(CONVERSATION)
    assert review.reviewer_version.startswith(f"{load_prompt('quality_judge').version}+")
    assert "Be strict" not in (fake.last_chat.system_prompt or "")
