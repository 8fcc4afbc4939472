"""Wazzup24 API v3: webhook payload models and the typed client for sending (docs/contracts.md §1)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

OUTBOUND_STATUSES = frozenset({"sent", "delivered", "read", "error", "edited"})
MEDIA_TYPES = frozenset({"image", "audio", "video", "document"})


class _WazzupModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class WazzupContact(_WazzupModel):
    name: str | None = None
    phone: str | None = None
    avatar_uri: str | None = Field(default=None, alias="avatarUri")
    username: str | None = None


class WazzupMessage(_WazzupModel):
    """One item of a webhook's `messages[]`: inbound, an echo of an outgoing message, an edit or a delete."""

    message_id: str = Field(alias="messageId", min_length=1)
    channel_id: str = Field(alias="channelId", min_length=1)
    chat_type: str = Field(default="whatsapp", alias="chatType")
    chat_id: str = Field(alias="chatId", min_length=1)
    date_time: datetime | None = Field(default=None, alias="dateTime")
    type: str = "text"
    is_echo: bool = Field(default=False, alias="isEcho")
    text: str | None = None
    content_uri: str | None = Field(default=None, alias="contentUri")
    status: str | None = None
    contact: WazzupContact | None = None
    author_name: str | None = Field(default=None, alias="authorName")
    author_id: str | None = Field(default=None, alias="authorId")
    sent_from_app: bool | None = Field(default=None, alias="sentFromApp")
    is_edited: bool = Field(default=False, alias="isEdited")
    is_deleted: bool = Field(default=False, alias="isDeleted")
    error: dict[str, Any] | None = None

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def is_status_echo(self) -> bool:
        """An echo carries the outgoing message's current status."""
        return self.is_echo and (self.status or "sent") in OUTBOUND_STATUSES


class WazzupStatus(_WazzupModel):
    message_id: str = Field(alias="messageId", min_length=1)
    status: str
    timestamp: datetime | None = None
    error: dict[str, Any] | None = None


