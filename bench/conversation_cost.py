"""What one customer turn costs as a conversation grows (issue 4).

- LLM calls per turn and prompt tokens per turn at turns 1, 10 and 50 of a long scripted conversation,
  through the fake OpenRouter (counting what it received; tokens by the fake's own counter).
  Targets: <= 2 calls median, <= 3k tokens median, turn 50 <= 1.2 x turn 10.
- Checkpoint bytes written per turn at turn 200 vs turn 1 (AsyncPostgresSaver on Postgres, persisted at the
  end of each turn and pruned, as the worker runs it). Target: turn 200 <= 2 x turn 1. Baseline in the same
  run: the same turns with history left unbounded (no trimming), to show what bounding buys.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection

from agent.context import Context
from agent.models.chat import ChatSalesModel, FallbackModel
from agent.models.offline import OfflineModel
from agent.state import TurnInput
from bench.common import free_port, scratch_database
from graphs.sales import builder
from sandbox.openrouter import DEMO_OPENROUTER_KEY, FakeOpenRouter, _count_tokens
from server.storage.checkpoints import prune_checkpoints
from server.storage.database import make_pool
from tests.support.conversation import demo_services
from tools.llm.openrouter import make_openrouter_chat_model

SCRIPT = [
    "Hi",
    "I need 8 ergonomic chairs, 6,000 AED total",
    "the second one",
    "make it 12",
    "Do you deliver to Abu Dhabi?",
    "How much is MT-AGOR-200100-WHT?",
    "What about an L-shaped desk in walnut?",
    "under 4000 please",
    "Thanks",
    "What warranty do the chairs have?",
]
CHECKPOINT_TURNS = 200
KEPT = 10


def serve(app: Any) -> str:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}"


def turn(n: int) -> TurnInput:
    text = SCRIPT[n % len(SCRIPT)]
    return {
        "turn_id": f"t{n}",
        "inbound": [{"message_id": f"m{n}", "kind": "text", "text": text, "content_uri": None}],
        "customer_name": "Ahmed",
    }


async def llm_costs(context: Context, fake: FakeOpenRouter, pool: Any) -> dict[int, tuple[int, int]]:
    graph = builder.compile(checkpointer=AsyncPostgresSaver(pool))
    config: RunnableConfig = {"configurable": {"thread_id": "llm"}}
    per_turn: dict[int, tuple[int, int]] = {}
    for n in range(1, 51):
        before = len(fake.chat_requests())
        await graph.ainvoke(turn(n - 1), config, context=context, durability="exit")
        requests = fake.chat_requests()[before:]
        tokens = sum(_count_tokens([r.body.get("messages"), r.body.get("tools")]) for r in requests)
        per_turn[n] = (len(requests), tokens)
    return per_turn


async def checkpoint_bytes(context: Context, pool: Any, thread: str, prune: bool) -> list[int]:
    graph = builder.compile(checkpointer=AsyncPostgresSaver(pool))
    config: RunnableConfig = {"configurable": {"thread_id": thread}}
    written: list[int] = []
    async with pool.connection() as conn:
        for n in range(CHECKPOINT_TURNS):
            before = await _stored(conn, thread)
            await graph.ainvoke(turn(n), config, context=context, durability="exit")
            after = await _stored(conn, thread)
            written.append(sum(size for key, size in after.items() if key not in before))
            if prune:
                await prune_checkpoints(conn, thread, KEPT)
    return written


async def _stored(conn: AsyncConnection[Any], thread: str) -> dict[tuple[str, str, str], int]:
    """Every stored row of the thread's checkpoints, keyed so that rows written later are new keys."""
    rows = await (
        await conn.execute(
            """
            SELECT 'checkpoint' AS kind, checkpoint_id AS id, '' AS part,
                   octet_length(checkpoint::text) + octet_length(metadata::text) AS size
              FROM checkpoints WHERE thread_id = %(t)s
            UNION ALL
            SELECT 'write', checkpoint_id, task_id || ':' || idx, octet_length(blob)
              FROM checkpoint_writes WHERE thread_id = %(t)s
            UNION ALL
            SELECT 'blob', channel, version, coalesce(octet_length(blob), 0)
              FROM checkpoint_blobs WHERE thread_id = %(t)s
            """,
            {"t": thread},
        )
    ).fetchall()
    return {(r["kind"], r["id"], r["part"]): int(r["size"]) for r in rows}


async def main() -> None:
    fake = FakeOpenRouter()
    base_url = serve(fake.app)
    chat = make_openrouter_chat_model(
        DEMO_OPENROUTER_KEY, base_url=f"{base_url}/api/v1", model="deepseek/deepseek-v3.2", max_retries=0
    )
    with tempfile.TemporaryDirectory() as folder, scratch_database() as url:
        catalog, knowledge = await demo_services(Path(folder))
        pool = make_pool(url)
        await pool.open()
        await AsyncPostgresSaver(pool).setup()
        llm = Context(
            model=FallbackModel(ChatSalesModel(chat, "deepseek/deepseek-v3.2"), OfflineModel()),
            catalog=catalog,
            knowledge=knowledge,
        )
        costs = await llm_costs(llm, fake, pool)
        offline = Context(model=OfflineModel(), catalog=catalog, knowledge=knowledge)
        bounded = await checkpoint_bytes(offline, pool, "bounded", prune=True)
        unbounded_context = Context(model=OfflineModel(), catalog=catalog, knowledge=knowledge, history_messages=10_000)
        unbounded = await checkpoint_bytes(unbounded_context, pool, "unbounded", prune=False)
        await pool.close()
        catalog.close()

    calls = [c for c, _ in costs.values()]
    tokens = [t for _, t in costs.values()]
    print(f"LLM calls per turn over 50 turns: median {statistics.median(calls)}, max {max(calls)} (target <= 2 median)")
    print(
        f"prompt tokens per turn: median {statistics.median(tokens):.0f} (target <= 3000);"
        f" turn 1 {costs[1][1]}, turn 10 {costs[10][1]}, turn 50 {costs[50][1]};"
        f" turn 50 / turn 10 = {costs[50][1] / costs[10][1]:.2f} (target <= 1.2)"
    )
    for title, written in (("bounded history + pruning", bounded), ("baseline, history unbounded", unbounded)):
        # The script repeats every 10 turns: compare the same message early and late, and whole cycles.
        same = written[190] / written[0]
        cycles = sum(written[-10:]) / sum(written[:10])
        print(
            f"checkpoint bytes written per turn, {title}: turn 1 {written[0]}, turn 191 (same message)"
            f" {written[190]}, ratio {same:.2f}; turns 191-200 vs 1-10: {sum(written[-10:]) / 10:.0f}"
            f" vs {sum(written[:10]) / 10:.0f} bytes/turn, ratio {cycles:.2f} (target <= 2)"
        )


if __name__ == "__main__":
    asyncio.run(main())
