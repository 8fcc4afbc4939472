"""The /admin page: the KPI dashboard of a period (server/desk/reports.py) and the prompt versions' quality and
conversion, for heads of sales and admins, with the inbox's look, sign-in and security headers; admins also activate
and roll back prompt versions, change the runtime settings (forms posting with the CSRF token; a value refused is
shown on the page and changes nothing) and see the manager accounts and both audit logs.
Server-rendered; the charts are inline SVG drawn per request."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup

from server.desk import accounts, prompt_versions, runtime_settings
from server.desk.managers import Session, has_access
from server.desk.metrics import Period
from server.desk.reports import STYLESHEET, build_dashboard, dashboard_html
from server.web.api.admin import PROMPT_ERRORS, prompt_error_status
from server.web.api.metrics import period_of
from server.web.deps import Services
from server.web.inbox_ui.pages import _form_session, _page, _session

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
    return await _render(request, services, session, period_of(week, since, until, weeks), week=week, weeks=weeks)


async def _render(
    request: Request,
    services: Services,
    session: Session,
    period: Period,
    *,
    week: str | None = None,
    weeks: int = 8,
    problem: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; `problem` ({"section", "key", "message"}) is a change just refused, shown where it was asked."""
    async with services.pool.connection() as conn:
        dashboard = await build_dashboard(
            conn, period, services.settings.base_url, threshold=services.settings.quality_alert_below_share
        )
        versions = await prompt_versions.prompt_versions(conn)
        admin = has_access(session.manager.access, "admin")
        states = await prompt_versions.prompt_states(conn)
        activations = await prompt_versions.activations(conn, 10) if admin else None
        listed = await accounts.list_accounts(conn) if admin else None
        tuned = await runtime_settings.listing(conn, services.settings) if admin else None
        changes = await runtime_settings.audit(conn, 10) if admin else None
    context: dict[str, Any] = {
        "manager": session.manager,
        "csrf_token": session.csrf_token,
        "dashboard": dashboard,
        "body": Markup(dashboard_html(dashboard)),  # rendered by our own autoescaping template
        "week": week,
        "weeks": weeks,
        "admin": admin,
        "accounts": listed,
        "settings": tuned,
        "audit": changes,
        "prompt_versions": versions,
        "prompt_states": {state.name: state for state in states},
        "activations": activations,
        "problem": problem,
    }
    return _page(request, "admin.html", context, status_code=status_code)


async def _admin_form(request: Request) -> tuple[Services, Session, dict[str, str]]:
    services, session, form = await _form_session(request)
    if not has_access(session.manager.access, "admin"):
        raise HTTPException(403, "only admins change prompts and settings")
    return services, session, form


async def _refused(
    request: Request, services: Services, session: Session, section: str, key: str, exc: Exception, status: int
) -> Response:
    problem = {"section": section, "key": key, "message": str(exc)}
    return await _render(
        request, services, session, period_of(None, None, None, 8), problem=problem, status_code=status
    )


@router.post("/prompts/{name}/activate")
async def activate_prompt(request: Request, name: str) -> Response:
    services, session, form = await _admin_form(request)
    async with services.pool.connection() as conn:
        try:
            await prompt_versions.activate(conn, name, form.get("version", ""), session.manager.id)
        except PROMPT_ERRORS as exc:
            return await _refused(request, services, session, "prompts", name, exc, prompt_error_status(exc))
    return RedirectResponse("/admin#prompt-versions", status_code=303)


@router.post("/prompts/{name}/rollback")
async def roll_back_prompt(request: Request, name: str) -> Response:
    services, session, _ = await _admin_form(request)
    async with services.pool.connection() as conn:
        try:
            await prompt_versions.rollback(conn, name, session.manager.id)
        except PROMPT_ERRORS as exc:
            return await _refused(request, services, session, "prompts", name, exc, prompt_error_status(exc))
    return RedirectResponse("/admin#prompt-versions", status_code=303)


@router.post("/settings/{key}")
async def change_setting(request: Request, key: str) -> Response:
    """`value` (empty: none, where the setting allows it), or `reset` to go back to the configured value."""
    services, session, form = await _admin_form(request)
    if key not in runtime_settings.TUNABLE:
        raise HTTPException(404, f"{key!r} is not a runtime setting")
    value = form.get("value", "").strip() or None
    async with services.pool.connection() as conn:
        try:
            await runtime_settings.change(
                conn, services.settings, key, value, session.manager.id, reset="reset" in form
            )
        except runtime_settings.SettingError as exc:
            return await _refused(request, services, session, "settings", key, exc, 422)
    return RedirectResponse("/admin#settings", status_code=303)