class SendMessageRequest(BaseModel):
    """`POST /v3/message`: text and contentUri are mutually exclusive."""

    model_config = ConfigDict(populate_by_name=True)

    channel_id: str = Field(alias="channelId")
    chat_type: str = Field(default="whatsapp", alias="chatType")
    chat_id: str = Field(alias="chatId")
    text: str | None = None
    content_uri: str | None = Field(default=None, alias="contentUri")
    template_id: str | None = Field(default=None, alias="templateId", description="A WABA template's templateGuid")
    template_values: list[str] | None = Field(
        default=None, alias="templateValues", description="The template's [[...]] values, in order"
    )
    buttons_object: dict[str, Any] | None = Field(
        default=None, alias="buttonsObject", description="WABA quick replies: {buttons: [{text, type, payload}]}"
    )
    crm_message_id: str | None = Field(default=None, alias="crmMessageId")
    clear_unanswered: bool = Field(default=False, alias="clearUnanswered")

    def body(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


def quick_replies(buttons: list[dict[str, str]]) -> dict[str, Any]:
    """A `buttonsObject` of WABA quick replies (at most 10, labels of at most 20 characters; docs/contracts.md §1.5)."""
    return {"buttons": [{"text": b["text"][:20], "type": "text", "payload": b["payload"]} for b in buttons[:10]]}


TEMPLATE_VARIABLE = re.compile(r"\[\[(.*?)\]\]")


class WabaTemplate(_WazzupModel):
    """One item of `GET /v3/templates/whatsapp` (docs/contracts.md §1.2, §1.6)."""

    template_guid: str = Field(alias="templateGuid", min_length=1)
    name: str
    title: str | None = None
    language: str | None = None
    category: str | None = None
    status: str = ""
    template_code: str = Field(default="", alias="templateCode")

    @property
    def approved(self) -> bool:
        return self.status.lower() == "approved"  # the live API answers in lower case; "archived" is listed too

    @property
    def variables(self) -> list[str]:
        """The names between [[...]], in the order templateValues fills them."""
        return TEMPLATE_VARIABLE.findall(self.template_code)

    def render(self, values: list[str]) -> str:
        """The text the customer reads (for our transcript)."""
        filled = iter(values)
        return TEMPLATE_VARIABLE.sub(lambda match: next(filled, match.group(0)), self.template_code)


class SendResult(BaseModel):
    message_id: str
    chat_id: str | None = None


class WazzupError(Exception):
    """A send that failed; `retryable` says whether the same request may be tried again."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class WazzupRetryableError(WazzupError):
    retryable = True


class WazzupRateLimited(WazzupRetryableError):
    def __init__(self, retry_after: float | None) -> None:
        super().__init__("Wazzup rate limit (429)", status=429)
        self.retry_after = retry_after


class WazzupDuplicate(WazzupError):
    """Wazzup already accepted a message with this crmMessageId: it was sent before."""


class WazzupRejected(WazzupError):
    """A permanent refusal (bad data, channel unavailable, bad key...)."""


class WazzupWindowClosed(WazzupRejected):
    """A WABA channel refused free text: the customer last wrote more than 24 hours ago; only a template goes."""


WINDOW_CLOSED_CODES = frozenset({"24_HOURS_EXCEEDED"})


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _error_fields(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    if isinstance(body, dict):
        code = body.get("error")
        if isinstance(code, dict):  # the iframe route nests {error: {code}}
            code = code.get("code")
        return (str(code) if code else None), str(body.get("description") or "")
    return None, str(body)[:200]


class WazzupClient:
    def __init__(
        self, base_url: str, api_key: str, *, http: httpx.AsyncClient | None = None, timeout: float = 10.0
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def send_message(self, request: SendMessageRequest) -> SendResult:
        try:
            response = await self._http.post(f"{self._base_url}/message", json=request.body(), headers=self._headers)
        except httpx.TimeoutException as exc:
            raise WazzupRetryableError(f"Wazzup timed out: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise WazzupRetryableError(f"Wazzup unreachable: {exc.__class__.__name__}") from exc
        if response.status_code in (200, 201):
            return self._parse_sent(response)
        if response.status_code == 429:
            raise WazzupRateLimited(_retry_after(response))
        code, description = _error_fields(response)
        message = f"Wazzup {response.status_code} {code or ''} {description}".strip()
        if response.status_code >= 500:
            raise WazzupRetryableError(message, status=response.status_code, code=code)
        if code and code.lower().replace("_", "") == "repeatedcrmmessageid":
            raise WazzupDuplicate(message, status=response.status_code, code=code)
        if code in WINDOW_CLOSED_CODES:
            raise WazzupWindowClosed(message, status=response.status_code, code=code)
        raise WazzupRejected(message, status=response.status_code, code=code)

    @staticmethod
    def _parse_sent(response: httpx.Response) -> SendResult:
        body = response.json()
        if isinstance(body, list) and body:  # some accounts answer with a one-element list
            body = body[0]
        if not isinstance(body, dict) or not body.get("messageId"):
            raise WazzupRetryableError(f"Wazzup answered {response.status_code} without a messageId")
        return SendResult(message_id=str(body["messageId"]), chat_id=body.get("chatId"))

    async def set_webhook(self, uri: str, *, messages_and_statuses: bool = True) -> None:
        """Register our webhook; Wazzup checks it at once with a `{"test": true}` POST."""
        response = await self._http.patch(
            f"{self._base_url}/webhooks",
            json={
                "webhooksUri": uri,
                "subscriptions": {"messagesAndStatuses": messages_and_statuses, "channelsUpdates": True},
            },
            headers=self._headers,
        )
        if response.status_code != 200:
            code, description = _error_fields(response)
            raise WazzupRejected(f"webhook registration refused: {code} {description}", code=code)

    async def list_channels(self) -> list[dict[str, Any]]:
        response = await self._http.get(f"{self._base_url}/channels", headers=self._headers)
        response.raise_for_status()
        channels: list[dict[str, Any]] = response.json()
        return channels

    async def list_templates(self, page_size: int = 100) -> list[WabaTemplate]:
        """Every WABA template of the account (approved or not: filter on `approved`), page by page."""
        found: list[WabaTemplate] = []
        while True:
            response = await self._http.get(
                f"{self._base_url}/templates/whatsapp",
                params={"limit": page_size, "offset": len(found)},
                headers=self._headers,
            )
            response.raise_for_status()
            page = [WabaTemplate.model_validate(item) for item in response.json()]
            found += page
            if len(page) < page_size:
                return found
