"""The chaos benchmark's quick variant as a correctness check: worker processes SIGKILLed mid-turn lose nothing
and send nothing twice (bench/load_chaos.py; its timings are reported by the bench, never asserted here)."""

from __future__ import annotations

import pytest

from bench.load_chaos import Plan, run


@pytest.mark.slow
def test_killed_workers_lose_and_duplicate_nothing() -> None:
    outcome = run("kills", Plan(chats=10, messages=2, kills=2, kill_every=4.0, wazzup_faults=0, reply_timeout=120.0))

    assert outcome.chaos.notes == ["2 worker processes SIGKILLed, one every 4 s"]
    assert outcome.turns == 20
    assert (outcome.lost, outcome.duplicated, outcome.sent_twice) == (0, 0, 0)
