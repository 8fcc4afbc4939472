"""A faithful fake of Wazzup24 API v3 (docs/contracts.md §1), mounted at /sandbox/wazzup in demo mode.

It accepts sends like the real one (201 + messageId, text XOR contentUri, crmMessageId duplicates
rejected, 500 requests / 5 s then 429), posts echoes and statuses back to the registered webhook,
verifies a webhook with the `{"test": true}` ping, and simulates customers and the manager's phone.

Media: like Wazzup's store/CDN, the fake hosts the files customers send. ``POST /_control/media`` (raw bytes,
``?filename=&contentType=``) returns a ``contentUri`` under ``/media/{id}/{filename}`` to put in an inbound
message; faults per file (``404``, ``500`` a number of times, ``slow``, ``oversized`` with or without
Content-Length) exercise the downloader's limits, timeouts and retries; ``GET /_control/media/{id}`` counts
the downloads.

WABA: ``POST /_control/channel {"transport": "wapi"}`` turns the channel into a WhatsApp Business API one. Then
free text (or a file) reaches a customer only within 24 hours of their last message (``/_control/inbound``, on
the fake's clock, which follows ``POST /sandbox/clock/advance``); outside it the send is refused with
``24_HOURS_EXCEEDED`` and only an approved template (``GET /v3/templates/whatsapp``; ``templateId`` +
``templateValues``) goes through. Inside the window a text may carry quick-reply buttons (``buttonsObject``);
``POST /_control/press {"chatId", "messageId", "button"}`` is the customer tapping one: its text arrives as their
message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

log = logging.getLogger(__name__)

MAX_TEXT = 10_000
MAX_BUTTONS = 10
MAX_BUTTON_TEXT = 20
Fault = Literal["429", "500", "timeout", "500_after_send"]
MediaFault = Literal["404", "500", "slow", "oversized", "oversized_chunked"]
Transport = Literal["whatsapp", "wapi"]
WINDOW = timedelta(hours=24)
TEMPLATE_VARIABLE = re.compile(r"\[\[(.*?)\]\]")

# Approved WABA templates of the demo account (GET /v3/templates/whatsapp): one per follow-up and a neutral one
# managers send to reopen a conversation, in the three languages; values fill the [[...]] in order.
_TEMPLATE_TEXTS: dict[tuple[str, str], str] = {
    ("noor_quote_reminder", "en"): "Hello [[name]], this is Noor from Treejar. Your quotation [[quote]] is ready"
    " whenever you are: reply to this message and we will carry on.",
    ("noor_quote_reminder", "ar"): "مرحباً [[name]]، معك نور من تري جار. عرض السعر [[quote]] جاهز متى ما احتجته:"
    " رد على هذه الرسالة ونكمل معك.",
    ("noor_quote_reminder", "ru"): "Здравствуйте, [[name]]! Это Нур из Treejar. Ваше коммерческое предложение"
    " [[quote]] готово: ответьте на это сообщение, и мы продолжим.",
    ("noor_cart_nudge", "en"): "Hello [[name]], this is Noor from Treejar. The furniture you were looking at is"
    " still available: reply to this message and I will help you finish your selection.",
    ("noor_cart_nudge", "ar"): "مرحباً [[name]]، معك نور من تري جار. الأثاث الذي اطلعت عليه ما زال متوفراً:"
    " رد على هذه الرسالة وأساعدك تكمل اختيارك.",
    ("noor_cart_nudge", "ru"): "Здравствуйте, [[name]]! Это Нур из Treejar. Мебель, которую вы смотрели, ещё в"
    " наличии: ответьте на это сообщение, и я помогу завершить выбор.",
    ("noor_reopen", "en"): "Hello [[name]], this is [[manager]] from Treejar about your request. Please reply to"
    " this message so we can continue.",
    ("noor_reopen", "ar"): "مرحباً [[name]]، معك [[manager]] من تري جار بخصوص طلبك. يرجى الرد على هذه الرسالة لنكمل.",
    ("noor_reopen", "ru"): "Здравствуйте, [[name]]! Это [[manager]] из Treejar по вашему запросу. Ответьте,"
    " пожалуйста, на это сообщение, чтобы мы продолжили.",
}


def demo_templates(channel_id: str) -> list[dict[str, Any]]:
    """The account's templates in Wazzup's shape (docs/contracts.md §1.2, WZ-TPL), an archived one included."""
    found = []
    for (name, language), text in sorted(_TEMPLATE_TEXTS.items()):
        found.append(
            {
                "templateGuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"noor-template:{name}:{language}")),
                "title": f"{name} ({language})",
                "name": name,
                "channels": [channel_id],
                "category": "UTILITY" if name != "noor_reopen" else "MARKETING",
                "language": language,
                "status": "approved",
                "components": [{"type": "BODY", "text": text}],
                "templateCode": text,
            }
        )
    found.append(
        {
            "templateGuid": str(uuid.uuid5(uuid.NAMESPACE_URL, "noor-template:old_promo:en")),
            "title": "old_promo (en)",
            "name": "old_promo",
            "channels": [channel_id],
            "category": "MARKETING",
            "language": "en",
            "status": "archived",
            "components": [{"type": "BODY", "text": "Summer sale!"}],
            "templateCode": "Summer sale!",
        }
    )
    return found


def _now_iso(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, description: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "description": description, **extra}, status_code=status)


@dataclass
class SentMessage:
    """What the bot sent, in Wazzup's request shape plus the messageId assigned."""

    request: dict[str, Any]
    message_id: str
    received_at: str
    template_text: str | None = None
    """A template send: the text the customer reads, the template's [[...]] filled in."""

    def view(self) -> dict[str, Any]:
        rendered = {"templateText": self.template_text} if self.template_text else {}
        return {**self.request, "messageId": self.message_id, "receivedAt": self.received_at, **rendered}


