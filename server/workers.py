"""`noor run` starts worker processes for turns and sends, restarts any that die, and stops them with it."""

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


class WorkerSupervisor:
    def __init__(self, settings: Settings, database_url: str, processes: int) -> None:
        self.env = {**os.environ, **settings_env(settings, database_url), "NOOR_PARENT_PID": str(os.getpid())}
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * processes
        self.restarts = 0
        self._watch: asyncio.Task[None] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "server", "worker"], env=self.env)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in self.processes]
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
