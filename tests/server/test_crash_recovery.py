"""Worker processes: killed mid-turn and replaced, several sharing one database, supervised by `noor run`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from sandbox.wazzup import FakeWazzup
from server.settings import DEMO_CHANNEL_ID
from tests.support.live import LiveServer, free_port, live_server
from tests.support.secrets import PRODUCTION_SECRETS, production_env
from tests.support.wazzup import NoorClient

TOKEN = PRODUCTION_SECRETS["wazzup_webhook_token"]


@pytest.fixture
def fake_wazzup() -> Iterator[tuple[FakeWazzup, LiveServer]]:
    fake = FakeWazzup(api_key="test-key", channel_id=DEMO_CHANNEL_ID)
    with live_server(fake.app) as server:
        yield fake, server


def spawn(
    command: str, database_url: str, wazzup_url: str, port: int, data_dir: Path, **env: str
) -> subprocess.Popen[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "NOOR_DATABASE_URL": database_url,
        "NOOR_PORT": str(port),
        "NOOR_SANDBOX": "false",
        "NOOR_DATA_DIR": str(data_dir),
        "NOOR_WAZZUP_BASE_URL": f"{wazzup_url}/v3",
        **production_env(wazzup_api_key="test-key"),  # outside sandbox mode no demo secret is accepted
        "NOOR_DEBOUNCE_SECONDS": "0.2",
        "NOOR_DEBOUNCE_CAP_SECONDS": "1",
        "NOOR_POLL_INTERVAL_SECONDS": "0.05",
        "NOOR_CATALOG_READY_WAIT_SECONDS": "0",  # no Zoho here: the workers answer without waiting for a catalog
        **env,
    }
    log = (data_dir / f"{command}-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "server", command], env=environment, stdout=log, stderr=log)


def wait_healthy(port: int) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            if response.status_code == 200:
                health: dict[str, object] = response.json()
                return health
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("service did not become healthy")


def turn_state(database_url: str, chat_id: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT t.attempts, t.finished_at IS NOT NULL FROM turns t"
            " JOIN conversations c ON c.id = t.conversation_id WHERE c.chat_id = %s",
            (chat_id,),
        ).fetchall()


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def test_a_worker_killed_mid_turn_is_answered_exactly_once_by_its_replacement(
    database_url: str, tmp_path: Path, fake_wazzup: tuple[FakeWazzup, LiveServer]
) -> None:
    fake, wazzup = fake_wazzup
    port = free_port()
    fake.state.webhooks_uri = f"http://127.0.0.1:{port}/webhooks/wazzup?token={TOKEN}"
    api = spawn("run", database_url, wazzup.url, port, tmp_path, NOOR_WORKER_PROCESSES="0")
    wait_healthy(port)
    slow = spawn("worker", database_url, wazzup.url, port, tmp_path, NOOR_OFFLINE_LATENCY_SECONDS="30")
    noor = NoorClient(f"http://127.0.0.1:{port}", wazzup_url=wazzup.url, token=TOKEN)
    replacement = None
    try:
        await noor.say("971500000100", "Hello")
        deadline = time.monotonic() + 20
        while turn_state(database_url, "971500000100") != [(1, False)]:
            assert time.monotonic() < deadline, "the turn never started"
            await asyncio.sleep(0.05)
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
        assert fake.sent_to("971500000100") == []

        replacement = spawn("worker", database_url, wazzup.url, port, tmp_path)
        replies = await noor.wait_for_replies("971500000100", timeout=30)
        assert len(replies) == 1
        assert "Noor" in replies[0]["text"]
        assert len(await noor.settle("971500000100", 1.5)) == 1
        assert turn_state(database_url, "971500000100") == [(2, True)]
    finally:
        stop(api, slow, *([replacement] if replacement else []))
        await noor.aclose()


async def test_two_worker_processes_on_one_database_answer_each_chat_once(
    database_url: str, tmp_path: Path, fake_wazzup: tuple[FakeWazzup, LiveServer]
) -> None:
    fake, wazzup = fake_wazzup
    port = free_port()
    fake.state.webhooks_uri = f"http://127.0.0.1:{port}/webhooks/wazzup?token={TOKEN}"
    service = spawn("run", database_url, wazzup.url, port, tmp_path, NOOR_WORKER_PROCESSES="2")
    noor = NoorClient(f"http://127.0.0.1:{port}", wazzup_url=wazzup.url, token=TOKEN)
    chats = [f"9715000002{n:02d}" for n in range(12)]
    try:
        pids = wait_healthy(port)["worker_pids"]
        assert isinstance(pids, list)
        assert len(pids) == 2
        await asyncio.gather(*(noor.say(chat, "Hello") for chat in chats))
        await asyncio.gather(*(noor.wait_for_replies(chat, timeout=30) for chat in chats))
        await asyncio.sleep(1.5)
        assert {chat: len(fake.sent_to(chat)) for chat in chats} == dict.fromkeys(chats, 1)
    finally:
        stop(service)
        await noor.aclose()


async def test_noor_run_replaces_a_worker_that_dies(
    database_url: str, tmp_path: Path, fake_wazzup: tuple[FakeWazzup, LiveServer]
) -> None:
    fake, wazzup = fake_wazzup
    port = free_port()
    fake.state.webhooks_uri = f"http://127.0.0.1:{port}/webhooks/wazzup?token={TOKEN}"
    service = spawn("run", database_url, wazzup.url, port, tmp_path)
    noor = NoorClient(f"http://127.0.0.1:{port}", wazzup_url=wazzup.url, token=TOKEN)
    try:
        pids = wait_healthy(port)["worker_pids"]
        assert isinstance(pids, list)
        assert len(pids) == 1
        first = int(pids[0])
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while wait_healthy(port)["worker_pids"] in ([], [first]):
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            await asyncio.sleep(0.2)
        await noor.say("971500000300", "Hello")
        assert len(await noor.wait_for_replies("971500000300", timeout=30)) == 1
    finally:
        stop(service)
        await noor.aclose()
