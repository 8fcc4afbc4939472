"""Typed async client for the Telegram Bot API subset used for manager alerts (docs/contracts.md §5).

- ``TelegramClient(base_url, token, http)``: ``base_url`` is ``https://api.telegram.org`` in production or
  ``<service>/sandbox/telegram`` against the fake; requests go to ``{base_url}/bot{token}/{method}``.
- Text is sent with ``parse_mode="HTML"`` by default: callers build messages from the helpers below
  (``escape_html``, ``bold``, ``link``…) so user-provided text never breaks parsing. Long texts are split into
  parts of at most 4096 visible characters (counted in UTF-16 code units, like Telegram) without cutting a
  tag or an entity: open tags are closed at the end of a part and re-opened at the start of the next one;
  splits prefer line breaks, then spaces. ``max_parts`` bounds the number of parts (the last is truncated
  with an ellipsis marker).
- 429: the client sleeps ``parameters.retry_after`` (injectable ``sleep``; bounded by ``max_retries`` and
  ``max_retry_after``) and retries the same part. A group upgraded to a supergroup (400 with
  ``migrate_to_chat_id``): the client remembers the new id (``chat_id_overrides``), calls
  ``on_chat_migrated(old, new)`` so the caller can persist it, and resends once. Connection failures
  before the request left are retried; anything that may have reached Telegram (read timeouts, 5xx) is
  raised, never blindly retried. Every other error raises a typed ``TelegramError`` subclass.
- Idempotency: Telegram has no idempotency key, so a retried alert can arrive twice. Pass ``dedupe_key``
  with a ``deduper`` (``AlertDeduper`` protocol; ``InMemoryDeduper`` here, a Postgres one in the service)
  to send an alert at most once per key; a failed send releases its key so it can be tried again.
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_MESSAGE_CHARS = 4096
MAX_CAPTION_CHARS = 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
TRUNCATION_MARKER = "\n…"

SleepFn = Callable[[float], Awaitable[None]]
MigrationHook = Callable[[int | str, int], Awaitable[None]]


# ----- payloads --------------------------------------------------------------------------------------


class _TgModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TgUser(_TgModel):
    id: int
    is_bot: bool
    first_name: str
    username: str | None = None


class TgChat(_TgModel):
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None


class TgDocument(_TgModel):
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class TgMessage(_TgModel):
    message_id: int
    date: int
    chat: TgChat
    from_: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    document: TgDocument | None = None


class TgResponseParameters(_TgModel):
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


class TgResponse(_TgModel):
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: TgResponseParameters | None = None


# ----- errors ----------------------------------------------------------------------------------------


class TelegramError(Exception):
    """Any failure talking to Telegram. Match on the class / ``error_code``, never on ``description``."""

    def __init__(self, error_code: int, description: str, parameters: TgResponseParameters | None = None) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


class TelegramBadRequest(TelegramError):
    """400."""


class TelegramChatNotFound(TelegramBadRequest):
    """400 chat not found: wrong chat id, or the bot was never added to the chat."""


class TelegramParseError(TelegramBadRequest):
    """400 can't parse entities: the HTML was invalid (a caller forgot ``escape_html``)."""


class TelegramChatMigrated(TelegramBadRequest):
    """400 with migrate_to_chat_id, raised only if the migrated chat migrates again within one call."""


class TelegramUnauthorized(TelegramError):
    """401: the bot token is wrong or revoked."""


class TelegramForbidden(TelegramError):
    """403: the bot was blocked by the user or removed from the group."""


class TelegramFileTooLarge(TelegramError):
    """413, or refused locally before uploading more than 50 MB."""


class TelegramRetryAfter(TelegramError):
    """429 that the client did not (or could no longer) wait out."""

    @property
    def retry_after(self) -> int | None:
        return self.parameters.retry_after if self.parameters else None


class TelegramServerError(TelegramError):
    """5xx or an unreadable response: the message may or may not have been delivered."""


class TelegramNetworkError(TelegramError):
    """Transport failure after the request may have been sent (so not retried automatically)."""


