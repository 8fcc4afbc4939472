"""Run an ASGI app on a real loopback port in a background thread, so clients talk real HTTP to it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@contextmanager
def live_server(app: Any, port: int | None = None) -> Iterator[LiveServer]:
    server = LiveServer(app, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def api_node(database_url: str, data_dir: Path, *, port: int | None = None, **overrides: Any) -> Iterator[str]:
    """Noor's API alone (no worker processes), with the sandbox, on a loopback port; yields its URL. Pass `port`
    when an override must name it."""
    from evals.service import service_settings
    from server.web.app import create_app

    port = port or free_port()
    settings = service_settings(database_url, data_dir, port, worker_processes=0, **overrides)
    with live_server(create_app(settings), port) as server:
        yield server.url
