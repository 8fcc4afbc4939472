"""Inbox pages: login/logout, the thread list (escalated / mine / all), a thread (transcript, reply, take over,
hand back). Every POST form carries the session's CSRF token; pages send a strict Content-Security-Policy.
"""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from agent.policies.escalation import REASON_LABELS
from server.desk import escalations, threads
from server.desk.login_throttle import LoginThrottled
from server.desk.managers import Session, create_session, end_session
from server.storage import followups
from server.web.api.conversations import author_name, chosen_template, closed_window_templates, dubai_time
from server.web.auth import (
    LOGIN_CSRF_COOKIE,
    clear_session_cookie,
    csrf_ok,
    current_session,
    new_login_csrf,
    session_cookie_name,
    set_login_csrf_cookie,
    set_session_cookie,
    sign_in,
    tokens_match,
)
from server.web.deps import Services, get_services
from server.web.media import conversation_media

HERE = Path(__file__).parent
STATIC = {"inbox.css": "text/css", "inbox.js": "text/javascript"}
LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "ru": "Russian"}
FILE_LABELS = {
    "voice": "Voice note",
    "floor_plan": "Floor plan",
    "drawing": "Drawing",
    "tender": "Tender document (RFQ/BOQ)",
    "photo": "Photo",
    "document": "Document",
    "video": "Video",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self';"
    " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["dubai"] = dubai_time
templates.env.globals["reason_label"] = lambda code: REASON_LABELS.get(code, code) if code else ""
templates.env.globals["language_name"] = lambda code: LANGUAGE_NAMES.get(code, code or "unknown")
templates.env.globals["author_name"] = author_name
templates.env.globals["file_label"] = lambda code: FILE_LABELS.get(code or "", code or "file")

router = APIRouter(prefix="/inbox", include_in_schema=False)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def _safe_next(target: str | None) -> str:
    if target and target.startswith(("/inbox", "/admin")) and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/inbox/login?next={target}", status_code=303)


async def _session(request: Request) -> tuple[Services, Session | None]:
    services = get_services(request)
    return services, await current_session(request, services)


async def _form_session(request: Request) -> tuple[Services, Session, dict[str, str]]:
    """A POST from a signed-in manager with a valid CSRF token, else 401/403."""
    services, session = await _session(request)
    if session is None or session.kind != "cookie":
        raise HTTPException(401, "sign in first")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not csrf_ok(session, form.get("csrf_token")):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
    return services, session, form


@router.get("/static/{name}")
async def static(name: str) -> FileResponse:
    if name not in STATIC:
        raise HTTPException(404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})


