"""Brute-force sign-in: after too many failures for an account, or from one address, sign-in answers 429 with
Retry-After, through the API and the inbox's form alike, without looking at the password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.db import TestDatabases
from tests.support.inbox import DEMO_PASSWORD, csrf_from
from tests.support.live import api_node

OMAR, ELENA, RAHUL = "omar.alhashimi@treejar.com", "elena.sokolova@treejar.com", "mgr_03"


@pytest.fixture
def inbox_url(test_databases: TestDatabases, tmp_path: Path) -> Iterator[str]:
    with api_node(
        test_databases.fresh(),
        tmp_path,
        inbox_login_max_failures=3,
        inbox_login_max_failures_per_ip=6,
        inbox_login_window_minutes=15,
    ) as url:
        yield url


def token(http: httpx.Client, login: str, password: str) -> httpx.Response:
    return http.post("/api/v1/auth/token", json={"login": login, "password": password})


def test_too_many_failures_for_an_account_or_from_an_address_answer_429(inbox_url: str) -> None:
    with httpx.Client(base_url=inbox_url, timeout=30) as http:
        assert [token(http, OMAR, f"guess-{n}").status_code for n in range(3)] == [401, 401, 401]
        locked = token(http, OMAR, DEMO_PASSWORD)  # even the right password: it is not checked while locked
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        assert "too many failed sign-ins" in locked.json()["detail"]
        assert token(http, OMAR.upper(), DEMO_PASSWORD).status_code == 429  # the same account, however typed

        form = http.get("/inbox/login")
        page = http.post(
            "/inbox/login", data={"login": OMAR, "password": DEMO_PASSWORD, "csrf_token": csrf_from(form.text)}
        )
        assert page.status_code == 429
        assert "Too many failed sign-ins" in page.text
        assert "noor_session" not in page.cookies
        assert int(page.headers["Retry-After"]) > 0

        # another account is not locked by Omar's failures; its own success forgets its failures
        assert [token(http, ELENA, "guess").status_code for _ in range(2)] == [401, 401]
        assert token(http, ELENA, DEMO_PASSWORD).status_code == 200
        assert [token(http, ELENA, "guess").status_code for _ in range(2)] == [401, 401]

        # six failures from this address (3 for Omar, 2 for Elena since her sign-in, 1 now): every account waits
        assert token(http, RAHUL, "guess").status_code == 401
        from_here = token(http, RAHUL, DEMO_PASSWORD)
        assert from_here.status_code == 429
        assert int(from_here.headers["Retry-After"]) > 0
