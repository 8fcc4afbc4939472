"""The /admin page: the KPI dashboard of a period (server/desk/reports.py) and the prompt versions' quality and
conversion, for heads of sales and admins, with the inbox's look, sign-in and security headers; admins also see the
manager accounts and the runtime settings with their latest changes (changed through the admin API).
Server-rendered; the charts are inline SVG drawn per request."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup

from server.desk import accounts, runtime_settings
from server.desk.managers import has_access
from server.desk.prompt_versions import prompt_versions
from server.desk.reports import STYLESHEET, build_dashboard, dashboard_html
from server.web.api.metrics import period_of
from server.web.inbox_ui.pages import _page, _session

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/static/dashboard.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("")
async def admin_page(
    request: Request,
    week: Annotated[str | None, Query(pattern=r"^\d{4}-[Ww]\d{2}$")] = None,
    weeks: Annotated[int, Query(ge=1, le=104)] = 8,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    services, session = await _session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/inbox/login?next={quote(target, safe='/')}", status_code=303)
    if not has_access(session.manager.access, "head_of_sales"):
        raise HTTPException(403, "the admin is for heads of sales and admins")
    period = period_of(week, since, until, weeks)
    async with services.pool.connection() as conn:
        dashboard = await build_dashboard(
            conn, period, services.settings.base_url, threshold=services.settings.quality_alert_below_share
        )
        versions = await prompt_versions(conn)
        admin = has_access(session.manager.access, "admin")
        listed = await accounts.list_accounts(conn) if admin else None
        tuned = await runtime_settings.listing(conn, services.settings) if admin else None
        changes = await runtime_settings.audit(conn, 10) if admin else None
    return _page(
        request,
        "admin.html",
        {
            "manager": session.manager,
            "csrf_token": session.csrf_token,
            "dashboard": dashboard,
            "body": Markup(dashboard_html(dashboard)),  # rendered by our own autoescaping template
            "week": week,
            "weeks": weeks,
            "accounts": listed,
            "settings": tuned,
            "audit": changes,
            "prompt_versions": versions,
        },
    )