@dataclass
class HostedMedia:
    """A file a customer sent, as Wazzup's store would serve it, with an optional fault."""

    data: bytes
    content_type: str
    filename: str
    fault: MediaFault | None = None
    fault_times: int | None = None
    """How many downloads the fault affects before the file is served normally; None: all of them."""
    hits: int = 0

    def take_fault(self) -> MediaFault | None:
        if self.fault is None:
            return None
        if self.fault_times is None:
            return self.fault
        if self.fault_times <= 0:
            return None
        self.fault_times -= 1
        return self.fault

    def view(self, media_id: str) -> dict[str, Any]:
        return {
            "mediaId": media_id,
            "filename": self.filename,
            "contentType": self.content_type,
            "size": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "fault": self.fault,
            "faultTimes": self.fault_times,
            "hits": self.hits,
        }


@dataclass
class FakeWazzupState:
    webhooks_uri: str | None = None
    subscriptions: dict[str, Any] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    crm_ids: dict[str, float] = field(default_factory=dict)
    faults: deque[Fault] = field(default_factory=deque)
    request_times: deque[float] = field(default_factory=deque)
    inbound: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, HostedMedia] = field(default_factory=dict)
    last_inbound: dict[str, datetime] = field(default_factory=dict)
    """When each customer last wrote (fake clock): a WABA channel's 24-hour window."""


class MediaFaultRequest(BaseModel):
    fault: MediaFault | None = None
    times: int | None = Field(default=None, ge=0, description="downloads affected; omitted: all")


class InboundRequest(BaseModel):
    """A customer writing on WhatsApp (used by the phone page and by tests)."""

    chat_id: str = Field(alias="chatId", pattern=r"^\d{6,15}$")
    text: str | None = None
    type: str = "text"
    content_uri: str | None = Field(default=None, alias="contentUri")
    name: str | None = None
    message_id: str | None = Field(default=None, alias="messageId")


class OperatorRequest(BaseModel):
    """A manager typing on the business phone: reaches us as an echo that is not ours."""

    chat_id: str = Field(alias="chatId", pattern=r"^\d{6,15}$")
    text: str


class PressRequest(BaseModel):
    """A customer tapping a quick-reply button under one of the bot's messages."""

    chat_id: str = Field(alias="chatId", pattern=r"^\d{6,15}$")
    message_id: str = Field(alias="messageId", description="The bot's message the buttons were under")
    button: int = Field(default=0, ge=0, description="Which button, counted from 0")


class ChannelRequest(BaseModel):
    transport: Transport = Field(description="'wapi' makes the channel a WhatsApp Business API one: 24-hour window")


