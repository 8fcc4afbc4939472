"""Manager accounts and access: demo accounts only in demo mode; an admin creates, disables and resets accounts from
the admin API and from `noor managers`; a manager may not; a disabled account's sessions end at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.web.app import create_app
from tests.server.conftest import service_settings
from tests.support.db import TestDatabases as Databases
from tests.support.inbox import DEMO_PASSWORD, FATIMA, connect, csrf_from, sign_in
from tests.support.live import free_port, live_server
from tests.support.secrets import PRODUCTION_SECRETS

DANIEL = "daniel.whitaker@treejar.com"  # the demo admin
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def api_database_url(test_databases: Databases) -> str:
    return test_databases.fresh()


@pytest.fixture(scope="module")
def api_url(api_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API alone (no worker process), in demo mode."""
    port = free_port()
    settings = service_settings(api_database_url, tmp_path_factory.mktemp("api"), port, worker_processes=0)
    with live_server(create_app(settings), port) as server:
        yield server.url


async def _api_client(url: str, login: str, password: str = DEMO_PASSWORD) -> httpx.AsyncClient:
    client = await sign_in(url, login, password)
    client.headers["x-csrf-token"] = csrf_from((await client.get("/inbox")).text)
    return client


async def test_demo_accounts_are_not_created_outside_demo_mode(test_databases: Databases, tmp_path: Path) -> None:
    database_url = test_databases.fresh()
    port = free_port()
    settings = service_settings(
        database_url,
        tmp_path,
        port,
        worker_processes=0,
        sandbox=False,
        wazzup_webhook_token="a-production-token-0123456789",
        wazzup_api_key="a-production-key",
        document_link_secret="a-production-document-secret",
        zoho_client_id="a-production-client",
        zoho_client_secret="a-production-client-secret",
        zoho_inventory_refresh_token="a-production-inventory-token",
        zoho_crm_refresh_token="a-production-crm-token",
        telegram_bot_token="123456:a-production-bot-token",
        inbox_demo_password=None,
    )
    with live_server(create_app(settings), port) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            token = await http.post("/api/v1/auth/token", json={"login": FATIMA, "password": DEMO_PASSWORD})
    assert token.status_code == 401
    async with await connect(database_url) as conn:
        row = await (await conn.execute("SELECT count(*) AS n FROM managers")).fetchone()
    assert row == {"n": 0}


async def test_accounts_a_demo_run_left_cannot_sign_in_with_the_demo_password_outside_demo_mode(
    test_databases: Databases, tmp_path: Path
) -> None:
    database_url = test_databases.fresh()
    port = free_port()
    demo = service_settings(database_url, tmp_path / "demo", port, worker_processes=0)
    with live_server(create_app(demo), port):
        pass  # the demo seeds its accounts
    production = service_settings(
        database_url, tmp_path / "production", port, worker_processes=0, sandbox=False, **PRODUCTION_SECRETS
    )
    with live_server(create_app(production), port) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            token = await http.post("/api/v1/auth/token", json={"login": FATIMA, "password": DEMO_PASSWORD})
    assert token.status_code == 401
    async with await connect(database_url) as conn:
        row = await (
            await conn.execute("SELECT count(*) AS accounts, count(password_hash) AS passwords FROM managers")
        ).fetchone()
    assert row is not None
    assert (row["accounts"] > 0, row["passwords"]) == (True, 0)  # kept, but none signs in until reset


