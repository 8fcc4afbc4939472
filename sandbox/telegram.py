"""A faithful fake of the Telegram Bot API subset Noor uses for manager alerts (docs/contracts.md §5).

Mounted by the service under ``/sandbox/telegram`` (so a client's base URL is
``<service>/sandbox/telegram``); tests run ``FakeTelegram().app`` standalone on loopback.

Routes (``/bot<token>/<method>``, method names case-insensitive, parameters from the query string, a JSON
body, a urlencoded form or multipart/form-data, like the real API):

- ``getMe``, ``sendMessage`` (``chat_id``, ``text``, ``parse_mode``), ``sendDocument`` (``chat_id``,
  ``document`` = uploaded file, known ``file_id`` or HTTP URL, ``caption``, ``parse_mode``).
- Envelope ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code", "description", "parameters"?}``.
- Checks: unknown token → 401; unknown method → 404; unknown chat → 400 chat not found; blocked chat →
  403; text 1–4096 and caption 0–1024 characters after entity parsing (counted in UTF-16 code units, as
  Telegram counts entity offsets) → 400; HTML parse_mode validation (unsupported/unbalanced tags, bare
  ``<``/``&``) → 400 can't parse entities; a group upgraded to a supergroup → 400 with
  ``parameters.migrate_to_chat_id``; per-chat flood control (token bucket, default burst 3 then 1 msg/s) →
  429 with ``parameters.retry_after``; uploads over 50 MB → 413.

Inspection and control (not part of the real API):

- ``GET /sent`` (optionally ``?chat_id=``): every message and document accepted, oldest first.
- ``POST /_control/fail`` ``{"error_code", "description", "retry_after"?, "migrate_to_chat_id"?, "count"?,
  "method"?}`` queues forced errors; ``POST /_control/flood`` ``{"burst", "interval_seconds"}`` (null
  interval disables flood control); ``POST /_control/chats`` ``{"id", "type", "title"?, "first_name"?,
  "username"?}``; ``POST /_control/migrate`` ``{"chat_id", "new_chat_id"}``; ``POST /_control/block``
  ``{"chat_id"}``; ``POST /_control/reset``; ``GET /_control/state``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from sandbox.seed import demo_managers

DEMO_TOKEN = "demo-telegram-token"
DEMO_BOT = {"id": 7712345678, "is_bot": True, "first_name": "Noor Alerts", "username": "noor_treejar_bot"}
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """Raised for HTML Telegram would refuse ("Bad Request: can't parse entities: ...")."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_telegram_html(text: str) -> str:
    """Validate Telegram-flavoured HTML and return the visible text; raises HtmlParseError like Telegram."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        offset = len(text[:pos].encode("utf-8"))
        if ch == "<":
            match = _TAG_RE.match(text, pos)
            if match is None:
                raise HtmlParseError(f"Unsupported start tag at byte offset {offset}")
            closing, name, _attrs, _self_closing = match.groups()
            name = name.lower()
            if name not in _ALLOWED_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1] != name:
                    raise HtmlParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif ch == "&":
            entity = _ENTITY_RE.match(text, pos)
            if entity is None:
                raise HtmlParseError(f"Can't find end of the entity starting at byte offset {offset}")
            body = entity.group(1)
            if body in _NAMED:
                out.append(_NAMED[body])
            else:
                code = int(body[2:], 16) if body.startswith("#x") else int(body[1:])
                out.append(chr(code) if 0 < code < 0x110000 else "\ufffd")
            pos = entity.end()
        elif ch == ">":
            raise HtmlParseError(f"Unexpected end of name token at byte offset {offset}")
        else:
            out.append(ch)
            pos += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


class TelegramApiError(Exception):
    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


@dataclass
class FakeChat:
    id: int | str
    type: str = "private"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    migrated_to: int | None = None
    blocked: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "username"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class SentItem:
    """One accepted sendMessage/sendDocument, as listed by ``GET /sent``."""

    method: str
    chat_id: int | str
    message: dict[str, Any]
    raw_text: str | None = None
    parse_mode: str | None = None
    document_bytes: bytes | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "chat_id": self.chat_id,
            "message_id": self.message["message_id"],
            "text": self.message.get("text"),
            "caption": self.message.get("caption"),
            "raw_text": self.raw_text,
            "parse_mode": self.parse_mode,
            "message": self.message,
        }
        if self.document_bytes is not None:
            data["document_sha256"] = hashlib.sha256(self.document_bytes).hexdigest()
        return data


@dataclass
class ForcedFault:
    error_code: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    method: str | None = None  # lower-case method name, or None for any


class ManualClock:
    """A clock tests can move forward, so flood control is exercised without real sleeping."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class _FailBody(BaseModel):
    error_code: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    count: int = 1
    method: str | None = None


