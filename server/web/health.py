"""GET /health: database, checkpointer, model mode, sandbox, and the queues' depth."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from psycopg import Error as PsycopgError

from server.web.deps import ServicesDep

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep) -> JSONResponse:
    report: dict[str, Any] = {
        "model": services.model.name,
        "model_mode": "offline" if services.settings.offline_model else "openrouter",
        "sandbox": services.settings.sandbox,
        "worker_pids": services.workers.pids() if services.workers else [],
    }
    try:
        async with services.pool.connection() as conn:
            row = await (
                await conn.execute(
                    """
                SELECT (SELECT count(*) FROM messages WHERE status = 'pending') AS pending_messages,
                       (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS outbox_pending,
                       (SELECT count(*) FROM outbox WHERE status = 'failed') AS outbox_failed,
                       (SELECT count(*) FROM webhook_deliveries WHERE processed_at IS NULL) AS deliveries_pending,
                       to_regclass('checkpoints') IS NOT NULL AS checkpointer
                """
                )
            ).fetchone()
    except PsycopgError as exc:
        log.error("health: database unreachable: %s", exc)
        return JSONResponse({**report, "status": "unavailable", "database": "unreachable"}, status_code=503)
    assert row is not None
    report.update(
        status="ok" if row["checkpointer"] else "degraded",
        database="ok",
        checkpointer="ok" if row["checkpointer"] else "missing",
        queue={k: row[k] for k in ("deliveries_pending", "pending_messages", "outbox_pending", "outbox_failed")},
    )
    return JSONResponse(report, status_code=200 if row["checkpointer"] else 503)
