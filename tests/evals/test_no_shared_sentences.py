"""Tests and evals share no customer sentences: a product tuned until its tests pass must not pass the evals
for free. A customer sentence of a scenario (three words or more) found verbatim in a string literal under
tests/ fails this check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from evals.scenario import Scenario, load_scenarios

TESTS_DIR = Path(__file__).resolve().parents[1]
MIN_WORDS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")

SHARING_TODAY = [
    "tests/agent/test_sales_graph.py",
    "tests/agent/test_sales_requests.py",
    "tests/server/test_escalation_flow.py",
    "tests/server/test_inbox_browser.py",
    "tests/server/test_quotation_flow.py",
    "tests/tools/test_knowledge.py",
]
"""Test files that already used scenario sentences when this check was added (not edited by this change)."""


def customer_sentences(scenarios: list[Scenario]) -> dict[str, str]:
    """Every customer text of the scenarios and every sentence in it of MIN_WORDS words or more → scenario id."""
    found: dict[str, str] = {}
    for scenario in scenarios:
        for turn in scenario.turns:
            texts = [*(turn.burst or []), *turn.script]
            texts += [t for t in (turn.say, turn.caption) if t is not None]
            for text in texts:
                for piece in {text.strip(), *(_SENTENCE_END.split(text.strip()))}:
                    if len(re.findall(r"\w+", piece)) >= MIN_WORDS:
                        found.setdefault(piece, scenario.id)
    return found


def string_literals(path: Path) -> list[str]:
    """The string constants of a Python file (f-strings' literal parts included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def shared_sentences(tests_dir: Path = TESTS_DIR) -> dict[str, list[tuple[str, str]]]:
    """Test file → the (scenario id, sentence) pairs it contains verbatim."""
    sentences = customer_sentences(load_scenarios())
    shared: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(tests_dir.rglob("*.py")):
        literals = string_literals(path)
        hits = [(sid, s) for s, sid in sentences.items() if any(s in literal for literal in literals)]
        if hits:
            shared[path.relative_to(tests_dir.parent).as_posix()] = sorted(hits)
    return shared


def test_the_check_finds_a_scenario_sentence_in_a_test_literal(tmp_path: Path) -> None:
    scenario = next(s for s in load_scenarios() if s.turns[0].say and len(s.turns[0].say.split()) >= MIN_WORDS)
    sentence = scenario.turns[0].say
    assert sentence is not None
    (tmp_path / "test_copy.py").write_text(f"TEXT = {sentence!r}\nOTHER = 'nothing to see'\n", encoding="utf-8")
    (tmp_path / "test_clean.py").write_text("TEXT = 'a sentence no customer of the scenarios wrote'\n")
    found = shared_sentences(tmp_path)
    assert list(found) == [f"{tmp_path.name}/test_copy.py"]
    assert (scenario.id, sentence.strip()) in found[f"{tmp_path.name}/test_copy.py"]


@pytest.mark.xfail(
    strict=True,
    reason="tests written before this check reuse scenario customer sentences: " + ", ".join(SHARING_TODAY),
)
def test_tests_and_evals_share_no_customer_sentences() -> None:
    shared = shared_sentences()
    report = "\n".join(f"{path}: {sid}: {sentence!r}" for path, hits in shared.items() for sid, sentence in hits)
    assert not shared, f"customer sentences of scenarios found in tests:\n{report}"
