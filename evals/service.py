"""Noor under evaluation: the whole service in this process, as tests/server/conftest.py starts it.

The API (webhook, sandbox fakes) runs on a loopback port in a thread; turns run in a worker, by default
the worker's Pipeline inline in this process, so the model under test is any `SalesModel` object (the
offline model, OpenRouter, or a deliberately broken one in the harness's own tests). `worker="process"`
starts a real `noor worker` process instead (the model then comes from NOOR_* settings). Each run uses a
fresh database, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool
from pydantic import SecretStr

from agent.models.base import SalesModel
from evals.fakes import CatalogView
from evals.oracle import Oracle
from evals.scenario import MEDIA_DIR
from graphs.sales import builder as sales_builder
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter
from server.settings import Settings
from server.storage.database import drop_database, make_pool, resolve_database_url
from server.web.app import create_app
from server.worker.main import Pipeline
from tools.catalog.normalize import compact_sku

log = logging.getLogger(__name__)

WorkerMode = Literal["inline", "process"]
MEDIA_PATH = "/_evals/media"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _LiveServer:
    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service under evaluation did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def service_settings(database_url: str, data_dir: Path, port: int, **overrides: Any) -> Settings:
    """Noor as the service tests and the evals run it: short debounce and polling, fast retries
    (tests/server/conftest.py uses this too)."""
    values: dict[str, Any] = {
        "port": port,
        "database_url": database_url,
        "data_dir": data_dir,
        "debounce_seconds": 0.3,
        "debounce_cap_seconds": 1.2,
        "poll_interval_seconds": 0.05,
        "wazzup_timeout_seconds": 0.5,
        "send_backoff_seconds": 0.05,
        "send_backoff_cap_seconds": 0.5,
    }
    values.update(overrides)
    return Settings.model_validate(values)


def oracle_model(settings: Settings) -> SalesModel:
    """The model an inline worker runs in oracle mode: what the composition roots build from these settings
    (OpenRouter through ChatOpenAI, against the service's own fake, with the offline model as fallback)."""
    from server.components.model import build_model

    assert settings.openrouter_api_key is not None
    return build_model(settings)


def eval_settings(database_url: str, data_dir: Path, port: int, **overrides: Any) -> Settings:
    """`service_settings`, quieter: the run's report is the output."""
    return service_settings(database_url, data_dir, port, **{"log_level": "WARNING", **overrides})


class EvalService:
    """`async with EvalService(model) as service:` → service.url, service.pool, service.graph."""

    def __init__(
        self,
        model: SalesModel | None,
        *,
        worker: WorkerMode = "inline",
        data_dir: Path = Path(".data/evals"),
        openrouter_api_key: str | None = None,
        keep_database: bool = False,
        database_url: str | None = None,
        oracle: Oracle | None = None,
    ) -> None:
        if worker == "inline" and model is None and oracle is None:
            raise ValueError("an inline worker needs a model")
        if oracle is not None and (model is not None or openrouter_api_key):
            raise ValueError("the oracle is the model: no other model or key")
        self.oracle = oracle
        self.model = model
        self.worker: WorkerMode = worker
        self.data_dir = data_dir
        self.openrouter_api_key = openrouter_api_key
        self.keep_database = keep_database
        self.url = ""
        self.database_url = database_url or ""
        self._own_database = database_url is None
        self._server: _LiveServer | None = None
        self._pipeline: Pipeline | None = None
        self._pool: AsyncConnectionPool[Any] | None = None
        self._graph: CompiledStateGraph[Any, Any, Any, Any] | None = None
        self.app: FastAPI | None = None
        self.settings: Settings | None = None
        self._hidden_key: str | None = None

    @property
    def pool(self) -> AsyncConnectionPool[Any]:
        assert self._pool is not None, "the service is not started"
        return self._pool

    @property
    def graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        """The sales graph on the service's checkpointer: read-only use (state and history of threads)."""
        assert self._graph is not None, "the service is not started"
        return self._graph

    async def __aenter__(self) -> EvalService:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._own_database:
            name = f"noor_eval_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
            self.database_url = await asyncio.to_thread(resolve_database_url, None, self.data_dir, name)
        port = free_port()
        overrides: dict[str, Any] = {"worker_processes": 1 if self.worker == "process" else 0}
        if self.openrouter_api_key:
            overrides["openrouter_api_key"] = SecretStr(self.openrouter_api_key)
        if self.oracle is not None:
            # the OpenRouter path, against the fake OpenRouter this service mounts (it accepts the demo key)
            overrides["openrouter_api_key"] = SecretStr(DEMO_OPENROUTER_KEY)
            overrides["openrouter_base_url"] = f"http://127.0.0.1:{port}/sandbox/openrouter/api/v1"
        settings = self.settings = eval_settings(self.database_url, self.data_dir, port, **overrides)
        if self.worker == "process" and not self.openrouter_api_key and self.oracle is None:
            # the worker inherits this environment: offline means offline even with a key exported
            self._hidden_key = os.environ.pop("NOOR_OPENROUTER_API_KEY", None)
        self.app = create_app(settings)
        self.app.mount(MEDIA_PATH, StaticFiles(directory=MEDIA_DIR), name="evals-media")
        if self.oracle is not None:
            self._install_oracle(self.oracle)
        self._server = _LiveServer(self.app, port)
        await asyncio.to_thread(self._server.start)
        self.url = f"http://127.0.0.1:{port}"
        if self.worker == "inline":
            if self.model is None and self.oracle is not None:
                self.model = oracle_model(settings)
            assert self.model is not None
            self._pipeline = Pipeline(settings, self.database_url, self.model)
            await self._pipeline.start()
        self._pool = make_pool(self.database_url, min_size=1, max_size=8)
        await self._pool.open(wait=True)
        self._graph = sales_builder.compile(checkpointer=AsyncPostgresSaver(self._pool), name="sales")
        return self

    def _install_oracle(self, oracle: Oracle) -> None:
        assert self.app is not None
        fake: FakeOpenRouter = self.app.state.sandbox.openrouter
        fake.responder = oracle.responder
        fake.credit_limit = None  # a whole run never runs out of (fake) credits
        for name, text in oracle.transcripts.items():
            fake.set_transcript((MEDIA_DIR / name).read_bytes(), text)

    async def __aexit__(self, *exc: object) -> None:
        if self._pipeline is not None:
            await self._pipeline.stop()
        if self._pool is not None:
            await self._pool.close()
        if self._server is not None:
            await asyncio.to_thread(self._server.stop)
        if self._hidden_key is not None:
            os.environ["NOOR_OPENROUTER_API_KEY"] = self._hidden_key
        if self._own_database and self.database_url and not self.keep_database:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(drop_database, self.database_url)

    async def fetchall(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(query, params)
            return list(await cursor.fetchall())

    async def fetchone(self, query: str, params: Any = None) -> dict[str, Any] | None:
        rows = await self.fetchall(query, params)
        return rows[0] if rows else None

    async def sync_catalog(self, expected: dict[str, CatalogView], timeout: float = 30.0) -> None:
        """An incremental Zoho sync now (as the workers' schedule would run later), then wait until the
        service's catalog search shows `expected` (SKU → price, stock, listed): changes made in the fake Zoho
        reach the catalog the way real ones do, and every process follows the table (NOTIFY) within ms."""
        from server.components.catalog import inventory_client
        from tools.catalog.sync import CatalogSync

        assert self.settings is not None, "the service is not started"
        async with httpx.AsyncClient(timeout=30) as http:
            inventory = inventory_client(self.settings, self.pool, http)
            try:
                report = await CatalogSync(self.pool, inventory).run(False, wait=True)
            finally:
                await inventory.aclose()
            if report.status != "done":
                raise RuntimeError(f"catalog sync {report.status}: {report.error}")
            deadline = time.monotonic() + timeout
            waiting = dict(expected)
            while waiting:
                for sku, view in list(waiting.items()):
                    found = await http.post(f"{self.url}/api/v1/products/search", json={"query": sku, "limit": 3})
                    found.raise_for_status()
                    hit = next((i for i in found.json()["items"] if compact_sku(i["sku"]) == compact_sku(sku)), None)
                    if (hit is None and not view["active"]) or (
                        hit is not None
                        and view["active"]
                        and hit["available_stock"] == view["available_stock"]
                        and abs(float(hit["price"]) - view["price"]) < 0.005
                    ):
                        waiting.pop(sku)
                if waiting and time.monotonic() > deadline:
                    raise RuntimeError(f"the catalog does not show the new stock of {sorted(waiting)}")
                if waiting:
                    await asyncio.sleep(0.05)

    def media_url(self, name: str) -> str:
        return f"{self.url}{MEDIA_PATH}/{name}"
