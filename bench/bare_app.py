"""The baseline for webhook throughput: a bare FastAPI endpoint under the same uvicorn settings."""

from __future__ import annotations

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/wazzup")
async def webhook(request: Request) -> dict[str, bool]:
    await request.body()
    return {"ok": True}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
