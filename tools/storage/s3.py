"""An S3-compatible ``ObjectStore`` over httpx, signed with AWS Signature Version 4 (path-style URLs).

Four calls are all Noor needs (PUT, GET, HEAD, DELETE of one object), so a hand-written signer (~40 lines,
checked against a real S3 implementation in the tests) replaces boto3 and its dependency tree at run time.
Path-style addressing (``<endpoint>/<bucket>/<key>``) works with AWS, MinIO, Ceph, R2 and moto alike.
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from tools.storage import ObjectNotFound, StorageError, check_key

_UNRESERVED = "-_.~"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_v4(
    method: str,
    url: httpx.URL,
    payload_sha256: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers that authenticate one request (``Authorization``, ``x-amz-date``, ``x-amz-content-sha256``).

    ``url.raw_path`` must already be percent-encoded the way S3 expects (each key segment with only the
    unreserved characters left as they are), since S3 signs the path as sent, without encoding it again.
    """
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    host = url.netloc.decode("ascii")
    path, _, query = url.raw_path.decode("ascii").partition("?")
    pairs = sorted(
        (quote(name, safe=_UNRESERVED), quote(value, safe=_UNRESERVED))
        for name, value in httpx.QueryParams(query).multi_items()
    )
    signed = {"host": host, "x-amz-content-sha256": payload_sha256, "x-amz-date": amz_date}
    canonical = "\n".join(
        [
            method,
            path or "/",
            "&".join(f"{name}={value}" for name, value in pairs),
            "".join(f"{name}:{value}\n" for name, value in signed.items()),
            ";".join(signed),
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(signed)}, Signature={signature}"
        ),
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
    }


def _error_code(response: httpx.Response) -> tuple[str, str]:
    """S3's error ``Code`` and ``Message`` from the XML body (HEAD answers have no body)."""
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        return response.reason_phrase, ""
    return root.findtext("Code") or response.reason_phrase, root.findtext("Message") or ""


class S3ObjectStore:
    """Objects under ``prefix`` in ``bucket`` at ``endpoint``.

    Args:
        endpoint: e.g. ``https://s3.eu-central-1.amazonaws.com`` or ``http://minio:9000``.
        prefix: prepended to every key (``media/``, ``documents/``), so one bucket holds both.
        http: a shared client; by default the store makes its own on first use.
    """

    name = "s3"

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        prefix: str = "",
        timeout_seconds: float = 30.0,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.prefix = prefix
        self.timeout_seconds = timeout_seconds
        self._http = http
        self.clock = clock

    def _url(self, key: str) -> httpx.URL:
        path = "/".join(quote(part, safe=_UNRESERVED) for part in f"{self.prefix}{check_key(key)}".split("/"))
        return httpx.URL(f"{self.endpoint}/{quote(self.bucket, safe=_UNRESERVED)}/{path}")

    async def _request(
        self, method: str, key: str, data: bytes = b"", content_type: str | None = None
    ) -> httpx.Response:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout_seconds)
        url = self._url(key)
        headers = sign_v4(
            method,
            url,
            hashlib.sha256(data).hexdigest(),
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            now=self.clock(),
        )
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = await self._http.request(method, url, content=data, headers=headers)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} {self.bucket}/{self.prefix}{key}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 404 and method in ("GET", "HEAD"):
            code, _ = _error_code(response)
            if code == "NoSuchBucket":
                raise StorageError(f"S3 bucket {self.bucket!r} does not exist at {self.endpoint}")
            raise ObjectNotFound(key)
        if response.status_code >= 300:
            code, message = _error_code(response)
            hint = (
                " (check NOOR_S3_ACCESS_KEY, NOOR_S3_SECRET_KEY and NOOR_S3_REGION)"
                if response.status_code == 403
                else ""
            )
            raise StorageError(
                f"S3 refused {method} {self.bucket}/{self.prefix}{key}: {response.status_code} {code}"
                f"{': ' + message if message else ''}{hint}"
            )
        return response

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await self._request("PUT", key, data, content_type)

    async def get(self, key: str) -> bytes:
        return (await self._request("GET", key)).content

    async def exists(self, key: str) -> bool:
        try:
            await self._request("HEAD", key)
        except ObjectNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        await self._request("DELETE", key)  # S3 answers 204 for a missing key too

    def local_path(self, key: str) -> Path | None:
        return None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
