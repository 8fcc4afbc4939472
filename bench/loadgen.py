"""A lean HTTP/1.1 load generator on raw asyncio streams (keep-alive, pre-encoded bodies).

httpx costs as much CPU per request as the service under test; on a 2-core machine that distorts the
very latencies being measured. This one parses only the status line and Content-Length.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def post(self, head: bytes, body: bytes) -> int:
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed the keep-alive connection
            raise ConnectionError("connection closed")
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return int(status_line.split(b" ", 2)[1])


class LoadGenerator:
    def __init__(self, url: str, connections: int = 64) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.head = (
            f"POST {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.size = connections
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()

    async def __aenter__(self) -> LoadGenerator:
        for _ in range(self.size):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.idle.put_nowait(Connection(reader, writer))
        return self

    async def __aexit__(self, *exc: object) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().writer.close()

    async def post(self, body: bytes) -> int:
        connection = await self.idle.get()
        try:
            status = await connection.post(self.head, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            connection = Connection(reader, writer)
            status = 599
        self.idle.put_nowait(connection)
        return status


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


async def open_loop(
    url: str, rate: float, duration: float, body: Callable[[int], bytes], label: Callable[[int], str]
) -> tuple[dict[str, list[float]], int]:
    """Requests at a fixed rate whatever the answers' speed (no coordinated omission): latency is measured
    from when each request was due, not from when a connection freed up."""
    latencies: dict[str, list[float]] = {"all": []}
    errors = 0
    async with LoadGenerator(url, connections=128) as generator:

        async def one(n: int, due: float) -> None:
            nonlocal errors
            status = await generator.post(body(n))
            elapsed = time.perf_counter() - due
            errors += status != 200
            latencies["all"].append(elapsed)
            latencies.setdefault(label(n), []).append(elapsed)

        tasks = []
        start = time.perf_counter()
        for n in range(int(rate * duration)):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
    return latencies, errors


async def closed_loop(url: str, connections: int, duration: float, body: Callable[[int], bytes]) -> float:
    """As many requests as `connections` clients can push: requests per second."""
    done = 0
    async with LoadGenerator(url, connections=connections) as generator:
        deadline = time.perf_counter() + duration

        async def client(offset: int) -> None:
            nonlocal done
            n = offset
            while time.perf_counter() < deadline:
                await generator.post(body(n))
                done += 1
                n += connections

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(connections)))
        return done / (time.perf_counter() - started)
