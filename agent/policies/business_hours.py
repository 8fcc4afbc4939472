"""When an unprompted message may go out: the client's working week and hours, in their time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "Asia/Dubai"
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    """Working days, Monday = 0 (the UAE's Monday–Friday week by default)."""
    start_hour: int = 9
    end_hour: int = 18

    def __post_init__(self) -> None:
        if not self.days or not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("business hours need at least one day and a start before the end")

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when it falls within business hours, else the next opening time."""
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            if day.weekday() not in self.days:
                continue
            opens = datetime.combine(day, time(self.start_hour), zone)
            closes = datetime.combine(day, time(0), zone) + timedelta(hours=self.end_hour)
            if local < opens:
                return opens
            if local < closes:
                return at
        raise AssertionError("a week always has a working day")  # __post_init__ guarantees one

    def is_open(self, at: datetime) -> bool:
        return self.next_open(at) == at
