"""Shared pieces of the benchmarks: processes on loopback, a scratch database, percentiles."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from server.settings import DEMO_CHANNEL_ID
from server.storage.database import drop_database, resolve_database_url

BENCH_DATA_DIR = Path(".data/bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> str:
    return (
        f"n={len(values)} p50={percentile(values, 0.5) * 1000:.1f} ms p95={percentile(values, 0.95) * 1000:.1f} ms"
        f" p99={percentile(values, 0.99) * 1000:.1f} ms mean={statistics.fmean(values) * 1000:.1f} ms"
    )


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh database on whichever Postgres the service would pick, dropped afterwards."""
    base = resolve_database_url(os.environ.get("NOOR_DATABASE_URL"), BENCH_DATA_DIR, "postgres")
    info = psycopg.conninfo.conninfo_to_dict(base)
    info["dbname"] = f"noor_bench_{uuid.uuid4().hex[:8]}"
    url = psycopg.conninfo.make_conninfo("", **info)
    resolve_database_url(url, BENCH_DATA_DIR)
    try:
        yield url
    finally:
        drop_database(url)


def wait_until_healthy(url: str, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def process(args: Sequence[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        list(args), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def python() -> str:
    return sys.executable


def customer_message(chat: str, text: str) -> dict[str, object]:
    """A webhook body with one customer text message, as Wazzup posts it."""
    return {
        "messages": [
            {
                "messageId": str(uuid.uuid4()),
                "channelId": DEMO_CHANNEL_ID,
                "chatType": "whatsapp",
                "chatId": chat,
                "type": "text",
                "isEcho": False,
                "status": "inbound",
                "text": text,
                "contact": {"name": "Bench"},
            }
        ]
    }


def service_env(database_url: str, port: int, data_dir: str) -> dict[str, str]:
    """`noor run` for a benchmark: its own database, port and data folder, quiet logs, no debounce."""
    return {
        "NOOR_DATABASE_URL": database_url,
        "NOOR_PORT": str(port),
        "NOOR_DATA_DIR": data_dir,
        "NOOR_LOG_LEVEL": "WARNING",
        "NOOR_DEBOUNCE_SECONDS": "0",
        "NOOR_DEBOUNCE_CAP_SECONDS": "0",
    }
