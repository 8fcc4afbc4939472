"""Shared pieces of the fake Zoho: a controllable clock, configuration, fault plans and small helpers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

DUBAI = timezone(timedelta(hours=4))

Product = Literal["oauth", "inventory", "crm"]
FaultKind = Literal["status", "after_write", "delay", "delay_after"]
PdfMode = Literal["pdf", "json_error", "json_200", "html"]


class FakeClock:
    """The fake's notion of time (token expiry, rate windows, search indexing, timestamps).

    Without `start` it follows the wall clock plus an offset that `advance()` moves forward; with `start` it
    is frozen at that epoch second and moves only when advanced. `sleep()` advances instead of waiting, so a
    client given `clock=fake.clock.now, sleep=fake.clock.sleep` backs off in virtual time.
    """

    def __init__(self, start: float | None = None) -> None:
        self._frozen = start
        self._offset = 0.0

    def now(self) -> float:
        base = time.time() if self._frozen is None else self._frozen
        return base + self._offset

    def advance(self, seconds: float) -> float:
        self._offset += seconds
        return self.now()

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)


def inventory_time(clock: FakeClock) -> str:
    """Zoho Inventory timestamp shape: 2026-02-14T10:21:33+0400."""
    return clock.datetime().astimezone(DUBAI).strftime("%Y-%m-%dT%H:%M:%S%z")


def crm_time(clock: FakeClock) -> str:
    """Zoho CRM timestamp shape: 2026-01-19T11:42:00+04:00."""
    return clock.datetime().astimezone(DUBAI).isoformat(timespec="seconds")


def parse_zoho_time(value: str) -> datetime | None:
    """Both Zoho timestamp shapes (`+0400` and `+04:00`), or None if unparseable."""
    text = value.strip().replace(" ", "+")
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=DUBAI)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=DUBAI)


class IdMaker:
    """Deterministic 19-digit numeric ids (Zoho ids are large numbers; clients must treat them as strings)."""

    def __init__(self, prefix: str, start: int = 1) -> None:
        self._prefix = prefix
        self._counter: Iterator[int] = itertools.count(start)

    def next(self) -> str:
        number = next(self._counter)
        return f"{self._prefix}{number:0{19 - len(self._prefix)}d}"


@dataclass
class FakeZohoConfig:
    """Everything a test or a person may change at run time (also over HTTP: PATCH /_control/config)."""

    organization_id: str = "20071234567"
    client_id: str = "demo-client-id"
    client_secret: str = "demo-client-secret"
    # OAuth
    token_lifetime: int = 3600
    refreshes_per_window: int = 10
    refresh_window_seconds: int = 600
    max_active_tokens: int = 15
    oauth_error_status: int = 200  # Zoho documents 200; some clients observed 400
    # Inventory limits
    per_minute_limit: int = 100
    daily_limit: int = 10_000
    concurrency_limit: int = 10
    sales_order_key: Literal["salesorder", "sales_order"] = "salesorder"
    pdf_mode: PdfMode = "pdf"
    stock_as_strings: bool = False  # serve stock fields as strings ("3", "-2"), as some real orgs do
    # CRM
    crm_concurrency_limit: int = 10
    crm_daily_credits: int = 50_000
    search_index_delay: float = 0.0
    deal_pipelines: dict[str, list[str]] = field(
        default_factory=lambda: {
            "Standard (Standard)": [
                "Qualification",
                "Needs Analysis",
                "Proposal/Price Quote",
                "Negotiation/Review",
                "Closed Won",
                "Closed Lost",
            ]
        }
    )
    deal_closing_date_required: bool = False

    def public(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data.pop("client_secret")
        return data


@dataclass
class Fault:
    """One planned misbehaviour, applied to the next `count` matching requests (count < 0: until cleared).

    kinds: `status` answers `status` (with a Zoho-shaped body; `code` overrides the product's default error
    code) without touching the data; `after_write` lets the request through (the write happens) and then
    answers `status` instead; `delay` waits `seconds` before handling; `delay_after` handles the request
    (the write happens) and waits `seconds` before answering. `path` is a prefix of the path below the
    product root (e.g. `/salesorders` for Inventory, `/Deals` for CRM, `/token` for OAuth).
    """

    kind: FaultKind = "status"
    product: Product | Literal["any"] = "any"
    status: int = 500
    code: int | str | None = None
    message: str | None = None
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: str | None = None
    seconds: float = 0.0

    def matches(self, product: Product, method: str, path: str) -> bool:
        if self.product != "any" and self.product != product:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path and not path.startswith(self.path))


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def take(self, product: Product, method: str, path: str) -> list[Fault]:
        """The first matching fault of each kind, consuming one use of each."""
        taken: list[Fault] = []
        kinds: set[str] = set()
        for fault in list(self.faults):
            if fault.kind in kinds or not fault.matches(product, method, path):
                continue
            kinds.add(fault.kind)
            taken.append(fault)
            if fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
        return taken


@dataclass
class LoggedRequest:
    at: float
    product: str
    method: str
    path: str
    query: str
    status: int = 0

    def view(self) -> dict[str, Any]:
        return dict(self.__dict__)