async def test_an_admin_runs_accounts_and_a_manager_cannot(api_url: str) -> None:
    admin = await _api_client(api_url, DANIEL)
    manager = await _api_client(api_url, FATIMA)
    try:
        listed = (await admin.get("/api/v1/admin/managers")).json()["items"]
        assert {a["email"]: a["access"] for a in listed}["omar.alhashimi@treejar.com"] == "head_of_sales"
        assert (await manager.get("/api/v1/admin/managers")).status_code == 403
        new = {"name": "Layla Haddad", "email": "Layla.Haddad@treejar.com", "access": "manager", "languages": ["ar"]}
        assert (await manager.post("/api/v1/admin/managers", json=new)).status_code == 403
        without_csrf = await admin.post("/api/v1/admin/managers", json=new, headers={"x-csrf-token": "forged"})
        assert without_csrf.status_code == 403

        created = await admin.post("/api/v1/admin/managers", json=new)
        assert created.status_code == 201, created.text
        issued = created.json()
        assert issued["account"]["email"] == "layla.haddad@treejar.com"
        assert issued["account"]["id"] == "mgr_08"
        assert len(issued["password"]) >= 10
        again = await admin.post("/api/v1/admin/managers", json=new)
        assert again.status_code == 409
        assert "already exists" in again.json()["detail"]
        weak = await admin.post("/api/v1/admin/managers", json={**new, "email": "x@treejar.com", "password": "short"})
        assert weak.status_code == 422

        layla = await _api_client(api_url, "layla.haddad@treejar.com", issued["password"])
        assert (await layla.get("/api/v1/me")).json()["access"] == "manager"
        reset = await admin.post("/api/v1/admin/managers/mgr_08/reset-password", json={})
        assert reset.status_code == 200
        assert (await layla.get("/api/v1/me")).status_code == 401  # a new password ends every session
        await layla.aclose()
        async with httpx.AsyncClient(base_url=api_url) as http:
            old = {"login": "mgr_08", "password": issued["password"]}
            assert (await http.post("/api/v1/auth/token", json=old)).status_code == 401
            fresh = {"login": "mgr_08", "password": reset.json()["password"]}
            assert (await http.post("/api/v1/auth/token", json=fresh)).status_code == 200

        layla = await _api_client(api_url, "mgr_08", reset.json()["password"])
        disabled = await admin.post("/api/v1/admin/managers/mgr_08/disable")
        assert disabled.json()["can_sign_in"] is False
        assert (await layla.get("/api/v1/me")).status_code == 401
        async with httpx.AsyncClient(base_url=api_url) as http:
            fresh = {"login": "mgr_08", "password": reset.json()["password"]}
            assert (await http.post("/api/v1/auth/token", json=fresh)).status_code == 401
            assert (await admin.post("/api/v1/admin/managers/mgr_08/enable")).json()["can_sign_in"] is True
            assert (await http.post("/api/v1/auth/token", json=fresh)).status_code == 200
        assert (await admin.post("/api/v1/admin/managers/nobody/disable")).status_code == 404
        assert (await admin.post("/api/v1/admin/managers/mgr_05/disable")).status_code == 409  # not yourself
        await layla.aclose()
    finally:
        await admin.aclose()
        await manager.aclose()


def _noor(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOOR_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


async def test_noor_managers_cli_creates_the_first_admin(test_databases: Databases) -> None:
    database_url = test_databases.fresh()
    created = _noor(
        database_url, "managers", "create", "--name", "Sara Admin", "--email", "sara@treejar.com", "--role", "admin"
    )
    assert created.returncode == 0, created.stderr
    assert "mgr_01  sara@treejar.com  Sara Admin  [admin]  can sign in" in created.stdout
    password = created.stdout.split("password: ")[1].split()[0]

    duplicate = _noor(database_url, "managers", "create", "--name", "Sara", "--email", "SARA@treejar.com")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    invalid = _noor(database_url, "managers", "create", "--name", "X", "--email", "not-an-email")
    assert "email: Value error, not an e-mail address" in invalid.stderr

    assert _noor(database_url, "managers", "disable", "sara@treejar.com").returncode == 0
    listed = _noor(database_url, "managers", "list").stdout
    assert "[admin]  disabled" in listed
    assert _noor(database_url, "managers", "enable", "mgr_01").returncode == 0
    reset = _noor(database_url, "managers", "reset-password", "mgr_01", "--password", "a-new-long-password")
    assert reset.returncode == 0
    assert "password:" not in reset.stdout  # a password the admin typed is not echoed

    from server.desk.managers import authenticate

    async with await connect(database_url) as conn:
        assert await authenticate(conn, "sara@treejar.com", password) is None
        signed_in = await authenticate(conn, "sara@treejar.com", "a-new-long-password")
    assert signed_in is not None
    assert signed_in.access == "admin"
