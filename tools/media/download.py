"""Downloading inbound media from Wazzup's ``contentUri`` (docs/contracts.md §1.4.1): a plain GET, no auth.

Guards: http(s) only (and, when configured, only the gateway's hosts); a size limit per message kind
checked against ``Content-Length`` before reading and again while streaming (a missing or lying header
cannot make us buffer more than the limit); connect, read and overall timeouts; retries with exponential
backoff on timeouts, connection errors, 408/425/429/5xx (``Retry-After`` honoured up to the cap). Other 4xx
(404, 403, 410) and over-size files fail at once: retrying cannot help. The real type comes from the bytes.
"""

from __future__ import annotations

import asyncio
import email.message
import hashlib
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx

from tools.media.sniff import Family, sniff

log = logging.getLogger(__name__)

MB = 1024 * 1024
# WhatsApp's own caps are 16 MB for audio/video/images and 100 MB for documents; audio also has to fit the
# 25 MB speech-to-text upload limit.
DEFAULT_LIMITS: dict[str, int] = {
    "audio": 25 * MB,
    "image": 16 * MB,
    "video": 64 * MB,
    "document": 100 * MB,
}
DEFAULT_LIMIT = 25 * MB
_RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class MediaDownloadError(Exception):
    """The file could not be fetched. ``retryable`` says whether a later attempt may succeed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        attempts: int = 0,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.attempts = attempts
        self.retry_after = retry_after


class MediaTooLarge(MediaDownloadError):
    """Over the size limit for its kind; ``size`` is what the server declared or what we had read."""

    def __init__(self, message: str, *, size: int, limit: int, attempts: int = 0) -> None:
        super().__init__(message, status=None, retryable=False, attempts=attempts)
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    sha256: str
    content_type: str
    """From the bytes."""
    declared_content_type: str | None
    """What the server said, kept for the record."""
    extension: str
    family: Family
    file_name: str | None
    attempts: int

    @property
    def size(self) -> int:
        return len(self.data)


def file_name_from(uri: str, content_disposition: str | None) -> str | None:
    """The file name from ``Content-Disposition`` if given, else the last segment of the URL path."""
    if content_disposition:
        message = email.message.Message()
        message["content-disposition"] = content_disposition
        name = message.get_filename()
        if name:
            return name.replace("/", "_").replace("\\", "_")[:200]
    segment = unquote(urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1])
    return segment[:200] or None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class MediaDownloader:
    """Fetches one media file with limits, timeouts and retries. ``http`` is optional (one is created)."""

    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        *,
        limits: Mapping[str, int] | None = None,
        default_limit: int = DEFAULT_LIMIT,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        total_timeout: float = 120.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        backoff_cap_seconds: float = 8.0,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.default_limit = default_limit
        self.timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )
        self.total_timeout = total_timeout
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
        self._http = http or httpx.AsyncClient(follow_redirects=True, max_redirects=3)
        self._owns_http = http is None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def limit_for(self, kind: str | None) -> int:
        return self.limits.get(kind or "", self.default_limit)

    def _check_uri(self, uri: str) -> None:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaDownloadError(f"not an http(s) URL: {uri[:200]!r}")
        if self.allowed_hosts:
            host = parts.hostname.lower()
            if not any(host == allowed or host.endswith("." + allowed) for allowed in self.allowed_hosts):
                raise MediaDownloadError(f"media host {host} is not allowed")

    def _delay(self, attempt: int, hint: float | None) -> float:
        base: float = min(self.backoff_cap_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        if hint is not None:
            return float(min(self.backoff_cap_seconds, max(base, hint)))
        return float(base * random.uniform(0.8, 1.2))

    async def download(self, uri: str, *, kind: str | None = None) -> Downloaded:
        """The file's bytes; raises ``MediaTooLarge`` or ``MediaDownloadError`` (with ``attempts``)."""
        self._check_uri(uri)
        limit = self.limit_for(kind)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(self.total_timeout):
                    return await self._once(uri, kind, limit, attempt)
            except MediaTooLarge as exc:
                exc.attempts = attempt
                raise
            except MediaDownloadError as exc:
                exc.attempts = attempt
                if not exc.retryable or attempt >= self.attempts:
                    raise
                hint = exc.retry_after
                error: MediaDownloadError = exc
            except TimeoutError:
                error = MediaDownloadError(f"download took longer than {self.total_timeout} s", retryable=True)
                error.attempts = attempt
                if attempt >= self.attempts:
                    raise error from None
                hint = None
            delay = self._delay(attempt, hint)
            log.info("media download attempt %s failed (%s); retrying in %.2f s", attempt, error, delay)
            await asyncio.sleep(delay)

    async def _once(self, uri: str, kind: str | None, limit: int, attempt: int) -> Downloaded:
        try:
            async with self._http.stream("GET", uri, timeout=self.timeout) as response:
                if response.status_code != 200:
                    raise MediaDownloadError(
                        f"GET media answered {response.status_code}",
                        status=response.status_code,
                        retryable=response.status_code in _RETRYABLE_STATUSES,
                        retry_after=_retry_after(response),
                    )
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise MediaTooLarge(
                        f"media is {declared} bytes; the limit for {kind or 'this kind'} is {limit}",
                        size=int(declared),
                        limit=limit,
                    )
                chunks: list[bytes] = []
                received = 0
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise MediaTooLarge(
                            f"media exceeds the limit for {kind or 'this kind'} ({limit} bytes)",
                            size=received,
                            limit=limit,
                        )
                    chunks.append(chunk)
                data = b"".join(chunks)
                content_type = response.headers.get("content-type")
                file_name = file_name_from(str(response.url), response.headers.get("content-disposition"))
        except httpx.TimeoutException as exc:
            raise MediaDownloadError(f"media download timed out ({type(exc).__name__})", retryable=True) from exc
        except httpx.HTTPError as exc:
            raise MediaDownloadError(f"media download failed: {exc}", retryable=True) from exc
        if not data:
            raise MediaDownloadError("media download returned no bytes", status=200, retryable=True)
        sniffed = sniff(data, file_name, kind)
        return Downloaded(
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=sniffed.content_type,
            declared_content_type=content_type,
            extension=sniffed.extension,
            family=sniffed.family,
            file_name=file_name,
            attempts=attempt,
        )
