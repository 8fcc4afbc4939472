"""GET /health (liveness: database, checkpointer, model mode, sandbox, the queues' depth) and GET /health/ready.

/health answers while the process lives; /health/ready answers 200 only when this node can serve customers:
the schema is migrated, this process's catalog index is loaded, enough workers are alive (their heartbeats are
fresh) and the start-up checks of the credentials passed. Otherwise 503, naming each check that failed.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from psycopg import Error as PsycopgError

from server.components.catalog import CatalogService
from server.components.startup import CheckResult, StartupChecks
from server.storage.migrations import migration_files
from server.web.deps import Services, ServicesDep

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


@cache
def _migration_versions() -> frozenset[int]:
    return frozenset(version for version, _, _ in migration_files())


async def _database_checks(services: Services) -> dict[str, CheckResult]:
    settings = services.settings
    wanted = max(settings.worker_processes, 1)  # an API-only node needs workers somewhere
    try:
        async with services.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT (SELECT array_agg(version) FROM schema_migrations) AS versions,"
                    " (SELECT count(*) FROM worker_heartbeats"
                    "  WHERE beat_at > now() - make_interval(secs => %s)) AS alive",
                    (settings.worker_heartbeat_stale_seconds,),
                )
            ).fetchone()
    except PsycopgError as exc:
        unreachable = CheckResult("failed", f"database unreachable: {exc}")
        return {"database": unreachable, "migrations": unreachable, "workers": unreachable}
    assert row is not None
    missing = sorted(_migration_versions() - set(row["versions"] or ()))
    alive = int(row["alive"])
    return {
        "database": CheckResult("ok", "reachable"),
        "migrations": CheckResult("failed", f"not applied: {missing}") if missing else CheckResult("ok", "applied"),
        "workers": CheckResult(
            "ok" if alive >= wanted else "failed",
            f"{alive} alive of {wanted} wanted (heartbeat within {settings.worker_heartbeat_stale_seconds:g} s)",
        ),
    }


async def _catalog_check(catalog: CatalogService | None) -> CheckResult:
    if catalog is None:
        return CheckResult("failed", "no catalog in this process")
    if not catalog.local.ready:
        return CheckResult("failed", "the catalog index is still loading")
    count = await catalog.search.count()
    if count == 0:
        return CheckResult("failed", "the catalog index is empty (the first Zoho sync has not finished)")
    return CheckResult("ok", f"{count} products indexed")


@router.get("/health/ready", responses={503: {"description": "Not ready: `failed` names the checks that failed"}})
async def ready(services: ServicesDep, request: Request) -> JSONResponse:
    checks = await _database_checks(services)
    checks["catalog"] = await _catalog_check(getattr(request.app.state, "catalog", None))
    startup: StartupChecks | None = getattr(request.app.state, "startup_checks", None)
    if startup is not None:
        checks.update(startup.results)
    failed = [name for name, check in checks.items() if not check.passing]
    return JSONResponse(
        {
            "status": "not ready" if failed else "ready",
            "failed": failed,
            "checks": {name: {"state": c.state, "detail": c.detail} for name, c in checks.items()},
        },
        status_code=503 if failed else 200,
    )
