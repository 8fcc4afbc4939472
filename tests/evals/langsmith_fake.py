"""A tiny fake of the LangSmith REST API: the endpoints `evals.langsmith_upload` makes the client call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class FakeLangSmith:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.datasets: dict[str, dict[str, Any]] = {}
        self.examples: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.feedback: list[dict[str, Any]] = []
        self.api_keys: list[str | None] = []
        self.app = self._build()

    def _build(self) -> FastAPI:
        app = FastAPI()
        now = datetime.now(UTC).isoformat()

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Any:
            self.calls.append((request.method, request.url.path))
            self.api_keys.append(request.headers.get("x-api-key"))
            return await call_next(request)

        @app.get("/info")
        async def info() -> dict[str, Any]:
            return {"version": "0.0-fake", "batch_ingest_config": {}}

        @app.get("/datasets")
        async def list_datasets(request: Request) -> list[dict[str, Any]]:
            name = request.query_params.get("name")
            return [d for d in self.datasets.values() if name is None or d["name"] == name]

        @app.post("/datasets")
        async def create_dataset(request: Request) -> dict[str, Any]:
            body = await request.json()
            dataset = {
                "id": str(uuid.uuid4()),
                "name": body["name"],
                "description": body.get("description"),
                "data_type": body.get("data_type", "kv"),
                "created_at": now,
                "modified_at": now,
                "tenant_id": str(uuid.uuid4()),
                "example_count": 0,
            }
            self.datasets[dataset["id"]] = dataset
            return dataset

        @app.get("/datasets/{dataset_id}")
        async def read_dataset(dataset_id: str) -> dict[str, Any]:
            return self.datasets[dataset_id]

        @app.get("/examples")
        async def list_examples(request: Request) -> list[dict[str, Any]]:
            dataset = request.query_params.get("dataset")
            offset = int(request.query_params.get("offset", "0"))
            chosen = [e for e in self.examples.values() if dataset is None or e["dataset_id"] == dataset]
            return chosen[offset:]

        def store_example(raw: dict[str, Any], dataset_id: str | None = None) -> dict[str, Any]:
            example_id = str(raw.get("id") or uuid.uuid4())
            example: dict[str, Any] = {
                "id": example_id,
                "dataset_id": str(raw.get("dataset_id") or dataset_id),
                "inputs": raw.get("inputs") or {},
                "outputs": raw.get("outputs"),
                "metadata": raw.get("metadata"),
                "created_at": now,
                "modified_at": now,
            }
            self.examples[example_id] = example
            return example

        @app.post("/examples/bulk")
        async def bulk(request: Request) -> list[dict[str, Any]]:
            return [store_example(raw) for raw in await request.json()]

        @app.post("/v1/platform/datasets/{dataset_id}/examples")
        async def multipart_examples(dataset_id: str, request: Request) -> dict[str, Any]:
            import json

            form = await request.form()
            parts: dict[str, dict[str, Any]] = {}
            for key, value in form.multi_items():
                example_id, _, field = str(key).partition(".")
                raw = value if isinstance(value, str) else (await value.read()).decode()
                entry = parts.setdefault(example_id, {"id": example_id})
                if field in ("inputs", "outputs", "metadata"):
                    entry[field] = json.loads(raw)
                elif not field:
                    entry.update(json.loads(raw))
            created = [store_example(e, dataset_id) for e in parts.values()]
            return {"example_ids": [e["id"] for e in created], "count": len(created)}

        @app.get("/sessions")
        async def list_sessions(request: Request) -> list[dict[str, Any]]:
            name = request.query_params.get("name")
            return [x for x in self.sessions.values() if name is None or x["name"] == name]

        @app.post("/sessions")
        async def create_session(request: Request) -> dict[str, Any]:
            body = await request.json()
            session = {
                "id": str(body.get("id") or uuid.uuid4()),
                "name": body["name"],
                "reference_dataset_id": body.get("reference_dataset_id"),
                "extra": body.get("extra"),
                "start_time": now,
                "tenant_id": str(uuid.uuid4()),
            }
            self.sessions[session["id"]] = session
            return session

        @app.post("/runs")
        async def create_run(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.runs[str(body["id"])] = body
            return {}

        @app.post("/feedback")
        async def create_feedback(request: Request) -> JSONResponse:
            body = await request.json()
            self.feedback.append(body)
            return JSONResponse({**body, "id": str(body.get("id") or uuid.uuid4()), "created_at": now})

        return app
