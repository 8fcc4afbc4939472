"""The S3 store against a real S3 implementation (moto's server, signatures checked): objects go in and
come out, a missing key and wrong credentials answer clearly, and keys cannot leave the store."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.s3 import S3Server, s3_server
from tools.media import MediaStore
from tools.storage import LocalObjectStore, ObjectNotFound, ObjectStore, StorageError
from tools.storage.s3 import S3ObjectStore


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture
async def store(s3: S3Server) -> AsyncIterator[S3ObjectStore]:
    store = s3.store("media/")
    yield store
    await store.aclose()


async def test_objects_go_in_come_out_and_go_away(store: S3ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    key = "ab/cd/voice-note_1.ogg"
    await store.put(key, b"OggS audio", content_type="audio/ogg")
    assert await store.exists(key)
    assert await store.get(key) == b"OggS audio"
    await store.put(key, b"OggS replaced", content_type="audio/ogg")
    assert await store.get(key) == b"OggS replaced"
    assert store.local_path(key) is None
    await store.delete(key)
    assert not await store.exists(key)
    with pytest.raises(ObjectNotFound):
        await store.get(key)
    await store.delete(key)  # already gone: fine


async def test_a_missing_key_is_not_found_and_a_bad_key_is_refused(store: S3ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        await store.get("never/stored.pdf")
    assert not await store.exists("never/stored.pdf")
    for bad in ("../escape", "a//b", "/abs", "a/../b", ""):
        with pytest.raises(ObjectNotFound):
            await store.get(bad)


async def test_prefixes_keep_areas_apart(s3: S3Server) -> None:
    media, documents = s3.store("media/"), s3.store("documents/")
    await documents.put("WA-1-Q1.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert await documents.get("WA-1-Q1.pdf") == b"%PDF-1.4"
    assert not await media.exists("WA-1-Q1.pdf")
    await media.aclose()
    await documents.aclose()


async def test_wrong_credentials_get_a_clear_error(s3: S3Server) -> None:
    wrong_secret = replace(s3, secret_key="not-the-secret").store("media/")
    with pytest.raises(StorageError, match=r"403 SignatureDoesNotMatch.*NOOR_S3_SECRET_KEY"):
        await wrong_secret.put("x.pdf", b"%PDF", content_type="application/pdf")
    unknown_key = replace(s3, access_key="AKIAUNKNOWN000000000").store("media/")
    with pytest.raises(StorageError, match=r"403 InvalidAccessKeyId"):
        await unknown_key.get("x.pdf")
    with pytest.raises(StorageError, match="403"):
        await unknown_key.exists("x.pdf")
    no_bucket = replace(s3, bucket="no-such-bucket").store("media/")
    with pytest.raises(StorageError, match="does not exist"):
        await no_bucket.get("x.pdf")
    for store in (wrong_secret, unknown_key, no_bucket):
        await store.aclose()


async def test_an_unreachable_endpoint_is_a_storage_error() -> None:
    store = S3ObjectStore("http://127.0.0.1:9", "b", access_key="a", secret_key="s", timeout_seconds=2)
    with pytest.raises(StorageError, match="ConnectError"):
        await store.get("x")
    await store.aclose()


async def test_the_local_store_keeps_the_same_contract(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    await store.put("ab/cd/x.ogg", b"data", content_type="audio/ogg")
    assert await store.get("ab/cd/x.ogg") == b"data"
    assert store.local_path("ab/cd/x.ogg") == tmp_path / "ab/cd/x.ogg"
    await store.delete("ab/cd/x.ogg")
    await store.delete("ab/cd/x.ogg")
    assert not await store.exists("ab/cd/x.ogg")
    with pytest.raises(ObjectNotFound):
        await store.get("../x")


async def test_media_on_s3_is_content_addressed_and_stored_once(store: S3ObjectStore) -> None:
    media = MediaStore(store)
    key = await media.put(b"%PDF-1.4 plan", content_type="application/pdf")
    assert key == hashlib.sha256(b"%PDF-1.4 plan").hexdigest()
    assert await media.put(b"%PDF-1.4 plan", content_type="application/pdf") == key
    assert await store.get(f"{key[:2]}/{key[2:4]}/{key}") == b"%PDF-1.4 plan"
    assert media.local_path(key) is None
    await media.delete(key)
    assert not await media.exists(key)