class _FloodBody(BaseModel):
    burst: int = 3
    interval_seconds: float | None = 1.0


class _ChatBody(BaseModel):
    id: int | str
    type: str = "private"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None


class _MigrateBody(BaseModel):
    chat_id: int | str
    new_chat_id: int


class _BlockBody(BaseModel):
    chat_id: int | str
    blocked: bool = True


def demo_chats() -> list[FakeChat]:
    chats: list[FakeChat] = []
    for manager in demo_managers():
        chat_id = manager.get("telegram_chat_id")
        if chat_id is None:
            continue
        if int(chat_id) < 0:
            chats.append(FakeChat(id=int(chat_id), type="supergroup", title=str(manager["name"])))
        else:
            chats.append(FakeChat(id=int(chat_id), type="private", first_name=str(manager["name"])))
    return chats


class FakeTelegram:
    """In-memory Telegram Bot API. Thread-safe: tests poke it while uvicorn serves it from another thread."""

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEMO_TOKEN,),
        chats: Iterable[FakeChat] | None = None,
        flood_burst: int = 3,
        flood_interval_seconds: float | None = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tokens = set(tokens)
        self._initial_chats = list(chats) if chats is not None else demo_chats()
        self.clock = clock
        self._lock = threading.RLock()
        self._initial_flood = (flood_burst, flood_interval_seconds)
        self.flood_burst = flood_burst
        self.flood_interval_seconds = flood_interval_seconds
        self.sent: list[SentItem] = []
        self.requests: list[dict[str, Any]] = []
        self.chats: dict[str, FakeChat] = {}
        self._faults: deque[ForcedFault] = deque()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._message_ids: dict[str, itertools.count[int]] = {}
        self.reset()
        self.app = self._build_app()

    # ----- configuration used by tests (and by /_control) -----------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.requests.clear()
            self._faults.clear()
            self._buckets.clear()
            self._files.clear()
            self._message_ids.clear()
            self.flood_burst, self.flood_interval_seconds = self._initial_flood
            self.chats = {}
            for chat in self._initial_chats:
                self.add_chat(FakeChat(**chat.__dict__))

    def add_chat(self, chat: FakeChat) -> FakeChat:
        with self._lock:
            self.chats[str(chat.id)] = chat
            if chat.username:
                self.chats["@" + chat.username.lstrip("@").lower()] = chat
            return chat

    def migrate_chat(self, chat_id: int | str, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup: sends to the old id now fail with migrate_to_chat_id."""
        with self._lock:
            old = self._chat(chat_id)
            old.migrated_to = new_chat_id
            self.add_chat(FakeChat(id=new_chat_id, type="supergroup", title=old.title or old.first_name))

    def block_chat(self, chat_id: int | str, blocked: bool = True) -> None:
        with self._lock:
            self._chat(chat_id).blocked = blocked

    def fail_next(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        count: int = 1,
        method: str | None = None,
    ) -> None:
        """Queue ``count`` forced errors for the next calls (of ``method`` only, when given)."""
        with self._lock:
            for _ in range(count):
                self._faults.append(
                    ForcedFault(error_code, description, retry_after, migrate_to_chat_id, method and method.lower())
                )

    def set_flood(self, *, burst: int = 3, interval_seconds: float | None = 1.0) -> None:
        with self._lock:
            self.flood_burst = burst
            self.flood_interval_seconds = interval_seconds
            self._buckets.clear()

    def sent_to(self, chat_id: int | str) -> list[SentItem]:
        with self._lock:
            return [item for item in self.sent if str(item.chat_id) == str(chat_id)]

    # ----- internals --------------------------------------------------------------------------------

    def _chat(self, chat_id: int | str) -> FakeChat:
        key = str(chat_id).strip()
        if key.startswith("@"):
            key = key.lower()
        chat = self.chats.get(key)
        if chat is None:
            raise TelegramApiError(400, "Bad Request: chat not found")
        return chat

    def _take_fault(self, method: str) -> ForcedFault | None:
        for index, fault in enumerate(self._faults):
            if fault.method is None or fault.method == method:
                del self._faults[index]
                return fault
        return None

    def _flood_check(self, chat: FakeChat) -> None:
        interval = self.flood_interval_seconds
        if interval is None or interval <= 0:
            return
        now = self.clock()
        key = str(chat.id)
        capacity = float(max(1, self.flood_burst))
        tokens, last = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) / interval)
        if tokens < 1.0:
            wait = (1.0 - tokens) * interval
            retry_after = max(1, math.ceil(wait))
            self._buckets[key] = (tokens, now)
            raise TelegramApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._buckets[key] = (tokens - 1.0, now)

    def _target_chat(self, params: dict[str, Any]) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or str(raw).strip() == "":
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        chat = self._chat(raw)
        if chat.migrated_to is not None:
            raise TelegramApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.blocked:
            raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _visible(text: str, parse_mode: str | None) -> str:
        mode = (parse_mode or "").strip()
        if mode.upper() == "HTML":
            try:
                return parse_telegram_html(text)
            except HtmlParseError as exc:
                raise TelegramApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        if mode and mode not in ("Markdown", "MarkdownV2"):
            raise TelegramApiError(400, f"Bad Request: unsupported parse_mode {mode!r}")
        return text

    def _new_message(self, chat: FakeChat) -> dict[str, Any]:
        counter = self._message_ids.setdefault(str(chat.id), itertools.count(1))
        return {
            "message_id": next(counter),
            "date": int(time.time()),
            "chat": chat.as_json(),
            "from": dict(DEMO_BOT),
        }

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(params)
        raw = params.get("text")
        if not isinstance(raw, str) or raw == "":
            raise TelegramApiError(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        visible = self._visible(raw, parse_mode)
        if visible.strip() == "":
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise TelegramApiError(400, "Bad Request: message is too long")
        self._flood_check(chat)
        message = self._new_message(chat)
        message["text"] = visible
        self.sent.append(SentItem("sendMessage", chat.id, message, raw, parse_mode))
        return message

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(params)
        document = params.get("document")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        visible_caption: str | None = None
        if isinstance(caption, str) and caption != "":
            visible_caption = self._visible(caption, parse_mode)
            if utf16_len(visible_caption) > MAX_CAPTION:
                raise TelegramApiError(400, "Bad Request: message caption is too long")
        content: bytes | None = None
        info: dict[str, Any]
        if isinstance(document, _Upload):
            if len(document.content) > MAX_UPLOAD_BYTES:
                raise TelegramApiError(413, "Request Entity Too Large")
            if not document.content:
                raise TelegramApiError(400, "Bad Request: file must be non-empty")
            content = document.content
            digest = hashlib.sha256(content).hexdigest()
            info = {
                "file_id": "BQACAgQAAx" + digest[:40],
                "file_unique_id": "AgAD" + digest[:12],
                "file_name": document.filename or "document",
                "mime_type": document.content_type or "application/octet-stream",
                "file_size": len(content),
            }
            self._files[str(info["file_id"])] = info
        elif isinstance(document, str) and document.strip():
            ref = document.strip()
            if ref.startswith(("http://", "https://")):
                name = unquote(urlparse(ref).path.rsplit("/", 1)[-1]) or "document"
                digest = hashlib.sha256(ref.encode()).hexdigest()
                info = {
                    "file_id": "BQACAgQAAx" + digest[:40],
                    "file_unique_id": "AgAD" + digest[:12],
                    "file_name": name,
                    "mime_type": "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream",
                }
                self._files[str(info["file_id"])] = info
            elif ref in self._files:
                info = self._files[ref]
            else:
                raise TelegramApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            raise TelegramApiError(400, "Bad Request: there is no document in the request")
        self._flood_check(chat)
        message = self._new_message(chat)
        message["document"] = dict(info)
        if visible_caption is not None:
            message["caption"] = visible_caption
        self.sent.append(
            SentItem(
                "sendDocument",
                chat.id,
                message,
                caption if isinstance(caption, str) else None,
                parse_mode,
                content,
            )
        )
        return message

    def handle(self, token: str, method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        """The API itself, independent of HTTP: returns ``result`` or raises TelegramApiError."""
        with self._lock:
            name = method.lower()
            self.requests.append(
                {"method": name, "params": {k: v for k, v in params.items() if not isinstance(v, _Upload)}}
            )
            if token not in self.tokens:
                raise TelegramApiError(401, "Unauthorized")
            fault = self._take_fault(name)
            if fault is not None:
                parameters: dict[str, Any] = {}
                if fault.retry_after is not None:
                    parameters["retry_after"] = fault.retry_after
                if fault.migrate_to_chat_id is not None:
                    parameters["migrate_to_chat_id"] = fault.migrate_to_chat_id
                raise TelegramApiError(fault.error_code, fault.description, parameters or None)
            if name == "getme":
                return dict(
                    DEMO_BOT,
                    can_join_groups=True,
                    can_read_all_group_messages=False,
                    supports_inline_queries=False,
                )
            if name == "sendmessage":
                return self._send_message(params)
            if name == "senddocument":
                return self._send_document(params)
            raise TelegramApiError(404, "Not Found")

    # ----- HTTP -------------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Fake Telegram Bot API", docs_url=None, redoc_url=None)

        def envelope_error(exc: TelegramApiError) -> JSONResponse:
            body: dict[str, Any] = {"ok": False, "error_code": exc.error_code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            headers = {}
            if exc.parameters and "retry_after" in exc.parameters:
                headers["Retry-After"] = str(exc.parameters["retry_after"])
            return JSONResponse(body, status_code=exc.error_code, headers=headers)

        @app.get("/sent")
        def list_sent(chat_id: str | None = None) -> list[dict[str, Any]]:
            with self._lock:
                items = self.sent if chat_id is None else self.sent_to(chat_id)
                return [item.as_json() for item in items]

        @app.post("/_control/fail")
        def control_fail(body: _FailBody) -> dict[str, bool]:
            self.fail_next(
                body.error_code,
                body.description,
                retry_after=body.retry_after,
                migrate_to_chat_id=body.migrate_to_chat_id,
                count=body.count,
                method=body.method,
            )
            return {"ok": True}

        @app.post("/_control/flood")
        def control_flood(body: _FloodBody) -> dict[str, bool]:
            self.set_flood(burst=body.burst, interval_seconds=body.interval_seconds)
            return {"ok": True}

        @app.post("/_control/chats")
        def control_chats(body: _ChatBody) -> dict[str, Any]:
            chat = self.add_chat(
                FakeChat(
                    id=body.id,
                    type=body.type,
                    title=body.title,
                    first_name=body.first_name,
                    username=body.username,
                )
            )
            return {"ok": True, "chat": chat.as_json()}

        @app.post("/_control/migrate")
        def control_migrate(body: _MigrateBody) -> JSONResponse:
            try:
                self.migrate_chat(body.chat_id, body.new_chat_id)
            except TelegramApiError as exc:
                return envelope_error(exc)
            return JSONResponse({"ok": True})

        @app.post("/_control/block")
        def control_block(body: _BlockBody) -> JSONResponse:
            try:
                self.block_chat(body.chat_id, body.blocked)
            except TelegramApiError as exc:
                return envelope_error(exc)
            return JSONResponse({"ok": True})

        @app.post("/_control/reset")
        def control_reset() -> dict[str, bool]:
            self.reset()
            return {"ok": True}

        @app.get("/_control/state")
        def control_state() -> dict[str, Any]:
            with self._lock:
                return {
                    "chats": sorted(
                        {str(c.id): c.as_json() for c in self.chats.values()}.values(),
                        key=lambda c: str(c["id"]),
                    ),
                    "pending_faults": len(self._faults),
                    "flood": {"burst": self.flood_burst, "interval_seconds": self.flood_interval_seconds},
                    "sent": len(self.sent),
                }

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def bot_method(token: str, method: str, request: Request) -> JSONResponse:
            try:
                params = await _read_params(request)
            except ValueError:
                return envelope_error(TelegramApiError(400, "Bad Request: can't parse request body"))
            try:
                result = self.handle(token, method, params)
            except TelegramApiError as exc:
                return envelope_error(exc)
            return JSONResponse({"ok": True, "result": result})

        return app


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    content: bytes


async def _read_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").lower()
    if "application/json" in content_type:
        body = await request.body()
        if body.strip():
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            params.update(data)
    elif "multipart/form-data" in content_type or "application/x-www-form-urlencoded" in content_type:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                params[key] = _Upload(value.filename, value.content_type, await value.read())
            else:
                params[key] = value
    return params
