"""Worker processes: killed mid-turn and restarted, and two of them sharing one database."""

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
from server.settings import DEMO_CHANNEL_ID, DEMO_WEBHOOK_TOKEN
from tests.support.live import LiveServer, free_port, live_server
from tests.support.wazzup import NoorClient


@pytest.fixture
def fake_wazzup() -> Iterator[tuple[FakeWazzup, LiveServer]]:
    fake = FakeWazzup(api_key="test-key", channel_id=DEMO_CHANNEL_ID)
    with live_server(fake.app) as server:
        yield fake, server


def start_worker(database_url: str, wazzup_url: str, port: int, data_dir: Path, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "NOOR_DATABASE_URL": database_url,
        "NOOR_PORT": str(port),
        "NOOR_SANDBOX": "false",
        "NOOR_DATA_DIR": str(data_dir),
        "NOOR_WAZZUP_BASE_URL": f"{wazzup_url}/v3",
        "NOOR_WAZZUP_API_KEY": "test-key",
        "NOOR_DEBOUNCE_SECONDS": "0.2",
        "NOOR_DEBOUNCE_CAP_SECONDS": "1",
        "NOOR_POLL_INTERVAL_SECONDS": "0.05",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "run"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("worker did not become healthy")


def turn_state(database_url: str, chat_id: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT t.attempts, t.finished_at IS NOT NULL FROM turns t"
            " JOIN conversations c ON c.id = t.conversation_id WHERE c.chat_id = %s",
            (chat_id,),
        ).fetchall()


async def test_a_worker_killed_mid_turn_is_answered_exactly_once_after_restart(
    database_url: str, tmp_path: Path, fake_wazzup: tuple[FakeWazzup, LiveServer]
) -> None:
    fake, wazzup = fake_wazzup
    port = free_port()
    fake.state.webhooks_uri = f"http://127.0.0.1:{port}/webhooks/wazzup?token={DEMO_WEBHOOK_TOKEN}"
    slow = start_worker(database_url, wazzup.url, port, tmp_path, NOOR_OFFLINE_LATENCY_SECONDS="30")
    noor = NoorClient(f"http://127.0.0.1:{port}", wazzup_url=wazzup.url)
    try:
        await noor.say("971500000100", "Hello")
        deadline = time.monotonic() + 10
        while turn_state(database_url, "971500000100") != [(1, False)]:
            assert time.monotonic() < deadline, "the turn never started"
            await asyncio.sleep(0.05)
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
        assert fake.sent_to("971500000100") == []

        restarted = start_worker(database_url, wazzup.url, port, tmp_path)
        try:
            replies = await noor.wait_for_replies("971500000100", timeout=20)
            assert len(replies) == 1
            assert "Noor" in replies[0]["text"]
            assert len(await noor.settle("971500000100", 1.5)) == 1
            assert turn_state(database_url, "971500000100") == [(2, True)]
        finally:
            restarted.terminate()
            restarted.wait(timeout=15)
    finally:
        if slow.poll() is None:
            slow.kill()
        await noor.aclose()


async def test_two_worker_processes_on_one_database_answer_each_chat_once(
    database_url: str, tmp_path: Path, fake_wazzup: tuple[FakeWazzup, LiveServer]
) -> None:
    fake, wazzup = fake_wazzup
    ports = [free_port(), free_port()]
    fake.state.webhooks_uri = f"http://127.0.0.1:{ports[0]}/webhooks/wazzup?token={DEMO_WEBHOOK_TOKEN}"
    workers = [start_worker(database_url, wazzup.url, port, tmp_path / str(port)) for port in ports]
    clients = [NoorClient(f"http://127.0.0.1:{port}", wazzup_url=wazzup.url) for port in ports]
    chats = [f"9715000002{n:02d}" for n in range(12)]
    try:
        # Webhooks land on both processes, as behind a load balancer.
        await asyncio.gather(*(clients[n % 2].say(chat, "Hello") for n, chat in enumerate(chats)))
        await asyncio.gather(*(clients[0].wait_for_replies(chat, timeout=20) for chat in chats))
        await asyncio.sleep(1.5)
        assert {chat: len(fake.sent_to(chat)) for chat in chats} == dict.fromkeys(chats, 1)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=15)
        for client in clients:
            await client.aclose()