def _error_for(status: int, description: str, parameters: TgResponseParameters | None) -> TelegramError:
    lowered = description.lower()
    if status == 400:
        if "chat not found" in lowered:
            return TelegramChatNotFound(status, description, parameters)
        if "can't parse entities" in lowered:
            return TelegramParseError(status, description, parameters)
        if parameters is not None and parameters.migrate_to_chat_id is not None:
            return TelegramChatMigrated(status, description, parameters)
        return TelegramBadRequest(status, description, parameters)
    if status == 401:
        return TelegramUnauthorized(status, description, parameters)
    if status == 403:
        return TelegramForbidden(status, description, parameters)
    if status == 413:
        return TelegramFileTooLarge(status, description, parameters)
    if status == 429:
        return TelegramRetryAfter(status, description, parameters)
    if status >= 500:
        return TelegramServerError(status, description, parameters)
    return TelegramError(status, description, parameters)


# ----- HTML helpers ----------------------------------------------------------------------------------


def escape_html(text: str) -> str:
    """Escape user-provided text for ``parse_mode="HTML"`` (only ``&``, ``<``, ``>`` need it)."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{escape_html(text)}</b>"


def italic(text: str) -> str:
    return f"<i>{escape_html(text)}</i>"


def code(text: str) -> str:
    return f"<code>{escape_html(text)}</code>"


def pre(text: str) -> str:
    return f"<pre>{escape_html(text)}</pre>"


def link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{escape_html(text)}</a>'


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_TOKEN_RE = re.compile(
    r"(?P<tag><(?P<close>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>)"
    r"|(?P<entity>&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);)"
    r"|(?P<char>[\s\S])"
)


@dataclass(frozen=True)
class _Token:
    raw: str
    width: int  # visible UTF-16 units (0 for tags)
    tag: str | None = None  # lower-case tag name for tags
    closing: bool = False
    space: int = 0  # 2 for a line break, 1 for other whitespace, 0 otherwise


def _tokenize(text: str, as_html: bool) -> list[_Token]:
    if not as_html:
        return [_Token(ch, utf16_len(ch), space=2 if ch == "\n" else int(ch.isspace())) for ch in text]
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text):
        if match.group("tag"):
            tokens.append(_Token(match.group("tag"), 0, match.group("name").lower(), bool(match.group("close"))))
        elif match.group("entity"):
            tokens.append(_Token(match.group("entity"), utf16_len(html.unescape(match.group("entity")))))
        else:
            ch = match.group("char")
            tokens.append(_Token(ch, utf16_len(ch), space=2 if ch == "\n" else int(ch.isspace())))
    return tokens


def _apply(stack: list[_Token], token: _Token) -> None:
    if token.tag is None:
        return
    if token.closing:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index].tag == token.tag:
                del stack[index]
                break
    else:
        stack.append(token)


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS, *, as_html: bool = True) -> list[str]:
    """Split into parts of at most ``limit`` visible characters, each part valid on its own.

    With ``as_html`` every part re-opens the tags open at its start and closes the ones still open at
    its end; tags and entities are never cut. Splits prefer a line break, then whitespace, in the second
    half of a part; otherwise the cut is hard. Parts with no visible text are dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    tokens = _tokenize(text, as_html)
    parts: list[str] = []
    stack: list[_Token] = []
    i = 0
    while i < len(tokens):
        local = list(stack)
        count = 0
        j = i
        best_line: tuple[int, list[_Token]] | None = None
        best_space: tuple[int, list[_Token]] | None = None
        while j < len(tokens):
            token = tokens[j]
            if token.width and count + token.width > limit:
                break
            _apply(local, token)
            count += token.width
            j += 1
            if token.space and count >= limit // 2:
                if token.space == 2:
                    best_line = (j, list(local))
                best_space = (j, list(local))
        if j < len(tokens):
            chosen = best_line or best_space
            if chosen is not None:
                j, local = chosen[0], chosen[1]
            if j == i:  # a single character wider than the limit cannot happen for limit >= 2
                _apply(local, tokens[j])
                j += 1
            # closing tags right after the cut belong to this part
            while j < len(tokens) and tokens[j].closing and local and local[-1].tag == tokens[j].tag:
                _apply(local, tokens[j])
                j += 1
        body = "".join(t.raw for t in stack) + "".join(t.raw for t in tokens[i:j])
        body += "".join(f"</{t.tag}>" for t in reversed(local))
        if any(t.width and not t.space for t in tokens[i:j]):
            parts.append(body)
        stack = local
        i = j
    return parts


