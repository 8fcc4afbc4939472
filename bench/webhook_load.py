"""Webhook acknowledgement under load on loopback: one API process (plus its worker process).

Targets (issue 2): p99 <= 25 ms at 200 requests/s, and closed-loop throughput at least half of a bare
FastAPI endpoint measured in the same run. The traffic is what Wazzup sends: for each customer message,
about three more webhooks (our echo, "delivered", "read"). So one request in four is a new customer
message (a turn, a reply sent to the fake Wazzup in its own process) and three are status updates.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from bench.common import free_port, percentile, process, python, scratch_database, summary_ms, wait_until_healthy
from bench.loadgen import closed_loop, encode, open_loop
from server.settings import DEMO_CHANNEL_ID, DEMO_SECRETS

RATE_PER_SECOND = 200
DURATION_SECONDS = 15.0
CLOSED_LOOP_CONNECTIONS = 16
CLOSED_LOOP_SECONDS = 8.0
CHATS = 400

# NOOR_SANDBOX=false refuses every demo secret: the run has its own (the fake Wazzup gets the same API key)
SECRETS = {f"NOOR_{name.upper()}": f"bench-{name.replace('_', '-')}-0123456789" for name in DEMO_SECRETS}


def webhook_body(n: int) -> dict[str, Any]:
    """Request n of the mix: every fourth is a customer message, the others are statuses."""
    if n % 4:
        status = ("sent", "delivered", "read")[n % 4 - 1]
        return {
            "statuses": [{"messageId": str(uuid.uuid4()), "timestamp": "2026-09-14T08:12:52.000Z", "status": status}]
        }
    chat = f"97155{n // 4 % CHATS:07d}"
    return {
        "messages": [
            {
                "messageId": str(uuid.uuid4()),
                "dateTime": "2026-09-14T08:12:45.301Z",
                "channelId": DEMO_CHANNEL_ID,
                "chatType": "whatsapp",
                "chatId": chat,
                "type": "text",
                "isEcho": False,
                "status": "inbound",
                "text": "Hello, do you have ergonomic chairs?",
                "contact": {"name": "Bench", "phone": chat},
            }
        ]
    }


def encoded_body(n: int) -> bytes:
    return encode(webhook_body(n))


def kind(n: int) -> str:
    return "statuses" if n % 4 else "messages"


def measure_noor(worker_processes: int, wazzup_port: int) -> tuple[dict[str, list[float]], int, float, int]:
    """Open-loop latencies at the target rate, then closed-loop throughput, on a fresh database."""
    noor_port = free_port()
    with scratch_database() as database_url:
        env = {
            "NOOR_DATABASE_URL": database_url,
            "NOOR_PORT": str(noor_port),
            "NOOR_LOG_LEVEL": "WARNING",
            "NOOR_SANDBOX": "false",
            "NOOR_WORKER_PROCESSES": str(worker_processes),
            "NOOR_WAZZUP_BASE_URL": f"http://127.0.0.1:{wazzup_port}/v3",
            **SECRETS,
        }
        with process([python(), "-m", "server", "run"], env):
            wait_until_healthy(f"http://127.0.0.1:{noor_port}/health")
            url = f"http://127.0.0.1:{noor_port}/webhooks/wazzup?token={SECRETS['NOOR_WAZZUP_WEBHOOK_TOKEN']}"
            asyncio.run(open_loop(url, 50, 2.0, encoded_body, kind))  # warm-up
            latencies, errors = asyncio.run(open_loop(url, RATE_PER_SECOND, DURATION_SECONDS, encoded_body, kind))
            rps = asyncio.run(closed_loop(url, CLOSED_LOOP_CONNECTIONS, CLOSED_LOOP_SECONDS, encoded_body))
            sent = len(httpx.get(f"http://127.0.0.1:{wazzup_port}/sent", timeout=10).json())
    return latencies, errors, rps, sent


def main() -> None:
    bare_port, wazzup_port = free_port(), free_port()
    uvicorn = [python(), "-m", "uvicorn", "--log-level", "warning"]
    with process([*uvicorn, "bench.bare_app:app", "--port", str(bare_port)]):
        wait_until_healthy(f"http://127.0.0.1:{bare_port}/health")
        bare_url = f"http://127.0.0.1:{bare_port}/webhooks/wazzup"
        asyncio.run(closed_loop(bare_url, CLOSED_LOOP_CONNECTIONS, 1.0, encoded_body))  # warm-up
        bare_rps = asyncio.run(closed_loop(bare_url, CLOSED_LOOP_CONNECTIONS, CLOSED_LOOP_SECONDS, encoded_body))
        bare_latency, _ = asyncio.run(open_loop(bare_url, RATE_PER_SECOND, 5.0, encoded_body, kind))

    with process([*uvicorn, "bench.fake_wazzup_app:create", "--factory", "--port", str(wazzup_port)], SECRETS):
        box, box_errors, box_rps, box_sent = measure_noor(1, wazzup_port)
        node, node_errors, node_rps, _ = measure_noor(0, wazzup_port)

    print(
        f"bare FastAPI (baseline): {bare_rps:.0f} req/s closed loop;"
        f" at {RATE_PER_SECOND} req/s {summary_ms(bare_latency['all'])}"
    )
    for title, latencies, errors, rps in (
        ("one box: API process + its worker process turning every customer message", box, box_errors, box_rps),
        ("API node: turns run by workers elsewhere", node, node_errors, node_rps),
    ):
        p99 = percentile(latencies["all"], 0.99) * 1000
        ratio = rps / bare_rps
        print(f"{title}")
        print(
            f"  ack at {RATE_PER_SECOND} req/s for {DURATION_SECONDS:.0f} s:"
            f" {summary_ms(latencies['all'])} errors={errors}"
        )
        print(f"    customer messages: {summary_ms(latencies['messages'])}")
        print(f"    statuses:          {summary_ms(latencies['statuses'])}")
        print(f"  p99 {p99:.1f} ms, target <= 25 ms: {'PASS' if p99 <= 25 else 'MISS'}")
        print(
            f"  throughput {rps:.0f} req/s = {ratio:.2f} x bare, target >= 0.50: {'PASS' if ratio >= 0.5 else 'MISS'}"
        )
    print(f"replies the one-box worker sent during its run: {box_sent}")


if __name__ == "__main__":
    main()
