"""The whole service (API + a worker process) with NOOR_STORAGE=s3 against a real S3 implementation (moto's
server, signatures checked): a customer's file and a quotation PDF are written by the worker to the bucket and
served by the API from it, and nothing lands on the local disk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from evals.service import service_settings
from server.components.documents import DocumentLinks
from server.components.media import media_store
from server.settings import Settings
from server.storage.database import make_pool
from server.web.app import create_app
from server.worker.jobs.retention import RetentionJob
from tests.server.test_media_flow import inbox_thread, manager_download, media_rows, send_file
from tests.support import db
from tests.support.inbox import connect, wait_catalog_synced
from tests.support.live import free_port, live_server
from tests.support.s3 import S3Server, s3_server
from tests.support.wazzup import NoorClient
from tests.tools.media import samples


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
def s3_settings(s3: S3Server, s3_database_url: str, data_dir: Path) -> Settings:
    return service_settings(
        s3_database_url,
        data_dir,
        free_port(),
        storage="s3",
        s3_endpoint=s3.endpoint,
        s3_bucket=s3.bucket,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_region=s3.region,
        s3_prefix="noor/",
    )


@pytest.fixture(scope="module")
def s3_service_url(s3_settings: Settings) -> Iterator[str]:
    with live_server(create_app(s3_settings), s3_settings.port) as server:
        yield server.url


@pytest.fixture
async def noor(s3_service_url: str) -> AsyncIterator[NoorClient]:
    client = NoorClient(s3_service_url)
    yield client
    await client.aclose()


async def run_retention(settings: Settings) -> None:
    """One pass of the workers' retention job, as built from the service's settings."""
    assert settings.database_url is not None
    pool = make_pool(settings.database_url, min_size=1, max_size=2)
    await pool.open()
    try:
        await RetentionJob(
            pool,
            media_store(settings),
            DocumentLinks.from_settings(settings),
            checkpoints_kept=settings.checkpoints_kept,
            media_retention_days=settings.media_retention_days,
            document_retention_days=settings.document_retention_days,
        ).run_pass()
    finally:
        await pool.close()


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
    media = s3.store("noor/media/")
    assert await media.get(f"{key[:2]}/{key[2:4]}/{key}") == plan
    await media.aclose()
    assert files_under(data_dir / "media") == []

    served = await manager_download(s3_service_url, f"/media/{row['id']}")
    assert served.status_code == 200
    assert served.content == plan
    assert served.headers["content-type"] == "application/pdf"


async def test_a_quotation_pdf_is_stored_in_the_bucket_and_served_from_it(
    noor: NoorClient, s3: S3Server, s3_settings: Settings, s3_service_url: str, s3_database_url: str, data_dir: Path
) -> None:
    await wait_catalog_synced(s3_database_url)
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
    documents = s3.store("noor/documents/")
    assert await documents.get(quote["pdf_path"]) == pdf.content
    assert files_under(data_dir / "documents") == []

    # a year on, retention deletes it: the link answers 410 and the inbox shows the file expired
    async with await connect(s3_database_url) as conn:
        await conn.execute(
            "UPDATE quotes SET updated_at = now() - interval '400 days' WHERE quote_id = %s", (quote["quote_id"],)
        )
    await run_retention(s3_settings)
    assert not await documents.exists(quote["pdf_path"])
    await documents.aclose()
    async with httpx.AsyncClient() as http:
        gone = await http.get(document["contentUri"])
    assert gone.status_code == 410
    page = await inbox_thread(s3_service_url, s3_database_url, chat)
    assert "[document] deleted on" in page
    assert document["contentUri"] not in page


async def test_an_expired_file_leaves_the_bucket_and_the_inbox_says_so(
    noor: NoorClient, s3: S3Server, s3_settings: Settings, s3_service_url: str, s3_database_url: str
) -> None:
    chat = "971500016103"
    photo = samples.studio_photo()
    await send_file(noor, chat, "image", photo, "IMG-20260601-WA0001.jpg")
    await noor.wait_for_replies(chat)
    [row] = await media_rows(s3_database_url, chat)
    async with await connect(s3_database_url) as conn:
        await conn.execute("UPDATE media SET downloaded_at = now() - interval '200 days' WHERE id = %s", (row["id"],))
    await run_retention(s3_settings)

    media = s3.store("noor/media/")
    key = row["storage_key"]
    assert not await media.exists(f"{key[:2]}/{key[2:4]}/{key}")
    await media.aclose()
    gone = await manager_download(s3_service_url, f"/media/{row['id']}")
    assert gone.status_code == 410
    assert gone.json()["error"] == "expired"
    page = await inbox_thread(s3_service_url, s3_database_url, chat)
    assert "File expired" in page
    assert "IMG-20260601-WA0001.jpg" in page
    assert f'src="/media/{row["id"]}"' not in page


def test_s3_storage_without_a_bucket_or_keys_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="NOOR_STORAGE=s3 needs NOOR_S3_BUCKET, NOOR_S3_ACCESS_KEY, NOOR_S3_SECRET_KEY"
    ):
        service_settings("postgresql://unused", tmp_path, free_port(), storage="s3")
    with pytest.raises(ValueError, match=r"s3 needs NOOR_S3_SECRET_KEY \["):
        service_settings("postgresql://unused", tmp_path, free_port(), storage="s3", s3_bucket="b", s3_access_key="a")