@router.get("/login")
async def login_page(request: Request, next: str | None = None, error: str | None = None) -> Response:
    services, session = await _session(request)
    if session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    token = new_login_csrf()
    response = _page(
        request,
        "login.html",
        {"login_csrf": token, "next": _safe_next(next), "error": error, "manager": None},
        status_code=401 if error else 200,
    )
    set_login_csrf_cookie(response, services.settings, token)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    services = get_services(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    target = _safe_next(form.get("next"))
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf_token")):
        raise HTTPException(403, "the login form expired; reload it and try again")
    async with services.pool.connection() as conn:
        try:
            manager = await sign_in(conn, request, services.settings, form.get("login", ""), form.get("password", ""))
            error, status, headers = "Wrong e-mail or password.", 401, {}
        except LoginThrottled as exc:
            manager, status, headers = None, 429, {"Retry-After": str(exc.retry_after_seconds)}
            error = f"Too many failed sign-ins. Try again in {math.ceil(exc.retry_after_seconds / 60)} min."
        if manager is None:
            token = new_login_csrf()
            response = _page(
                request,
                "login.html",
                {"login_csrf": token, "next": target, "error": error, "manager": None},
                status_code=status,
            )
            response.headers.update(headers)
            set_login_csrf_cookie(response, services.settings, token)
            return response
        lifetime = timedelta(hours=services.settings.inbox_session_hours)
        token, _ = await create_session(
            conn, manager.id, kind="cookie", lifetime=lifetime, user_agent=request.headers.get("user-agent")
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, services.settings, token, int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/inbox")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    services, _, _ = await _form_session(request)
    token = request.cookies.get(session_cookie_name(services.settings))
    if token:
        async with services.pool.connection() as conn:
            await end_session(conn, token)
    response = RedirectResponse("/inbox/login", status_code=303)
    clear_session_cookie(response, services.settings)
    return response


@router.get("")
async def thread_list(request: Request, filter: Literal["escalated", "mine", "all"] = "escalated") -> Response:
    services, session = await _session(request)
    if session is None:
        return _to_login(request)
    async with services.pool.connection() as conn:
        listed = await threads.list_threads(conn, session.manager.id, filter)
        counts = await threads.thread_counts(conn, session.manager.id)
    return _page(
        request,
        "threads.html",
        {
            "manager": session.manager,
            "csrf_token": session.csrf_token,
            "threads": listed,
            "counts": counts,
            "filter": filter,
        },
    )


@router.get("/threads/{conversation_id}")
async def thread_page(request: Request, conversation_id: int) -> Response:
    services, session = await _session(request)
    if session is None:
        return _to_login(request)
    return await _thread(request, services, session, conversation_id)


def _template_defaults(variable: str, customer_name: str | None, manager_name: str) -> str:
    """What a template's [[...]] most likely holds, to save typing; the manager can change it."""
    return {"name": customer_name or "", "manager": manager_name}.get(variable, "")


async def _thread(
    request: Request, services: Services, session: Session, conversation_id: int, *, status_code: int = 200
) -> Response:
    window_templates = await closed_window_templates(services, conversation_id)
    async with services.pool.connection() as conn:
        detail = await threads.thread_detail(conn, conversation_id)
        if detail is None:
            raise HTTPException(404, "no such conversation")
        messages = await threads.thread_messages(conn, conversation_id)
        files = await conversation_media(conn, conversation_id)
        await escalations.mark_read(conn, session.manager.id, conversation_id)
    return _page(
        request,
        "thread.html",
        {
            "manager": session.manager,
            "csrf_token": session.csrf_token,
            "c": detail,
            "messages": messages,
            "files": files,
            "last_id": messages[-1]["id"] if messages else 0,
            "reply_id": uuid.uuid4().hex,
            "window_templates": window_templates,
            "template_default": _template_defaults,
        },
        status_code=status_code,
    )


@router.post("/threads/{conversation_id}/reply")
async def reply(request: Request, conversation_id: int) -> Response:
    services, session, form = await _form_session(request)
    text = form.get("text", "").strip()
    if text and await closed_window_templates(services, conversation_id) is not None:
        # WhatsApp would refuse free text: the page answers 409 and offers the templates instead
        return await _thread(request, services, session, conversation_id, status_code=409)
    if text:
        async with services.pool.connection() as conn:
            try:
                await escalations.queue_reply(conn, conversation_id, session.manager.id, text, form.get("reply_id"))
            except escalations.NoSuchConversation:
                raise HTTPException(404, "no such conversation") from None
    return RedirectResponse(f"/inbox/threads/{conversation_id}", status_code=303)


@router.post("/threads/{conversation_id}/template")
async def send_template(request: Request, conversation_id: int) -> Response:
    services, session, form = await _form_session(request)
    values = [form[key] for key in sorted((k for k in form if k.startswith("value_")), key=lambda k: int(k[6:]))]
    choice, text = await chosen_template(services, form.get("template_id", ""), values)
    async with services.pool.connection() as conn:
        try:
            await escalations.queue_reply(
                conn, conversation_id, session.manager.id, text, form.get("reply_id"), template=choice
            )
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return RedirectResponse(f"/inbox/threads/{conversation_id}", status_code=303)


@router.post("/threads/{conversation_id}/followups/{followup_id}/cancel")
async def cancel_followup(request: Request, conversation_id: int, followup_id: int) -> Response:
    services, session, _ = await _form_session(request)
    async with services.pool.connection() as conn:
        await followups.cancel_followup(conn, conversation_id, followup_id, session.manager.id)
    return RedirectResponse(f"/inbox/threads/{conversation_id}", status_code=303)


@router.post("/threads/{conversation_id}/take")
async def take(request: Request, conversation_id: int) -> Response:
    services, session, _ = await _form_session(request)
    async with services.pool.connection() as conn:
        try:
            await escalations.take_thread(conn, conversation_id, session.manager.id)
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return RedirectResponse(f"/inbox/threads/{conversation_id}", status_code=303)


@router.post("/threads/{conversation_id}/handback")
async def hand_back(request: Request, conversation_id: int) -> Response:
    services, session, form = await _form_session(request)
    async with services.pool.connection() as conn:
        try:
            await escalations.hand_back(conn, conversation_id, session.manager.id, form.get("note", ""))
        except escalations.NoSuchConversation:
            raise HTTPException(404, "no such conversation") from None
    return RedirectResponse(f"/inbox/threads/{conversation_id}", status_code=303)
