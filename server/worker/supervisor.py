"""`noor run` starts worker processes for turns and sends, restarts any that die, and stops them with it.

`noor run` starts them (`prestart`) before it loads its own web stack, so that their start-up (imports, model
and catalog warm-up) overlaps with its own; the supervisor its application creates adopts them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from server.settings import Settings

log = logging.getLogger(__name__)


def settings_env(settings: Settings, database_url: str) -> dict[str, str]:
    """The settings as NOOR_* variables, so a child process sees exactly what this process was given."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, list | dict):
            value = json.dumps(value)
        elif isinstance(value, Path):
            value = str(value)
        env[f"NOOR_{name.upper()}"] = str(value)
    env["NOOR_DATABASE_URL"] = database_url
    return env


def worker_env(settings: Settings, database_url: str) -> dict[str, str]:
    return {**os.environ, **settings_env(settings, database_url), "NOOR_PARENT_PID": str(os.getpid())}


def spawn_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "server", "worker"], env=env)


#: Worker processes started by `prestart`, with the settings they were given, until a supervisor adopts them.
_prestarted: list[tuple[dict[str, str], subprocess.Popen[bytes]]] = []


def prestart(settings: Settings, database_url: str, processes: int) -> None:
    """Start worker processes now; the next `WorkerSupervisor.start` with the same settings adopts them (others
    are stopped then). Like any worker, they stop by themselves if this process dies first."""
    env = worker_env(settings, database_url)
    _prestarted.extend((env, spawn_worker(env)) for _ in range(processes))


def _adopt(env: dict[str, str], wanted: int) -> list[subprocess.Popen[bytes]]:
    """The pre-started processes given `env` (their settings), at most `wanted`; the others are stopped."""
    adopted: list[subprocess.Popen[bytes]] = []
    while _prestarted:
        given, process = _prestarted.pop()
        if len(adopted) < wanted and process.poll() is None and _same_settings(given, env):
            adopted.append(process)
        elif process.poll() is None:
            log.info("stopping pre-started worker %s: not needed with these settings", process.pid)
            process.terminate()
    return adopted


def stop_prestarted() -> None:
    """Stop the pre-started processes no supervisor adopted (the service did not start)."""
    _adopt({}, 0)


def _same_settings(a: dict[str, str], b: dict[str, str]) -> bool:
    keys = {k for k in (*a, *b) if k.startswith("NOOR_")}
    return all(a.get(k) == b.get(k) for k in keys)


class WorkerSupervisor:
    def __init__(self, settings: Settings, database_url: str, processes: int) -> None:
        self.env = worker_env(settings, database_url)
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * processes
        self.restarts = 0
        self._watch: asyncio.Task[None] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return spawn_worker(self.env)

    def start(self) -> None:
        adopted = _adopt(self.env, len(self.processes))
        self.processes = [*adopted, *(self._spawn() for _ in range(len(self.processes) - len(adopted)))]
        self._watch = asyncio.create_task(self._supervise(), name="worker-supervisor")

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for index, process in enumerate(self.processes):
                if process is not None and process.poll() is not None:
                    log.error("worker %s exited with %s; starting another", process.pid, process.returncode)
                    self.restarts += 1
                    self.processes[index] = self._spawn()

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p is not None and p.poll() is None]

    async def stop(self) -> None:
        if self._watch:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in self.processes:
            if process is not None:
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()
