"""Signed, expiring document links served by Noor: good links serve the PDF, expired and tampered ones are
refused, nothing redirects."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from server.components.documents import DocumentLinks, ExpiredLink, InvalidLink
from server.web.app import create_app
from server.web.documents import router
from tests.server.conftest import service_settings
from tests.support.live import free_port, live_server
from tests.support.secrets import PRODUCTION_SECRETS
from tools.storage import LocalObjectStore

PDF = b"%PDF-1.4\n% a tiny test document\n%%EOF\n"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def links(tmp_path: Path, clock: Clock, secret: bytes = b"test-secret") -> DocumentLinks:
    return DocumentLinks(
        secret=secret,
        store=LocalObjectStore(tmp_path / "documents"),
        base_url="http://noor.test",
        ttl_seconds=600,
        clock=clock,
    )


def test_tokens_sign_verify_expire_and_refuse_tampering(tmp_path: Path) -> None:
    clock = Clock(1_800_000_000)
    signer = links(tmp_path, clock)
    token = signer.sign("WA-971501234567-Q1")
    assert signer.verify(token) == "WA-971501234567-Q1"
    assert signer.url("WA-971501234567-Q1").startswith("http://noor.test/documents/")

    payload, mac = token.split(".")
    other = base64.urlsafe_b64encode(b"WA-971501234567-Q2:1900000000").rstrip(b"=").decode()
    for bad in (f"{other}.{mac}", f"{payload}.{mac[:-2]}AA", payload, f"{payload}.", "", "..", "a.b.c"):
        with pytest.raises(InvalidLink):
            signer.verify(bad)
    with pytest.raises(InvalidLink):
        links(tmp_path, clock, secret=b"another-secret").verify(token)

    clock.now += 599
    assert signer.verify(token) == "WA-971501234567-Q1"
    clock.now += 1
    with pytest.raises(ExpiredLink):
        signer.verify(token)
    for bad_id in ("../etc/passwd", "a/b", "", "x" * 200):
        with pytest.raises(ValueError, match="bad document id"):
            signer.sign(bad_id)


async def test_documents_are_stored_by_id(tmp_path: Path) -> None:
    store = links(tmp_path, Clock(0))
    key = await store.save("WA-1-Q1", PDF)
    assert (tmp_path / "documents" / key).read_bytes() == PDF
    assert await store.load("WA-1-Q1") == PDF
    assert await store.load("WA-1-Q2") is None
    await store.save("WA-1-Q1", PDF + b"v2")
    assert await store.load("WA-1-Q1") == PDF + b"v2"
    await store.delete("WA-1-Q1")
    assert await store.load("WA-1-Q1") is None


def test_the_route_serves_good_links_only(tmp_path: Path) -> None:
    clock = Clock(1_800_000_000)
    store = links(tmp_path, clock)
    asyncio.run(store.save("WA-971501234567-Q1", PDF))
    app = FastAPI()
    app.include_router(router)
    app.state.documents = store
    with live_server(app) as server, httpx.Client(base_url=server.url, follow_redirects=False) as http:
        good = http.get(f"/documents/{store.sign('WA-971501234567-Q1')}")
        assert good.status_code == 200
        assert good.content == PDF
        assert good.headers["content-type"] == "application/pdf"
        assert good.headers["content-disposition"] == 'inline; filename="Quotation-WA-971501234567-Q1.pdf"'
        assert "no-store" in good.headers["cache-control"]

        token = store.sign("WA-971501234567-Q1")
        payload, mac = token.split(".")
        tampered = http.get(f"/documents/{payload}.{mac[::-1]}")
        assert tampered.status_code == 403
        assert "location" not in tampered.headers
        assert http.get("/documents/not-a-token").status_code == 403
        assert http.get(f"/documents/{store.sign('WA-971501234567-Q9')}").status_code == 404

        clock.now += 601
        expired = http.get(f"/documents/{token}")
        assert expired.status_code == 410
        assert "location" not in expired.headers
        assert http.get("/documents").status_code == 404  # nothing is listed


def without_lifespan(app: FastAPI) -> ASGIApp:
    """The app's routes over real HTTP without its lifespan (no database, workers or model needed): the route
    and its `DocumentLinks` are wired in `create_app` itself."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await app(scope, receive, send)

    return asgi


def test_the_service_serves_documents_with_its_own_secret(tmp_path: Path) -> None:
    port = free_port()
    settings = service_settings(
        "postgresql://unused",
        tmp_path,
        port,
        sandbox=False,
        **PRODUCTION_SECRETS | {"document_link_secret": "service-secret"},
    )
    app = create_app(settings)
    store = DocumentLinks.from_settings(settings)
    asyncio.run(store.save("WA-971501234567-Q3", PDF))
    url = store.url("WA-971501234567-Q3")
    assert url.startswith(f"http://127.0.0.1:{port}/documents/")
    with live_server(without_lifespan(app), port), httpx.Client(follow_redirects=False) as http:
        answer = http.get(url)
        assert answer.status_code == 200
        assert answer.content == PDF
        forged = links(tmp_path, Clock(0), secret=b"demo-document-link-secret")
        assert http.get(f"{settings.base_url}/documents/{forged.sign('WA-971501234567-Q3')}").status_code == 403
