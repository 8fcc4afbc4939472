"""The whole service (API + a worker process) with NOOR_STORAGE=s3 against a real S3 implementation (moto's
server, signatures checked): a customer's file and a quotation PDF are written by the worker to the bucket and
served by the API from it, and nothing lands on the local disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from evals.service import service_settings
from server.web.app import create_app
from tests.server.test_media_flow import manager_download, media_rows, send_file
from tests.support import db
from tests.support.inbox import connect
from tests.support.live import free_port, live_server
from tests.support.s3 import S3Server, s3_server
from tests.support.wazzup import NoorClient
from tests.tools.media import samples
from tools.storage.s3 import S3ObjectStore


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("s3-service")


@pytest.fixture(scope="module")
def s3_database_url(test_databases: db.TestDatabases) -> str:
    return test_databases.fresh()


@pytest.fixture(scope="module")
def s3_service_url(s3: S3Server, s3_database_url: str, data_dir: Path) -> Iterator[str]:
    port = free_port()
    settings = service_settings(
        s3_database_url,
        data_dir,
        port,
        storage="s3",
        s3_endpoint=s3.endpoint,
        s3_bucket=s3.bucket,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_region=s3.region,
        s3_prefix="noor/",
    )
    with live_server(create_app(settings), port) as server:
        yield server.url


@pytest.fixture
async def noor(s3_service_url: str) -> AsyncIterator[NoorClient]:
    client = NoorClient(s3_service_url)
    yield client
    await client.aclose()


def bucket(s3: S3Server, area: str) -> S3ObjectStore:
    return S3ObjectStore(
        s3.endpoint,
        s3.bucket,
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        region=s3.region,
        prefix=f"noor/{area}/",
    )


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


async def test_a_customer_file_is_stored_in_the_bucket_and_served_from_it(
    noor: NoorClient, s3: S3Server, s3_service_url: str, s3_database_url: str, data_dir: Path
) -> None:
    chat = "971500016101"
    plan = samples.pdf(["Ground floor layout, open office and two meeting rooms"])
    await send_file(noor, chat, "document", plan, "floor-plan-office.pdf", "Please propose furniture")
    await noor.wait_for_replies(chat)
    [row] = await media_rows(s3_database_url, chat)
    assert (row["status"], row["storage"]) == ("downloaded", "s3")
    key = row["storage_key"]
    media = bucket(s3, "media")
    assert await media.get(f"{key[:2]}/{key[2:4]}/{key}") == plan
    await media.aclose()
    assert files_under(data_dir / "media") == []

    served = await manager_download(s3_service_url, f"/media/{row['id']}")
    assert served.status_code == 200
    assert served.content == plan
    assert served.headers["content-type"] == "application/pdf"


async def test_a_quotation_pdf_is_stored_in_the_bucket_and_served_from_it(
    noor: NoorClient, s3: S3Server, s3_database_url: str, data_dir: Path
) -> None:
    for _ in range(600):  # the worker's first catalog sync from the fake Zoho
        async with await connect(s3_database_url) as conn:
            if await (
                await conn.execute("SELECT 1 FROM catalog_sync_state WHERE last_full_sync_at IS NOT NULL")
            ).fetchone():
                break
        await asyncio.sleep(0.1)
    chat = "971500016102"
    await noor.say(chat, "Hi, I'd like a quotation for 4 x MC-AIRO-MB-BLK")
    await noor.wait_for_replies(chat)
    await noor.say(chat, "Sara Khan, Khan Trading LLC, sara@khantrading.ae, Al Quoz, Dubai")
    await noor.wait_for_replies(chat, 2)
    await noor.say(chat, "Yes, confirmed")
    document = (await noor.wait_for_replies(chat, 4))[3]
    async with httpx.AsyncClient() as http:
        pdf = await http.get(document["contentUri"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    async with await connect(s3_database_url) as conn:
        quote = await (
            await conn.execute("SELECT quote_id, pdf_path FROM quotes WHERE thread_id LIKE %s", (f"%{chat}",))
        ).fetchone()
    assert quote is not None
    documents = bucket(s3, "documents")
    assert await documents.get(quote["pdf_path"]) == pdf.content
    await documents.aclose()
    assert files_under(data_dir / "documents") == []


def test_s3_storage_without_a_bucket_or_keys_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="NOOR_STORAGE=s3 needs NOOR_S3_BUCKET, NOOR_S3_ACCESS_KEY, NOOR_S3_SECRET_KEY"
    ):
        service_settings("postgresql://unused", tmp_path, free_port(), storage="s3")
    with pytest.raises(ValueError, match=r"s3 needs NOOR_S3_SECRET_KEY \["):
        service_settings("postgresql://unused", tmp_path, free_port(), storage="s3", s3_bucket="b", s3_access_key="a")