def truncate_text(text: str, limit: int, *, as_html: bool = True, marker: str = TRUNCATION_MARKER) -> str:
    """The text if it fits in ``limit`` visible characters, else its first part plus ``marker``."""
    parts = split_text(text, limit, as_html=as_html)
    if len(parts) <= 1:
        return parts[0] if parts else text
    head = split_text(parts[0], limit - utf16_len(marker), as_html=as_html)[0]
    return head + (escape_html(marker) if as_html else marker)


# ----- dedupe hook -----------------------------------------------------------------------------------


class AlertDeduper(Protocol):
    """Claims a key before an alert is sent; ``claim`` returns False when it was already sent."""

    async def claim(self, key: str) -> bool: ...

    async def release(self, key: str) -> None: ...


class InMemoryDeduper:
    """Process-local deduper with a time-to-live; the service should use a durable one."""

    def __init__(self, ttl_seconds: float = 24 * 3600, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def claim(self, key: str) -> bool:
        async with self._lock:
            now = self._clock()
            for stale in [k for k, at in self._seen.items() if now - at > self.ttl_seconds]:
                del self._seen[stale]
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    async def release(self, key: str) -> None:
        async with self._lock:
            self._seen.pop(key, None)


# ----- client ----------------------------------------------------------------------------------------


class TelegramClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        http: httpx.AsyncClient | None = None,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        max_retry_after: float = 60.0,
        sleep: SleepFn = asyncio.sleep,
        deduper: AlertDeduper | None = None,
        on_chat_migrated: MigrationHook | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self._timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.deduper = deduper
        self.on_chat_migrated = on_chat_migrated
        self.chat_id_overrides: dict[str, int] = {}

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> TelegramClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def resolve_chat_id(self, chat_id: int | str) -> int | str:
        """The id to send to: follows group → supergroup migrations seen by this client."""
        return self.chat_id_overrides.get(str(chat_id), chat_id)

    async def get_me(self) -> TgUser:
        return TgUser.model_validate(await self._call("getMe", None, {}))

    async def send_message(
        self,
        chat_id: int | str,
        text: str,
        parse_mode: str | None = "HTML",
        *,
        disable_notification: bool = False,
        disable_link_preview: bool = True,
        max_parts: int | None = 4,
        dedupe_key: str | None = None,
    ) -> list[TgMessage]:
        """Send ``text`` (split into ≤4096-character parts); returns the messages sent, [] if deduplicated.

        With ``parse_mode="HTML"`` the text must be valid Telegram HTML: escape user text with
        ``escape_html``. Other parse modes are split as plain text (MarkdownV2 may then break; avoid it
        for long texts).
        """
        as_html = (parse_mode or "").upper() == "HTML"
        parts = split_text(text, MAX_MESSAGE_CHARS, as_html=as_html)
        if not parts:
            raise ValueError("message text is empty")
        if max_parts is not None and len(parts) > max(1, max_parts):
            keep = max(1, max_parts)
            last = split_text(parts[keep - 1], MAX_MESSAGE_CHARS - utf16_len(TRUNCATION_MARKER), as_html=as_html)
            marker = escape_html(TRUNCATION_MARKER) if as_html else TRUNCATION_MARKER
            parts = [*parts[: keep - 1], last[0] + marker]
        if not await self._claim(dedupe_key):
            return []
        sent: list[TgMessage] = []
        try:
            for part in parts:
                payload: dict[str, Any] = {"text": part, "disable_notification": disable_notification}
                if parse_mode:
                    payload["parse_mode"] = parse_mode
                if disable_link_preview:
                    payload["link_preview_options"] = {"is_disabled": True}
                sent.append(TgMessage.model_validate(await self._call("sendMessage", chat_id, payload)))
        except BaseException:
            if not sent:
                await self._release(dedupe_key)
            raise
        return sent

    async def send_document(
        self,
        chat_id: int | str,
        filename: str,
        content: bytes,
        caption: str | None = None,
        *,
        parse_mode: str | None = "HTML",
        mime_type: str | None = None,
        disable_notification: bool = False,
        dedupe_key: str | None = None,
    ) -> TgMessage | None:
        """Upload ``content`` as a document (multipart); a long caption is truncated safely to 1024.

        Returns None when ``dedupe_key`` was already sent.
        """
        if len(content) > MAX_UPLOAD_BYTES:
            raise TelegramFileTooLarge(413, f"document is {len(content)} bytes, Telegram accepts 50 MB")
        if not content:
            raise ValueError("document is empty")
        form = self._document_form(caption, parse_mode, disable_notification)
        files = {"document": (filename, content, mime_type or "application/octet-stream")}
        return await self._send_document(chat_id, form, files, dedupe_key)

    async def send_document_ref(
        self,
        chat_id: int | str,
        document: str,
        caption: str | None = None,
        *,
        parse_mode: str | None = "HTML",
        disable_notification: bool = False,
        dedupe_key: str | None = None,
    ) -> TgMessage | None:
        """Send a document Telegram already has (``file_id``) or fetches itself (public HTTP URL)."""
        form = self._document_form(caption, parse_mode, disable_notification)
        form["document"] = document
        return await self._send_document(chat_id, form, None, dedupe_key)

    # ----- internals --------------------------------------------------------------------------------

    @staticmethod
    def _document_form(caption: str | None, parse_mode: str | None, disable_notification: bool) -> dict[str, Any]:
        form: dict[str, Any] = {"disable_notification": "true" if disable_notification else "false"}
        if caption:
            as_html = (parse_mode or "").upper() == "HTML"
            form["caption"] = truncate_text(caption, MAX_CAPTION_CHARS, as_html=as_html)
            if parse_mode:
                form["parse_mode"] = parse_mode
        return form

    async def _send_document(
        self,
        chat_id: int | str,
        form: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]] | None,
        dedupe_key: str | None,
    ) -> TgMessage | None:
        if not await self._claim(dedupe_key):
            return None
        try:
            result = await self._call("sendDocument", chat_id, form, files=files)
        except BaseException:
            await self._release(dedupe_key)
            raise
        return TgMessage.model_validate(result)

    async def _claim(self, key: str | None) -> bool:
        if key is None or self.deduper is None:
            return True
        return await self.deduper.claim(key)

    async def _release(self, key: str | None) -> None:
        if key is not None and self.deduper is not None:
            await self.deduper.release(key)

    async def _call(
        self,
        method: str,
        chat_id: int | str | None,
        payload: dict[str, Any],
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        url = f"{self.base_url}/bot{self._token}/{method}"
        migrated = False
        retries = 0
        while True:
            body = dict(payload)
            target = self.resolve_chat_id(chat_id) if chat_id is not None else None
            if target is not None:
                body["chat_id"] = str(target) if files is not None else target
            try:
                if files is not None:
                    response = await self._http.post(url, data=body, files=files, timeout=self._timeout)
                else:
                    response = await self._http.post(url, json=body, timeout=self._timeout)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if retries >= self.max_retries:
                    raise TelegramNetworkError(0, f"cannot connect to Telegram: {exc}") from exc
                retries += 1
                await self._sleep(min(0.5 * 2**retries, 8.0))
                continue
            except httpx.HTTPError as exc:
                raise TelegramNetworkError(0, f"{type(exc).__name__}: {exc}") from exc
            envelope = self._parse(response)
            if envelope.ok:
                return envelope.result
            status = envelope.error_code or response.status_code
            description = envelope.description or response.reason_phrase
            params = envelope.parameters
            retry_after = params.retry_after if params is not None else None
            if (
                status == 429
                and retry_after is not None
                and retries < self.max_retries
                and retry_after <= self.max_retry_after
            ):
                retries += 1
                await self._sleep(float(retry_after))
                continue
            new_id = params.migrate_to_chat_id if params is not None else None
            if new_id is not None and chat_id is not None and target is not None and not migrated:
                migrated = True
                self.chat_id_overrides[str(chat_id)] = new_id
                self.chat_id_overrides[str(target)] = new_id
                if self.on_chat_migrated is not None:
                    await self.on_chat_migrated(chat_id, new_id)
                continue
            raise _error_for(status, description, params)

    @staticmethod
    def _parse(response: httpx.Response) -> TgResponse:
        try:
            return TgResponse.model_validate_json(response.content)
        except ValidationError:
            if response.is_success:
                raise TelegramServerError(response.status_code, "unreadable response from Telegram") from None
            return TgResponse(ok=False, error_code=response.status_code, description=response.text[:200])