class FaultRequest(BaseModel):
    faults: list[Fault]
    stall_seconds: float | None = Field(default=None, gt=0, le=60, description="how long a 'timeout' stalls")


class FakeWazzup:
    def __init__(
        self,
        *,
        api_key: str,
        channel_id: str,
        webhooks_uri: str | None = None,
        rate_limit: int = 500,
        rate_window_seconds: float = 5.0,
        crm_id_window_seconds: float | None = 60.0,
        echo_delay_seconds: float = 0.05,
        timeout_fault_seconds: float = 15.0,
        media_stall_seconds: float = 5.0,
        oversize_bytes: int = 200 * 1024 * 1024,
    ) -> None:
        self.api_key = api_key
        self.channel_id = channel_id
        self.state = FakeWazzupState(webhooks_uri=webhooks_uri)
        self.rate_limit = rate_limit
        self.rate_window = rate_window_seconds
        self.crm_id_window = crm_id_window_seconds
        self.echo_delay = echo_delay_seconds
        self.timeout_fault_seconds = timeout_fault_seconds
        self.media_stall_seconds = media_stall_seconds
        self.oversize_bytes = oversize_bytes
        self._tasks: set[asyncio.Task[None]] = set()
        self.clock_offset = timedelta()
        self.transport: Transport = "whatsapp"
        self.templates = demo_templates(channel_id)
        """The service's simulated time (POST /sandbox/clock/advance) minus the real time."""
        self.app = self._build_app()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def set_clock_offset(self, seconds: float) -> None:
        self.clock_offset = timedelta(seconds=seconds)

    # --- what tests and people can look at -------------------------------------------------------

    def sent_to(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        return [m.view() for m in self.state.sent if chat_id is None or m.request.get("chatId") == chat_id]

    def inject_faults(self, *faults: Fault) -> None:
        self.state.faults.extend(faults)

    # --- media customers send (Wazzup's store) ----------------------------------------------------

    def host_media(
        self,
        data: bytes,
        *,
        filename: str,
        content_type: str = "application/octet-stream",
        fault: MediaFault | None = None,
        times: int | None = None,
    ) -> str:
        """Host ``data``; returns the media id (the contentUri is ``<fake url>/media/<id>/<filename>``)."""
        media_id = uuid.uuid4().hex
        safe_name = filename.replace("/", "_").replace("\\", "_") or "file"
        self.state.media[media_id] = HostedMedia(data, content_type, safe_name, fault, times)
        return media_id

    async def _serve_media(self, media_id: str) -> Response:
        media = self.state.media.get(media_id)
        if media is None:
            return _error(404, "NOT_FOUND", "No such file")
        media.hits += 1
        fault = media.take_fault()
        if fault == "404":
            return _error(404, "NOT_FOUND", "No such file")
        if fault == "500":
            return _error(500, "INTERNAL_ERROR", "Internal server error")
        if fault == "slow":
            await asyncio.sleep(self.media_stall_seconds)
        if fault in ("oversized", "oversized_chunked"):
            total = self.oversize_bytes

            async def filler() -> AsyncIterator[bytes]:
                block = media.data[:65536].ljust(65536, b"\0")
                sent = 0
                while sent < total:
                    piece = block[: total - sent]
                    sent += len(piece)
                    yield piece

            headers = {"content-length": str(total)} if fault == "oversized" else {}
            return StreamingResponse(filler(), media_type=media.content_type, headers=headers)
        return Response(
            media.data,
            media_type=media.content_type,
            headers={"content-disposition": f'inline; filename="{media.filename}"'},
        )

    # --- the webhook side: what Wazzup posts to us -----------------------------------------------

    def inbound_payload(self, request: InboundRequest) -> dict[str, Any]:
        item: dict[str, Any] = {
            "messageId": request.message_id or str(uuid.uuid4()),
            "dateTime": _now_iso(self.now()),
            "channelId": self.channel_id,
            "chatType": "whatsapp",
            "chatId": request.chat_id,
            "type": request.type,
            "isEcho": False,
            "status": "inbound",
            "contact": {"name": request.name or request.chat_id, "phone": request.chat_id},
        }
        if request.text is not None:
            item["text"] = request.text
        if request.content_uri is not None:
            item["contentUri"] = request.content_uri
        return {"messages": [item]}

    async def post_webhook(self, body: dict[str, Any]) -> int | None:
        uri = self.state.webhooks_uri
        if not uri:
            log.warning("fake wazzup: no webhook registered; dropping %s", list(body))
            return None
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.post(uri, json=body)
            return response.status_code
        except httpx.HTTPError as exc:
            log.warning("fake wazzup: webhook POST failed: %s", exc)
            return None

    def _later(self, delay: float, body: dict[str, Any]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            await self.post_webhook(body)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _echo_and_statuses(self, sent: SentMessage) -> None:
        request = sent.request
        echo = {
            "messageId": sent.message_id,
            "dateTime": _now_iso(),
            "channelId": request["channelId"],
            "chatType": request.get("chatType", "whatsapp"),
            "chatId": request["chatId"],
            "type": "document" if request.get("contentUri") else "wapi_template" if sent.template_text else "text",
            "isEcho": True,
            "status": "sent",
            **(
                {"contentUri": request["contentUri"]}
                if request.get("contentUri")
                else {"text": sent.template_text or request["text"]}
            ),
        }
        self._later(self.echo_delay, {"messages": [echo]})
        delivered = {"messageId": sent.message_id, "timestamp": _now_iso(), "status": "delivered"}
        self._later(self.echo_delay * 2, {"statuses": [delivered]})

    # --- the API ----------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def _rate_limited(self) -> bool:
        now = time.monotonic()
        times = self.state.request_times
        while times and now - times[0] >= self.rate_window:
            times.popleft()
        if len(times) >= self.rate_limit:
            return True
        times.append(now)
        return False

    def _repeated(self, crm_id: str) -> bool:
        seen = self.state.crm_ids.get(crm_id)
        if seen is None:
            return False
        return self.crm_id_window is None or time.monotonic() - seen < self.crm_id_window

    async def _send(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(status_code=401)
        if self._rate_limited():
            return Response(status_code=429)
        fault = self.state.faults.popleft() if self.state.faults else None
        if fault == "429":
            return Response(status_code=429)
        if fault == "500":
            return _error(500, "INTERNAL_ERROR", "Internal server error")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "INVALID_MESSAGE_DATA", "Body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "INVALID_MESSAGE_DATA", "Body must be an object")
        problem = self._validate(body)
        if problem is not None:
            return problem
        template_text: str | None = None
        if body.get("templateId"):
            rendered = self._render_template(body)
            if isinstance(rendered, JSONResponse):
                return rendered
            template_text = rendered
        elif self._window_closed(str(body["chatId"])):
            return _error(
                400,
                "24_HOURS_EXCEEDED",
                "24 hours have passed since the client's last message: only a WABA template can be sent",
            )
        crm_id = body.get("crmMessageId")
        if crm_id and self._repeated(str(crm_id)):
            return _error(400, "repeatedCrmMessageId", "You have already sent message with the same crmMessageId")
        sent = SentMessage(
            request=body, message_id=str(uuid.uuid4()), received_at=_now_iso(), template_text=template_text
        )
        self.state.sent.append(sent)
        if crm_id:
            self.state.crm_ids[str(crm_id)] = time.monotonic()
        self._echo_and_statuses(sent)
        if fault == "500_after_send":
            return _error(500, "INTERNAL_ERROR", "Internal server error")
        if fault == "timeout":  # accepted and sent, but the answer comes too late for the caller
            await asyncio.sleep(self.timeout_fault_seconds)
        return JSONResponse({"messageId": sent.message_id, "chatId": body["chatId"]}, status_code=201)

    def _validate(self, body: dict[str, Any]) -> JSONResponse | None:
        for name in ("channelId", "chatType", "chatId"):
            if not body.get(name):
                return _error(400, "INVALID_MESSAGE_DATA", f"{name} is required", data={"fields": [name]})
        if body["channelId"] != self.channel_id:
            return _error(400, "CHANNEL_NOT_FOUND", "Channel not found")
        if body["chatType"] == "whatsapp" and not str(body["chatId"]).isdigit():
            return _error(400, "INVALID_MESSAGE_DATA", "chatId must be digits", data={"fields": ["chatId"]})
        has_text, has_content = bool(body.get("text")), bool(body.get("contentUri"))
        if body.get("templateId"):
            if has_text or has_content:
                return _error(400, "INVALID_MESSAGE_DATA", "A template is sent without text or contentUri")
            return None
        if has_text == has_content:
            return _error(400, "INVALID_MESSAGE_DATA", "Send either text or contentUri")
        if has_text and len(str(body["text"])) > MAX_TEXT:
            return _error(400, "TOO_LONG_TEXT", f"Text is longer than {MAX_TEXT} characters")
        buttons = body.get("buttonsObject")
        if buttons is not None and (
            self.transport != "wapi"
            or not isinstance(buttons, dict)
            or not isinstance(buttons := buttons.get("buttons"), list)
            or not 1 <= len(buttons) <= MAX_BUTTONS
            or any(not 1 <= len(str(b.get("text") or "")) <= MAX_BUTTON_TEXT for b in buttons)
        ):
            return _error(
                400,
                "INVALID_MESSAGE_DATA",
                f"buttonsObject: WABA only, 1 to {MAX_BUTTONS} buttons of at most {MAX_BUTTON_TEXT} characters",
                data={"fields": ["buttonsObject"]},
            )
        return None

    def _window_closed(self, chat_id: str) -> bool:
        if self.transport != "wapi":
            return False  # a WhatsApp (QR) channel has no 24-hour rule
        last = self.state.last_inbound.get(chat_id)
        return last is None or self.now() - last >= WINDOW

    def _render_template(self, body: dict[str, Any]) -> str | JSONResponse:
        if self.transport != "wapi":
            return _error(400, "WRONG_TRANSPORT", "Templates can only be sent to a WABA channel")
        template = next((t for t in self.templates if t["templateGuid"] == body["templateId"]), None)
        if template is None or template["status"] != "approved":
            return _error(400, "TEMPLATE_REJECTED", "Template not found or not approved")
        values = body.get("templateValues") or []
        variables = TEMPLATE_VARIABLE.findall(template["templateCode"])
        if not isinstance(values, list) or len(values) != len(variables) or not all(str(v).strip() for v in values):
            return _error(
                400,
                "INVALID_MESSAGE_DATA",
                f"templateValues must hold {len(variables)} non-empty values",
                data={"fields": ["templateValues"]},
            )
        filled = iter(str(v) for v in values)
        return TEMPLATE_VARIABLE.sub(lambda _: next(filled), template["templateCode"])

    async def _set_webhooks(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(status_code=401)
        body = await request.json()
        uri = body.get("webhooksUri") if isinstance(body, dict) else None
        if not isinstance(uri, str) or not uri.startswith(("http://", "https://")) or len(uri) > 200:
            return _error(400, "uriNotValid", "webhooksUri is not valid")
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                ping = await http.post(uri, json={"test": True})
        except httpx.HTTPError:
            return _error(400, "testPostNotPassed", "Webhooks request not valid. Response status must be 200")
        if ping.status_code != 200:
            return _error(400, "testPostNotPassed", "Webhooks request not valid. Response status must be 200")
        self.state.webhooks_uri = uri
        self.state.subscriptions = dict(body.get("subscriptions") or {})
        return JSONResponse({"ok": True})

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Fake Wazzup24 API v3", docs_url=None, redoc_url=None, openapi_url=None)

        @app.post("/v3/message")
        async def send_message(request: Request) -> Response:
            return await self._send(request)

        @app.patch("/v3/webhooks")
        async def set_webhooks(request: Request) -> Response:
            return await self._set_webhooks(request)

        @app.get("/v3/webhooks")
        async def get_webhooks(request: Request) -> Response:
            if not self._authorised(request):
                return Response(status_code=401)
            return JSONResponse({"webhooksUri": self.state.webhooks_uri, "subscriptions": self.state.subscriptions})

        @app.get("/v3/channels")
        async def channels(request: Request) -> Response:
            if not self._authorised(request):
                return Response(status_code=401)
            return JSONResponse(
                [
                    {
                        "channelId": self.channel_id,
                        "transport": self.transport,
                        "plainId": "97145550000",
                        "state": "active",
                        "name": "Treejar demo",
                    }
                ]
            )

        @app.get("/v3/templates/whatsapp")
        async def templates(request: Request, limit: int = 100, offset: int = 0) -> Response:
            if not self._authorised(request):
                return Response(status_code=401)
            return JSONResponse(self.templates[offset : offset + max(0, min(limit, 100))])

        @app.post("/_control/channel")
        async def channel(request: ChannelRequest) -> dict[str, Any]:
            self.transport = request.transport
            return {"channelId": self.channel_id, "transport": self.transport}

        @app.get("/sent")
        async def sent(chatId: str | None = None) -> list[dict[str, Any]]:
            return self.sent_to(chatId)

        @app.post("/_control/inbound")
        async def inbound(request: InboundRequest) -> dict[str, Any]:
            payload = self.inbound_payload(request)
            self.state.inbound.append(payload)
            self.state.last_inbound[request.chat_id] = self.now()
            status = await self.post_webhook(payload)
            return {"delivered": status == 200, "webhookStatus": status, "payload": payload}

        @app.post("/_control/press")
        async def press(request: PressRequest) -> Response:
            # WhatsApp sends the button's text as the customer's message; the quoted message says which one
            sent = next((m for m in self.state.sent if m.message_id == request.message_id), None)
            buttons = ((sent.request.get("buttonsObject") or {}).get("buttons") or []) if sent else []
            if sent is None or sent.request.get("chatId") != request.chat_id or request.button >= len(buttons):
                return _error(404, "NOT_FOUND", "No such button under that message")
            payload = self.inbound_payload(InboundRequest(chatId=request.chat_id, text=buttons[request.button]["text"]))
            payload["messages"][0]["quotedMessage"] = {"messageId": request.message_id}
            self.state.inbound.append(payload)
            self.state.last_inbound[request.chat_id] = self.now()
            status = await self.post_webhook(payload)
            return JSONResponse({"delivered": status == 200, "webhookStatus": status, "payload": payload})

        @app.post("/_control/operator")
        async def operator(request: OperatorRequest) -> dict[str, Any]:
            item = {
                "messageId": str(uuid.uuid4()),
                "dateTime": _now_iso(),
                "channelId": self.channel_id,
                "chatType": "whatsapp",
                "chatId": request.chat_id,
                "type": "text",
                "text": request.text,
                "isEcho": True,
                "sentFromApp": True,
                "authorName": "Phone",
                "status": "sent",
            }
            status = await self.post_webhook({"messages": [item]})
            return {"delivered": status == 200, "payload": item}

        @app.get("/media/{media_id}/{filename}")
        async def media(media_id: str, filename: str) -> Response:
            return await self._serve_media(media_id)

        @app.post("/_control/media")
        async def upload_media(
            request: Request,
            filename: str = "file",
            contentType: str | None = None,
            fault: MediaFault | None = None,
            times: int | None = None,
        ) -> dict[str, Any]:
            data = await request.body()
            content_type = contentType or request.headers.get("content-type") or "application/octet-stream"
            media_id = self.host_media(data, filename=filename, content_type=content_type, fault=fault, times=times)
            hosted = self.state.media[media_id]
            # the URL this fake is reached at, mount prefix included (request.base_url drops a Mount's path)
            base = str(request.url.replace(query="")).removesuffix("/_control/media")
            uri = f"{base}/media/{media_id}/{hosted.filename}"
            return {**hosted.view(media_id), "contentUri": uri}

        @app.get("/_control/media/{media_id}")
        async def media_info(media_id: str) -> Response:
            hosted = self.state.media.get(media_id)
            if hosted is None:
                return _error(404, "NOT_FOUND", "No such file")
            return JSONResponse(hosted.view(media_id))

        @app.post("/_control/media/{media_id}/fault")
        async def media_fault(media_id: str, request: MediaFaultRequest) -> Response:
            hosted = self.state.media.get(media_id)
            if hosted is None:
                return _error(404, "NOT_FOUND", "No such file")
            hosted.fault, hosted.fault_times = request.fault, request.times
            return JSONResponse(hosted.view(media_id))

        @app.post("/_control/faults")
        async def faults(request: FaultRequest) -> dict[str, Any]:
            self.inject_faults(*request.faults)
            if request.stall_seconds is not None:
                self.timeout_fault_seconds = request.stall_seconds
            return {"pending": list(self.state.faults)}

        return app
