"""Routing an escalated thread to a manager, on a fixed clock in Asia/Dubai, with the demo managers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.policies.routing import DUBAI, ManagerProfile, route
from sandbox.seed import demo_managers

MANAGERS = [ManagerProfile.from_record(m) for m in demo_managers()]


def dubai(day: int, hour: int, minute: int = 0) -> datetime:
    """September 2026: the 7th is a Monday, the 4th a Friday, the 5th a Saturday, the 6th a Sunday."""
    return datetime(2026, 9, day, hour, minute, tzinfo=DUBAI)


@pytest.mark.parametrize(
    ("now", "language", "categories", "loads", "expected", "reason"),
    [
        # Arabic, mesh chairs, Monday morning: Fatima (Arabic, ergonomics specialist, on her first shift)
        (dubai(7, 10), "ar", ["Mesh Chairs"], {}, "mgr_04", "on_shift"),
        # the category id works as well as its name
        (dubai(7, 10), "ar", ["4815000000001460046"], {}, "mgr_04", "on_shift"),
        # Fatima's lunch break (split shift): an Arabic speaker on shift, lightest load, then id
        (dubai(7, 13, 30), "ar", ["Mesh Chairs"], {}, "mgr_01", "on_shift"),
        (dubai(7, 13, 30), "ar", ["Mesh Chairs"], {"mgr_01": 15}, "mgr_06", "on_shift"),
        # Russian lounge enquiry: Elena from 10:00; before that Yousef (speaks Russian, on from 08:00)
        (dubai(7, 10, 30), "ru", ["Sofas & Lounge Seating"], {}, "mgr_02", "on_shift"),
        (dubai(7, 9, 30), "ru", ["Sofas & Lounge Seating"], {}, "mgr_06", "on_shift"),
        # Anastasia (Russian, L-shaped desks) is inactive (on leave): never picked
        (dubai(7, 11), "ru", ["L-Shaped Desks"], {"mgr_02": 0}, "mgr_02", "on_shift"),
        # Sunday: only Yousef works (Sun-Thu week)
        (dubai(6, 10), "en", ["Workstations"], {}, "mgr_06", "on_shift"),
        # Saturday morning: Rahul (Saturday half day, workstations)
        (dubai(5, 11), "en", ["Workstations"], {}, "mgr_03", "on_shift"),
        # Saturday afternoon, Arabic: nobody on shift; Yousef is first back (Sunday 08:00)
        (dubai(5, 16), "ar", [], {}, "mgr_06", "next_shift"),
        # Monday night, Russian: the earliest Russian speaker on Tuesday is Yousef (08:00), before Elena (10:00)
        (dubai(7, 23), "ru", ["Sofas & Lounge Seating"], {}, "mgr_06", "next_shift"),
        # an English speaker beats an Arabic-only match for an English customer
        (dubai(7, 9, 15), "en", ["Workstations"], {}, "mgr_03", "on_shift"),
        # full managers are skipped: Fatima at capacity
        (dubai(7, 10), "ar", ["Mesh Chairs"], {"mgr_04": 30}, "mgr_01", "on_shift"),
        # unknown language: a speaker is preferred, else anyone on shift
        (dubai(7, 10), "fr", [], {}, "mgr_01", "on_shift"),
    ],
)
def test_route(
    now: datetime, language: str, categories: list[str], loads: dict[str, int], expected: str, reason: str
) -> None:
    decision = route(MANAGERS, language=language, categories=categories, now=now, loads=loads)
    assert (decision.manager_id, decision.reason) == (expected, reason)


def test_the_same_moment_in_utc_routes_the_same() -> None:
    local = route(MANAGERS, language="ar", categories=["Mesh Chairs"], now=dubai(7, 10))
    utc = route(MANAGERS, language="ar", categories=["Mesh Chairs"], now=datetime(2026, 9, 7, 6, 0, tzinfo=UTC))
    assert local == utc
    assert local.speaks_language
    assert local.has_specialty
    assert local.describe() == "on_shift, language, specialty"


def test_next_shift_reports_when_the_manager_is_back() -> None:
    decision = route(MANAGERS, language="ar", now=dubai(5, 16))
    assert decision.available_at == dubai(6, 8)
    assert decision.describe() == "next_shift, language, from Sun 08:00"


def test_everyone_full_falls_back_deterministically() -> None:
    full = {m.manager_id: m.max_open_chats for m in MANAGERS}
    decision = route(MANAGERS, language="en", now=dubai(7, 10), loads=full, fallback_manager_id="mgr_05")
    assert (decision.manager_id, decision.reason) == ("mgr_05", "fallback")
    # an inactive fallback is not used: the lightest load, then the id
    decision = route(MANAGERS, language="en", now=dubai(7, 10), loads=full, fallback_manager_id="mgr_07")
    assert (decision.manager_id, decision.reason) == ("mgr_01", "fallback")
    assert route([], language="en", now=dubai(7, 10)).reason == "nobody"


def test_leave_and_overnight_shifts() -> None:
    night = ManagerProfile.from_record(
        {
            "manager_id": "mgr_night",
            "name": "Night Owl",
            "languages": ["en"],
            "working_hours": {"timezone": "Asia/Dubai", "schedule": {"mon": [["22:00", "02:00"]]}},
            "leave": [{"from": "2026-09-14", "until": "2026-09-20"}],
        }
    )
    assert night.on_shift(dubai(7, 23))
    assert night.on_shift(dubai(8, 1, 30))  # Tuesday 01:30, still Monday's shift
    assert not night.on_shift(dubai(8, 2))
    assert not night.on_shift(dubai(8, 23))
    assert night.next_shift_start(dubai(8, 3)) == dubai(14, 22).replace(day=21)  # the 14th is on leave
    assert route([night], language="en", now=dubai(14, 23)).reason == "nobody"
    assert route([night], language="en", now=dubai(7, 23)).manager_id == "mgr_night"


def test_a_shift_until_midnight() -> None:
    late = ManagerProfile.from_record(
        {"id": "mgr_late", "name": "Late", "working_hours": {"schedule": {"mon": [["18:00", "24:00"]]}}}
    )
    assert late.on_shift(dubai(7, 23, 59))
    assert not late.on_shift(dubai(8, 0, 1))


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        route(MANAGERS, language="en", now=datetime(2026, 9, 7, 10))
