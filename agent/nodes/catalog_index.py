"""Nodes of the `catalog_index` graph (graphs/catalog_index.py): Zoho items → `products` → vector index → report.

Each node is one step of `tools.catalog.sync.CatalogSync` (the same code `noor sync` and the workers' schedule
run), so the graph shows the sync's shape in Studio. The sync comes from the run's context
(`CatalogIndexContext.sync`): the service's own, with its pool, Zoho client and this process's index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

from langgraph.runtime import Runtime

from tools.catalog.product import Product
from tools.catalog.sync import CatalogSync, FetchedPage, StoredPage, SyncReport, SyncRun

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class CatalogIndexContext:
    sync: CatalogSync | None = field(default=None, repr=False)
    """The service's sync (its pool, Zoho client and this process's index)."""
    wait: bool = False
    """Wait for another process's sync to finish instead of reporting "busy"."""


class CatalogIndexInput(TypedDict, total=False):
    full: bool | None
    """True: every item; False: changes since the last sync; None/absent: resume, else full if empty, else changes."""


class CatalogIndexState(TypedDict, total=False):
    full: bool | None
    run: dict[str, Any] | None
    items: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    report: dict[str, Any]


class CatalogIndexOutput(TypedDict, total=False):
    report: dict[str, Any]


# --- the run between nodes (JSON-friendly in the state) -------------------------------------------


def _dump(run: SyncRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "kind": run.kind,
        "since": run.since.isoformat() if run.since else None,
        "page": run.page,
        "started": run.started,
        "resumed": run.resumed,
        "has_more": run.has_more,
        "max_modified": run.max_modified.isoformat() if run.max_modified else None,
        "report": run.report.model_dump(mode="json"),
    }


def _load(data: dict[str, Any]) -> SyncRun:
    return SyncRun(
        run_id=data["run_id"],
        kind=data["kind"],
        since=datetime.fromisoformat(data["since"]) if data["since"] else None,
        page=data["page"],
        started=data["started"],
        resumed=data["resumed"],
        has_more=data["has_more"],
        max_modified=datetime.fromisoformat(data["max_modified"]) if data["max_modified"] else None,
        report=SyncReport.model_validate(data["report"]),
    )


class NoCatalogSync(RuntimeError):
    """The graph was run without the service's sync in its context."""


def _sync(runtime: Runtime[CatalogIndexContext]) -> CatalogSync:
    context = runtime.context
    if context is None or context.sync is None:
        raise NoCatalogSync(
            "the catalog_index graph runs the service's CatalogSync: pass CatalogIndexContext(sync=...) "
            "(the workers' schedule and `noor sync` run the same sync)"
        )
    return context.sync


async def _fail(sync: CatalogSync, state: CatalogIndexState, exc: BaseException) -> None:
    if state.get("run"):
        await sync.finish(_load(state["run"] or {}), exc)


# --- nodes ----------------------------------------------------------------------------------------


async def fetch_changed(state: CatalogIndexState, runtime: Runtime[CatalogIndexContext]) -> dict[str, Any]:
    """Start (or resume) a run under the sync lock, then fetch the next page of changed items from Zoho."""
    sync = _sync(runtime)
    run: SyncRun | None = None
    try:
        if state.get("run") is None:
            wait = runtime.context.wait if runtime.context is not None else False
            run = await sync.begin(state.get("full"), wait=wait)
            if run is None:
                return {"run": None, "items": [], "report": SyncReport(status="busy").model_dump(mode="json")}
        else:
            run = _load(state["run"] or {})
        page = await sync.fetch_page(run)
        run.has_more = page.has_more
    except BaseException as exc:
        if run is not None:
            await sync.finish(run, exc)
        raise
    return {"run": _dump(run), "items": page.items}


async def upsert_products(state: CatalogIndexState, runtime: Runtime[CatalogIndexContext]) -> dict[str, Any]:
    """Store the page in `products` (only real changes move `updated_at`) with the run's progress."""
    sync = _sync(runtime)
    run = _load(state["run"] or {})
    try:
        has_more = run.has_more
        stored = await sync.store_page(run, FetchedPage(page=run.page, items=state.get("items", []), has_more=has_more))
    except BaseException as exc:
        await _fail(sync, state, exc)
        raise
    return {"run": _dump(run), "items": [], "changed": [p.model_dump(mode="json") for p in stored.changed]}


async def reindex(state: CatalogIndexState, runtime: Runtime[CatalogIndexContext]) -> dict[str, Any]:
    """Embed and index the changed products in this process (unchanged content is never re-embedded)."""
    sync = _sync(runtime)
    run = _load(state["run"] or {})
    changed = [Product.model_validate(p) for p in state.get("changed", [])]
    try:
        await sync.index_page(run, StoredPage(changed=changed, received=len(changed)))
    except BaseException as exc:
        await _fail(sync, state, exc)
        raise
    return {"run": _dump(run), "changed": []}


async def report(state: CatalogIndexState, runtime: Runtime[CatalogIndexContext]) -> dict[str, Any]:
    """After the last page: a full run checks the items it did not receive; the run is closed and reported."""
    if state.get("run") is None:
        return {"report": state.get("report") or SyncReport(status="busy").model_dump(mode="json")}
    sync = _sync(runtime)
    run = _load(state["run"] or {})
    try:
        if run.kind == "full":
            await sync.reconcile(run)
        result = await sync.finish(run)
    except BaseException as exc:
        await _fail(sync, {"run": _dump(run)}, exc)
        raise
    log.info("catalog_index: %s", result.model_dump_json())
    return {"run": None, "report": result.model_dump(mode="json")}


def after_fetch(state: CatalogIndexState) -> Literal["upsert_products", "report"]:
    return "upsert_products" if state.get("run") is not None else "report"


def more_pages(state: CatalogIndexState) -> Literal["fetch_changed", "report"]:
    run = state.get("run")
    return "fetch_changed" if run is not None and run["has_more"] else "report"
