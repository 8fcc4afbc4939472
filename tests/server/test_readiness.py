"""/health/ready: 200 only when the schema, this process's catalog, the workers and the credentials are in order;
the start-up checks are logged once; `noor run` prints its URLs once ready; an unreachable database is one line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from pydantic import SecretStr

from evals.service import service_settings
from server.cli import announce_when_ready
from server.worker.heartbeat import Heartbeat
from tests.support.db import TestDatabases
from tests.support.live import api_node, free_port, live_server


def wait_for_checks(url: str, done: Any, timeout: float = 120.0) -> httpx.Response:
    """GET /health/ready until `done(response)` (the checks take a while: catalog sync, workers, credentials)."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{url}/health/ready", timeout=10)
        if done(response) or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def settled(response: httpx.Response) -> bool:
    return all(check["state"] != "pending" for check in response.json()["checks"].values())


@pytest.fixture
def misconfigured_url(test_databases: TestDatabases, tmp_path: Path) -> Iterator[str]:
    """An API-only node (no workers) with an OpenRouter key the provider rejects and a revoked Zoho CRM token."""
    port = free_port()
    with api_node(
        test_databases.fresh(),
        tmp_path,
        port=port,
        openrouter_api_key=SecretStr("sk-or-v1-not-a-real-key"),
        openrouter_base_url=f"http://127.0.0.1:{port}/sandbox/openrouter/api/v1",
        zoho_crm_refresh_token=SecretStr("1000.revoked-crm-refresh-token"),
    ) as url:
        yield url


def test_a_misconfigured_node_is_not_ready_and_says_why_once(
    misconfigured_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="server.components.startup")
    response = wait_for_checks(misconfigured_url, settled)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert set(body["failed"]) == {"workers", "catalog", "openrouter", "zoho_crm"}
    checks = body["checks"]
    assert "rejected NOOR_OPENROUTER_API_KEY (HTTP 401" in checks["openrouter"]["detail"]
    assert "invalid_code" in checks["zoho_crm"]["detail"]
    assert checks["zoho_inventory"]["state"] == "ok"
    assert checks["migrations"] == {"state": "ok", "detail": "applied"}
    assert checks["workers"]["detail"].startswith("0 alive of 1 wanted")

    httpx.get(f"{misconfigured_url}/health/ready", timeout=10)  # asking again checks the credentials no more
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert sorted(e.split(" failed:")[0] for e in errors) == ["start-up check openrouter", "start-up check zoho_crm"]

    liveness = httpx.get(f"{misconfigured_url}/health", timeout=10)  # alive all the same
    assert liveness.status_code == 200
    assert liveness.json()["database"] == "ok"


def test_the_service_with_its_worker_becomes_ready(service_url: str) -> None:
    response = wait_for_checks(service_url, lambda r: r.status_code == 200)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert body["checks"]["workers"]["detail"].startswith("1 alive of 1 wanted")
    assert body["checks"]["openrouter"]["state"] == "skipped"  # no key: the offline model
    assert {name for name, check in body["checks"].items() if check["state"] == "ok"} == {
        "database",
        "migrations",
        "workers",
        "catalog",
        "zoho_inventory",
        "zoho_crm",
    }


async def test_a_worker_is_alive_while_it_beats_and_gone_when_it_stops(pool: AsyncConnectionPool[Any]) -> None:
    heartbeat = Heartbeat(pool, interval_seconds=60)

    async def beats() -> list[Any]:
        async with pool.connection() as conn:
            cursor = await conn.execute("SELECT worker_id, beat_at FROM worker_heartbeats")
            return list(await cursor.fetchall())

    await heartbeat.start()
    [first] = await beats()
    assert first["worker_id"] == f"{heartbeat.host}:{os.getpid()}"
    await heartbeat.beat()
    [second] = await beats()
    assert second["beat_at"] > first["beat_at"]
    await heartbeat.stop()
    assert await beats() == []


@pytest.mark.parametrize("command", ["run", "worker"])
def test_an_unreachable_database_stops_the_start_with_one_clear_line(command: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NOOR_DATABASE_URL": "postgresql://noor:secret@127.0.0.1:1/noor",
        "NOOR_DATA_DIR": str(tmp_path),
        "NOOR_PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "server", command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot start: the database does not answer" in lines[0]
    assert "NOOR_DATABASE_URL" in lines[0]
    assert "secret" not in lines[0]  # the password stays out of the log
    assert done.stdout == ""  # no URLs printed for a service that never became ready


def test_noor_run_prints_its_urls_only_once_ready(capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[bool] = []
    polled = threading.Event()
    state = {"ready": False}
    app = FastAPI()

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        asked.append(state["ready"])
        if len(asked) >= 3:
            polled.set()
        return JSONResponse({"failed": [] if state["ready"] else ["workers"]}, 200 if state["ready"] else 503)

    with live_server(app) as server:
        settings = service_settings("postgresql://unused", Path("."), server.port)
        announce_when_ready(settings, ["Noor on test", "  health      /health"], poll_seconds=0.02)
        assert polled.wait(10)
        assert capsys.readouterr().out == ""  # asked three times, answered 503: nothing printed
        state["ready"] = True
        deadline = time.monotonic() + 10
        out = ""
        while not out and time.monotonic() < deadline:
            time.sleep(0.05)
            out = capsys.readouterr().out
    assert out == "Noor on test\n  health      /health\n"


def test_a_migration_missing_from_the_database_makes_the_node_not_ready(
    test_databases: TestDatabases, tmp_path: Path
) -> None:
    database_url = test_databases.fresh()
    with api_node(database_url, tmp_path) as url:
        assert httpx.get(f"{url}/health/ready", timeout=10).json()["checks"]["migrations"]["state"] == "ok"
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM schema_migrations WHERE version = 50")  # as if this build's schema were not
        response = httpx.get(f"{url}/health/ready", timeout=10)
    assert response.status_code == 503
    assert "migrations" in response.json()["failed"]
    assert response.json()["checks"]["migrations"]["detail"] == "not applied: [50]"
