"""The downloader against the fake Wazzup's media store over loopback HTTP: limits, timeouts, retries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.wazzup import FakeWazzup
from tests.support.live import LiveServer, live_server
from tests.tools.media import samples
from tools.media import LocalMediaStore, MediaDownloader, MediaDownloadError, MediaStore, MediaTooLarge
from tools.media.download import file_name_from
from tools.media.store import MediaNotFound


@pytest.fixture(scope="module")
def wazzup() -> Iterator[tuple[FakeWazzup, LiveServer]]:
    fake = FakeWazzup(api_key="k", channel_id="c", media_stall_seconds=1.0, oversize_bytes=3 * 1024 * 1024)
    with live_server(fake.app) as server:
        yield fake, server


def _downloader(**overrides: object) -> MediaDownloader:
    options: dict[str, object] = {
        "connect_timeout": 1.0,
        "read_timeout": 0.3,
        "total_timeout": 5.0,
        "attempts": 3,
        "backoff_seconds": 0.01,
        "backoff_cap_seconds": 0.05,
        "limits": {"image": 1024 * 1024, "document": 2 * 1024 * 1024},
    }
    options.update(overrides)
    return MediaDownloader(**options)  # type: ignore[arg-type]


async def _upload(server: LiveServer, data: bytes, filename: str, **params: str | int) -> dict[str, object]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server.url}/_control/media", params={"filename": filename, **params}, content=data
        )
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return body


async def _hits(server: LiveServer, media_id: object) -> int:
    async with httpx.AsyncClient() as http:
        return int((await http.get(f"{server.url}/_control/media/{media_id}")).json()["hits"])


async def test_download_sniffs_and_names_the_file(wazzup: tuple[FakeWazzup, LiveServer]) -> None:
    _, server = wazzup
    data = samples.pdf(["Request for Quotation"])
    hosted = await _upload(server, data, "RFQ 2291.pdf", contentType="application/octet-stream")
    assert str(hosted["contentUri"]).startswith(f"{server.url}/media/")
    downloader = _downloader()
    try:
        got = await downloader.download(str(hosted["contentUri"]), kind="document")
    finally:
        await downloader.aclose()
    assert got.data == data
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.content_type == "application/pdf"  # from the bytes, not the header
    assert got.declared_content_type == "application/octet-stream"
    assert got.file_name == "RFQ 2291.pdf"
    assert got.attempts == 1


async def test_5xx_is_retried_with_backoff(wazzup: tuple[FakeWazzup, LiveServer]) -> None:
    _, server = wazzup
    hosted = await _upload(server, samples.photo(), "chair.jpg", fault="500", times=2)
    downloader = _downloader()
    try:
        got = await downloader.download(str(hosted["contentUri"]), kind="image")
    finally:
        await downloader.aclose()
    assert got.attempts == 3
    assert got.content_type == "image/jpeg"
    assert await _hits(server, hosted["mediaId"]) == 3


async def test_persistent_failure_gives_up_after_the_attempts(wazzup: tuple[FakeWazzup, LiveServer]) -> None:
    _, server = wazzup
    hosted = await _upload(server, samples.photo(), "chair.jpg", fault="500")
    downloader = _downloader()
    with pytest.raises(MediaDownloadError) as caught:
        await downloader.download(str(hosted["contentUri"]), kind="image")
    await downloader.aclose()
    assert caught.value.attempts == 3
    assert caught.value.status == 500
    assert await _hits(server, hosted["mediaId"]) == 3


async def test_404_fails_at_once(wazzup: tuple[FakeWazzup, LiveServer]) -> None:
    _, server = wazzup
    hosted = await _upload(server, samples.photo(), "chair.jpg", fault="404")
    downloader = _downloader()
    with pytest.raises(MediaDownloadError) as caught:
        await downloader.download(str(hosted["contentUri"]), kind="image")
    await downloader.aclose()
    assert (caught.value.status, caught.value.retryable, caught.value.attempts) == (404, False, 1)
    assert await _hits(server, hosted["mediaId"]) == 1


async def test_slow_server_times_out_then_succeeds(wazzup: tuple[FakeWazzup, LiveServer]) -> None:
    _, server = wazzup
    hosted = await _upload(server, samples.photo(), "chair.jpg", fault="slow", times=1)
    downloader = _downloader()
    try:
        got = await downloader.download(str(hosted["contentUri"]), kind="image")
    finally:
        await downloader.aclose()
    assert got.attempts == 2


@pytest.mark.parametrize("fault", ["oversized", "oversized_chunked"])
async def test_size_limit_per_kind(wazzup: tuple[FakeWazzup, LiveServer], fault: str) -> None:
    _, server = wazzup
    hosted = await _upload(server, samples.pdf(["big"]), "big.pdf", fault=fault)
    downloader = _downloader()
    with pytest.raises(MediaTooLarge) as caught:
        await downloader.download(str(hosted["contentUri"]), kind="document")
    await downloader.aclose()
    assert caught.value.limit == 2 * 1024 * 1024
    assert caught.value.size > caught.value.limit
    assert caught.value.attempts == 1  # never retried
    # the same bytes are fine under a bigger limit for their kind
    hosted = await _upload(server, b"\x00" * (1024 * 1024 + 10), "x.bin")
    with pytest.raises(MediaTooLarge):
        await _downloader().download(str(hosted["contentUri"]), kind="image")
    assert (await _downloader().download(str(hosted["contentUri"]), kind="document")).size == 1024 * 1024 + 10


async def test_refuses_non_http_and_foreign_hosts() -> None:
    with pytest.raises(MediaDownloadError, match="http"):
        await _downloader().download("file:///etc/passwd", kind="document")
    restricted = _downloader(allowed_hosts=["wazzup24.com"])
    with pytest.raises(MediaDownloadError, match="not allowed"):
        await restricted.download("http://127.0.0.1:1/x.pdf", kind="document")
    restricted._check_uri("https://store.wazzup24.com/3f9c/voice.ogg")  # subdomains are fine


def test_file_name_from_uri_or_header() -> None:
    assert file_name_from("https://store.wazzup24.com/3f9c1a22/voice-7781.ogg", None) == "voice-7781.ogg"
    assert file_name_from("https://x/y/a%20b.pdf?sig=1", None) == "a b.pdf"
    assert file_name_from("https://x/y/z", 'attachment; filename="../../BOQ.xlsx"') == ".._.._BOQ.xlsx"


async def test_local_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    assert isinstance(store, MediaStore)
    key = await store.put(b"hello", content_type="text/plain")
    assert key == hashlib.sha256(b"hello").hexdigest()
    assert await store.put(b"hello", content_type="text/plain") == key
    path = store.local_path(key)
    assert path is not None
    assert path.relative_to(tmp_path / "media").parts[:2] == (key[:2], key[2:4])
    assert await store.get(key) == b"hello"
    assert await store.exists(key)
    assert not await store.exists("../../etc/passwd")
    with pytest.raises(MediaNotFound):
        await store.get("0" * 64)
