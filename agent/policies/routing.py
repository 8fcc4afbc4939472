"""Which manager gets an escalated thread: language, product specialty, working hours (Asia/Dubai), load.

Pure and deterministic given the clock: `route(managers, language=..., categories=..., now=..., loads=...)`.

1. Eligible: active, not on leave on today's Dubai date, fewer open escalated threads than max_open_chats.
2. Managers on shift now are preferred; among them: speaks the customer's language, then has the product
   specialty, then the lightest load (open / max), then the manager id (stable tie-break).
3. Nobody on shift: the earliest next shift among managers who speak the language (then specialty,
   load, id); the alert tells the manager the customer waits until then.
4. Nobody eligible at all (everyone full or away): the configured fallback manager if active, else the
   active manager with the lightest load, else nobody (the thread waits in the shared inbox).

Working hours are per weekday ("mon".."sun") lists of ["HH:MM", "HH:MM"] intervals in the manager's time
zone; split shifts are several intervals; an end at or before its start runs past midnight; "24:00" ends
the day. Weeks are whatever the schedule says (a Sun–Thu week has empty "fri" and "sat").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

DUBAI = ZoneInfo("Asia/Dubai")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

RoutingReason = Literal["on_shift", "next_shift", "fallback", "nobody"]


@dataclass(frozen=True)
class Shift:
    start: time
    end: time | None
    """None: until midnight ("24:00")."""

    @property
    def overnight(self) -> bool:
        return self.end is not None and self.end <= self.start


@dataclass(frozen=True)
class Leave:
    start: date
    until: date
    """Inclusive."""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.until


@dataclass(frozen=True)
class ManagerProfile:
    manager_id: str
    name: str
    languages: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    specialty_category_ids: tuple[str, ...] = ()
    schedule: Mapping[str, tuple[Shift, ...]] = field(default_factory=dict)
    timezone: str = "Asia/Dubai"
    is_active: bool = True
    max_open_chats: int = 30
    leave: tuple[Leave, ...] = ()
    telegram_chat_id: int | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ManagerProfile:
        """From managers.json's shape (or a `managers` table row with the same names)."""
        hours = record.get("working_hours") or {}
        schedule = {
            day: tuple(_shift(start, end) for start, end in (hours.get("schedule") or {}).get(day) or [])
            for day in WEEKDAYS
        }
        leave = tuple(
            Leave(date.fromisoformat(str(item["from"])), date.fromisoformat(str(item["until"])))
            for item in record.get("leave") or []
        )
        chat = record.get("telegram_chat_id")
        return cls(
            manager_id=str(record.get("manager_id") or record["id"]),
            name=str(record["name"]),
            languages=tuple(record.get("languages") or ()),
            specialties=tuple(record.get("specialties") or ()),
            specialty_category_ids=tuple(str(c) for c in record.get("specialty_category_ids") or ()),
            schedule=schedule,
            timezone=str(hours.get("timezone") or "Asia/Dubai"),
            is_active=bool(record.get("is_active", True)),
            max_open_chats=int(record.get("max_open_chats") or 30),
            leave=leave,
            telegram_chat_id=int(chat) if chat is not None else None,
        )

    def on_leave(self, now: datetime) -> bool:
        day = now.astimezone(ZoneInfo(self.timezone)).date()
        return any(period.covers(day) for period in self.leave)

    def on_shift(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.timezone))
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        clock = local.time().replace(tzinfo=None)
        for shift in self.schedule.get(today, ()):
            if shift.overnight:
                if clock >= shift.start:
                    return True
            elif shift.start <= clock and (shift.end is None or clock < shift.end):
                return True
        return any(
            shift.overnight and shift.end is not None and clock < shift.end
            for shift in self.schedule.get(yesterday, ())
        )

    def next_shift_start(self, now: datetime, horizon_days: int = 14) -> datetime | None:
        """When the manager is next on shift (now if on shift), skipping leave days; None within the horizon."""
        zone = ZoneInfo(self.timezone)
        if self.on_shift(now) and not self.on_leave(now):
            return now
        local = now.astimezone(zone)
        for offset in range(horizon_days + 1):
            day = local.date() + timedelta(days=offset)
            if any(period.covers(day) for period in self.leave):
                continue
            starts = sorted(shift.start for shift in self.schedule.get(WEEKDAYS[day.weekday()], ()))
            for start in starts:
                candidate = datetime.combine(day, start, tzinfo=zone)
                if candidate > local:
                    return candidate
        return None

    def speaks(self, language: str | None) -> bool:
        return (language or "en") in self.languages

    def covers(self, categories: Iterable[str]) -> bool:
        names = {s.casefold() for s in self.specialties}
        ids = set(self.specialty_category_ids)
        return any(c.casefold() in names or c in ids for c in categories)


def _shift(start: str, end: str) -> Shift:
    return Shift(time.fromisoformat(start), None if end in ("24:00", "24:00:00") else time.fromisoformat(end))


@dataclass(frozen=True)
class RoutingDecision:
    manager_id: str | None
    reason: RoutingReason
    speaks_language: bool = False
    has_specialty: bool = False
    available_at: datetime | None = None
    """When the manager is on shift (now, for on_shift)."""

    def describe(self) -> str:
        if self.manager_id is None:
            return "nobody available: waits in the shared inbox"
        parts: list[str] = [self.reason]
        if self.speaks_language:
            parts.append("language")
        if self.has_specialty:
            parts.append("specialty")
        if self.reason == "next_shift" and self.available_at is not None:
            parts.append(f"from {self.available_at.astimezone(DUBAI):%a %H:%M}")
        return ", ".join(parts)


def route(
    managers: Sequence[ManagerProfile],
    *,
    language: str | None,
    categories: Iterable[str] = (),
    now: datetime,
    loads: Mapping[str, int] | None = None,
    fallback_manager_id: str | None = None,
) -> RoutingDecision:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    loads = loads or {}
    wanted = list(categories)

    def load_ratio(m: ManagerProfile) -> float:
        return loads.get(m.manager_id, 0) / max(m.max_open_chats, 1)

    eligible = [
        m for m in managers if m.is_active and not m.on_leave(now) and loads.get(m.manager_id, 0) < m.max_open_chats
    ]
    on_shift = [m for m in eligible if m.on_shift(now)]
    if on_shift:
        best = min(on_shift, key=lambda m: (not m.speaks(language), not m.covers(wanted), load_ratio(m), m.manager_id))
        return RoutingDecision(best.manager_id, "on_shift", best.speaks(language), best.covers(wanted), now)
    upcoming = [(m, start) for m in eligible if (start := m.next_shift_start(now)) is not None]
    if upcoming:
        best, start = min(
            upcoming,
            key=lambda pair: (
                not pair[0].speaks(language),
                pair[1],
                not pair[0].covers(wanted),
                load_ratio(pair[0]),
                pair[0].manager_id,
            ),
        )
        return RoutingDecision(best.manager_id, "next_shift", best.speaks(language), best.covers(wanted), start)
    active = [m for m in managers if m.is_active and not m.on_leave(now)]
    fallback = next((m for m in active if m.manager_id == fallback_manager_id), None)
    if fallback is None and active:
        fallback = min(active, key=lambda m: (load_ratio(m), m.manager_id))
    if fallback is None:
        return RoutingDecision(None, "nobody")
    return RoutingDecision(fallback.manager_id, "fallback", fallback.speaks(language), fallback.covers(wanted))
