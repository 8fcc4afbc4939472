"""compose.yaml, .env.example and the Dockerfile, checked structurally: no Docker engine runs here, so these tests
parse the files and check what they refer to (settings, routes, build arguments) exists and is honoured."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from dotenv import dotenv_values
from pydantic import SecretStr

from server.settings import Settings
from server.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
NOOR_SERVICES = ("api", "worker")
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def setting_of(variable: str) -> str:
    assert variable.startswith("NOOR_"), variable
    return variable.removeprefix("NOOR_").lower()


def example_variables() -> dict[str, str | None]:
    """Every variable .env.example sets, and those it shows commented out (# NOOR_X=...)."""
    shown = dict(dotenv_values(ROOT / ".env.example"))
    shown.update(dict.fromkeys(re.findall(r"^#\s*(NOOR_[A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE)))
    return shown


def test_compose_runs_the_api_scalable_workers_postgres_and_qdrant() -> None:
    assert set(SERVICES) == {"api", "worker", "postgres", "qdrant"}
    for name in NOOR_SERVICES:
        service = SERVICES[name]
        assert service["env_file"] == ".env"
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "noor-data:/data" in service["volumes"]
    assert SERVICES["api"]["command"] == ["noor", "run"]
    assert SERVICES["worker"]["command"] == ["noor", "worker"]
    assert SERVICES["api"]["environment"]["NOOR_WORKER_PROCESSES"] == "0"  # no workers inside the API container
    assert "replicas" in SERVICES["worker"]["deploy"]
    assert "container_name" not in SERVICES["worker"]  # a fixed name would forbid --scale worker=N
    assert set(COMPOSE["volumes"]) == {"noor-data", "postgres-data", "qdrant-data"}
    assert any(v.endswith(":/var/lib/postgresql/data") for v in SERVICES["postgres"]["volumes"])
    assert any(v.endswith(":/qdrant/storage") for v in SERVICES["qdrant"]["volumes"])


def test_every_noor_variable_in_compose_and_env_example_is_a_setting() -> None:
    fields = set(Settings.model_fields)
    in_compose = {v for name in NOOR_SERVICES for v in SERVICES[name]["environment"]}
    assert {v for v in in_compose if setting_of(v) not in fields} == set()
    assert {v for v in example_variables() if v.startswith("NOOR_") and setting_of(v) not in fields} == set()
    # the wiring compose sets points where the other services listen
    env = SERVICES["api"]["environment"]
    assert env["NOOR_DATABASE_URL"].endswith("@postgres:5432/noor")
    assert env["NOOR_QDRANT_URL"] == "http://qdrant:6333"


def test_env_example_names_every_secret_and_each_external_service() -> None:
    shown = example_variables()
    secrets = {
        f"NOOR_{n.upper()}" for n, f in Settings.model_fields.items() if f.annotation in (SecretStr, SecretStr | None)
    }
    missing = secrets - set(shown) - {"NOOR_INBOX_DEMO_PASSWORD"}  # demo accounts: sandbox mode only
    assert missing == set()
    for needed in ("NOOR_PUBLIC_URL", "NOOR_SANDBOX", "NOOR_ZOHO_ACCOUNTS_URL", "NOOR_WAZZUP_BASE_URL"):
        assert needed in shown
    assert shown["NOOR_SANDBOX"] == "false"
    assert {"POSTGRES_PASSWORD", "QDRANT_API_KEY"} <= set(shown)  # what compose.yaml refuses to start without
    assert set(re.findall(r"\$\{(\w+):\?", (ROOT / "compose.yaml").read_text())) <= set(shown)


def test_health_checks_ask_real_routes() -> None:
    routes = set(create_app(Settings(_env_file=None)).openapi()["paths"])
    api_check = " ".join(SERVICES["api"]["healthcheck"]["test"])
    [path] = re.findall(r"127\.0\.0\.1:8000(/[\w/]+)", api_check)
    assert path == "/health/ready"
    assert path in routes
    [docker_path] = re.findall(r"127\.0\.0\.1:8000(/[\w/]+)", DOCKERFILE)
    assert docker_path in routes
    assert SERVICES["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "server.worker.heartbeat"]


def test_the_worker_health_check_follows_this_hosts_heartbeat(database_url: str) -> None:
    env = {**os.environ, "NOOR_DATABASE_URL": database_url}

    def check() -> subprocess.CompletedProcess[str]:
        command = SERVICES["worker"]["healthcheck"]["test"][1:]
        return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, text=True, timeout=60)

    assert check().returncode == 1  # no worker on this host yet
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO worker_heartbeats (worker_id, host, pid) VALUES (%s, %s, 1)",
            (f"{socket.gethostname()}:1", socket.gethostname()),
        )
        assert check().returncode == 0
        conn.execute("UPDATE worker_heartbeats SET beat_at = now() - interval '1 minute'")
        stale = check()
    assert stale.returncode == 1
    assert "no worker heartbeat" in stale.stderr


def docker_run_lines() -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.removeprefix("RUN ").strip() for line in joined.splitlines() if line.startswith("RUN ")]


@pytest.mark.parametrize(("with_voice", "extra"), [("true", True), ("false", False)])
def test_the_dockerfile_build_arg_decides_the_speech_extra(with_voice: str, extra: bool, tmp_path: Path) -> None:
    assert re.search(r"^ARG WITH_VOICE=false$", DOCKERFILE, re.MULTILINE)
    syncs = [line for line in docker_run_lines() if line.startswith("uv sync")]
    assert len(syncs) == 2  # dependencies first (cached layer), then the project
    fake_bin = tmp_path / "bin"  # the programs the RUN lines call, each printing its arguments
    fake_bin.mkdir()
    for program in ("uv", "useradd", "mkdir", "chown"):
        (fake_bin / program).write_text(f'#!/bin/sh\necho "{program} $*"\n')
        (fake_bin / program).chmod(0o755)
    for line in syncs:  # run by /bin/sh as `docker build` does, with the build argument in the environment
        done = subprocess.run(
            ["/bin/sh", "-c", line],
            env={"PATH": str(fake_bin), "WITH_VOICE": with_voice},
            capture_output=True,
            text=True,
            check=True,
        )
        [uv_sync] = [out for out in done.stdout.splitlines() if out.startswith("uv sync")]
        assert ("--extra voice" in uv_sync) is extra
        assert "--frozen --no-dev" in uv_sync
    assert "voice" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
