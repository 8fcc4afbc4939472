"""Non-LLM overhead of one turn (issues 2 and 4): webhook in, reply out at the fake Wazzup, offline model.

The service runs as `noor run` does (API process + a worker process, sandbox on, debounce off so only the
pipeline is measured). Latency = when the fake Wazzup received the reply minus when the webhook was posted
(same clock). Target: p50 <= 150 ms. Baseline in the same run: the same turns through the graph alone, in
memory (no HTTP, no Postgres, no queue): what the pipeline around the graph adds is the difference.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver

from agent.context import Context
from agent.models.offline import OfflineModel
from agent.state import TurnInput
from bench.common import (
    customer_message,
    free_port,
    percentile,
    process,
    python,
    scratch_database,
    service_env,
    wait_until_healthy,
)
from graphs.sales import builder
from tests.support.conversation import demo_services

CHATS = 8
MARKS = ["🙂", "👍", "🙏", "✨", "🌟", "👋", "😊", "🤝", "💼", "🪑", "📦", "✅", "🔹", "🔸", "🟢", "🟣", "⭐", "🌿"]
SCRIPT = [
    ("greeting", "Hello"),
    ("search", "I need 8 ergonomic chairs, 6,000 AED total"),
    ("pick", "the second one"),
    ("faq", "Do you deliver to Abu Dhabi?"),
    ("sku", "How much is MT-AGOR-200100-WHT?"),
    ("thanks", "Thanks!"),
]


async def through_service(url: str, run: int) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(CHATS):
            chat = f"97157{run}0000{n:02d}"
            for count, (kind, text) in enumerate(SCRIPT, start=1):
                # Every message new to the service (query vectors are kept for repeats): as customers write.
                unique = f"{text} {MARKS[(run * CHATS + n) % len(MARKS)]}"
                posted = time.time()
                await http.post(
                    f"{url}/webhooks/wazzup",
                    params={"token": "demo-webhook-token"},
                    json=customer_message(chat, unique),
                )
                while True:
                    sent = (await http.get(f"{url}/sandbox/wazzup/sent", params={"chatId": chat})).json()
                    if len(sent) >= count:
                        break
                    await asyncio.sleep(0.005)
                received = datetime.fromisoformat(sent[-1]["receivedAt"].replace("Z", "+00:00")).timestamp()
                latencies.setdefault(kind, []).append(received - posted)
    return latencies


async def graph_alone() -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        catalog, knowledge = await demo_services(Path(folder))
        graph = builder.compile(checkpointer=InMemorySaver())
        context = Context(model=OfflineModel(), catalog=catalog, knowledge=knowledge)
        latencies: dict[str, list[float]] = {}
        for n in range(CHATS):
            config: RunnableConfig = {"configurable": {"thread_id": f"t{n}"}}
            for i, (kind, text) in enumerate(SCRIPT):
                turn: TurnInput = {
                    "turn_id": f"{n}-{i}",
                    "inbound": [{"message_id": f"{n}-{i}", "kind": "text", "text": text, "content_uri": None}],
                    "customer_name": None,
                }
                started = time.perf_counter()
                await graph.ainvoke(turn, config, context=context)
                latencies.setdefault(kind, []).append(time.perf_counter() - started)
        catalog.close()
    return latencies


# Where a turn's time goes, from the rows' own timestamps (one Postgres clock): stored = the webhook's durable
# store; ingested = the message row the worker wrote from it (after NOTIFY woke it); claimed = the turn opened by a
# dispatcher task (wake-up, candidates, advisory lock); queued = the reply in the outbox (graph, checkpoints and the
# completing transaction: the graph and its checkpoint writes are not told apart here); sent = Wazzup answered.
STAGES_SQL = """
SELECT extract(epoch FROM min(o.created_at) - t.started_at) AS turn,
       extract(epoch FROM t.started_at - max(m.created_at)) AS claim,
       extract(epoch FROM max(m.created_at) - max(d.received_at)) AS ingest,
       extract(epoch FROM min(o.sent_at) - min(o.created_at)) AS send
  FROM turns t
  JOIN messages m ON m.id = ANY(t.inbound_ids)
  JOIN webhook_deliveries d ON d.body -> 'messages' -> 0 ->> 'messageId' = m.provider_message_id
  JOIN outbox o ON o.turn_id = t.id
  JOIN conversations c ON c.id = t.conversation_id
 WHERE c.chat_id LIKE %s
 GROUP BY t.id
"""


def stages(database_url: str, chat_prefix: str) -> dict[str, list[float]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(STAGES_SQL, (f"{chat_prefix}%",)).fetchall()
    names = ["turn", "claim", "ingest", "send"]
    return {name: [float(row[i]) for row in rows] for i, name in enumerate(names)}


def report(title: str, latencies: dict[str, list[float]]) -> float:
    every = [v for values in latencies.values() for v in values]
    print(
        f"{title}: p50 {percentile(every, 0.5) * 1000:.0f} ms,"
        f" p95 {percentile(every, 0.95) * 1000:.0f} ms (n={len(every)})"
    )
    for kind, values in latencies.items():
        print(
            f"  {kind:9s} p50 {statistics.median(values) * 1000:6.0f} ms  p95 {percentile(values, 0.95) * 1000:6.0f} ms"
        )
    return percentile(every, 0.5)


def main() -> None:
    port = free_port()
    with scratch_database() as database_url, tempfile.TemporaryDirectory() as data_dir:
        env = service_env(database_url, port, data_dir)
        with process([python(), "-m", "server", "run"], env):
            wait_until_healthy(f"http://127.0.0.1:{port}/health", timeout=180)
            url = f"http://127.0.0.1:{port}"
            asyncio.run(through_service(url, run=1))  # warm-up: models loaded, indexes ready
            service = asyncio.run(through_service(url, run=2))
            breakdown = stages(database_url, "971572")
    alone = asyncio.run(graph_alone())
    p50 = report("one turn through the service (webhook to reply at the fake Wazzup)", service)
    base = report("baseline: the same turns through the graph alone, in memory", alone)
    print("where the time goes (p50 / p95 per stage, from the rows' timestamps):")
    for name, title in (
        ("ingest", "stored webhook -> message row (NOTIFY, ingest)"),
        ("claim", "message row -> turn opened (wake-up, candidates, lock)"),
        ("turn", "turn opened -> reply in the outbox (graph, checkpoints, commit)"),
        ("send", "reply in the outbox -> Wazzup answered (sender wake-up, HTTP)"),
    ):
        values = breakdown[name]
        print(f"  {title:66s} {percentile(values, 0.5) * 1000:6.1f} / {percentile(values, 0.95) * 1000:6.1f} ms")
    print(
        f"p50 {p50 * 1000:.0f} ms (target <= 150 ms): {'PASS' if p50 <= 0.150 else 'MISS'};"
        f" ratio to the graph alone {p50 / base:.2f}"
    )


if __name__ == "__main__":
    main()
