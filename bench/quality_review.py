"""Quality review of 1,000 stored conversations, offline (issue 12) — `uv run python -m bench.quality_review`.

A fresh database gets 1,000 conversations seeded from the hand-labelled calibration transcripts (EN, AR,
Arabizi, RU; good and bad; with each bot message's facts and the escalations), each chat a little different
(its own customer, names and times). Then, one conversation at a time on one connection:

- baseline: load every transcript from Postgres (QualityStore.load_transcript) and nothing else;
- review: load, review with the offline reviewer, save the review (the quality graph's work, without the graph);
- graph: the same through graphs/quality.py (load → review → store), which re-reviews every conversation;
- then, over the 1,000 conversations and their reviews: the KPIs of the period (server/desk/metrics.py), the
  dashboard behind /admin and the weekly report (KPIs, lowest scores, charts) rendered as HTML and as PDF, and the
  low-score alert scan (server/worker/jobs/quality_alerts.py), each timed over a few repeats (median).

Printed: wall time, per-conversation p50/p95/mean, peak Python memory (tracemalloc, in a separate pass so it does
not slow the timed one) and each phase's ratio to the baseline of the same run.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from agent.quality.context import QualityContext
from agent.quality.offline import OfflineReviewer
from bench.common import percentile, scratch_database
from evals.calibration import load_cases
from graphs.quality import graph
from server.desk.metrics import Period, metrics
from server.desk.quality import QualityStore
from server.desk.reports import build_dashboard, report_html, report_pdf
from server.storage.database import make_pool
from server.storage.migrations import apply_migrations
from server.worker.jobs.quality_alerts import DUE_SQL

CONVERSATIONS = 1000
CHANNEL = "3f9c1a22-7d54-4b8e-a1c0-5e6f7a8b9c0d"


async def seed(pool: AsyncConnectionPool[Any], count: int) -> int:
    """`count` conversations cycling through the calibration transcripts; returns the messages written."""
    cases = load_cases()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    written = 0
    async with pool.connection() as conn, conn.transaction():
        for n in range(count):
            t = cases[n % len(cases)].transcript
            chat = f"9715{n:08d}"
            row = await (
                await conn.execute(
                    "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name) VALUES (%s, %s, %s, %s)"
                    " RETURNING id",
                    (CHANNEL, chat, f"{CHANNEL}:{chat}", t.customer_name and f"{t.customer_name}"),
                )
            ).fetchone()
            assert row is not None
            conversation = row["id"]
            at = start + timedelta(minutes=7 * n)
            ids: dict[int, int] = {}
            for m in t.messages:
                stored = await (
                    await conn.execute(
                        "INSERT INTO messages (conversation_id, direction, author, kind, text, status, facts,"
                        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                        (
                            conversation,
                            m.direction,
                            m.author,
                            m.kind,
                            m.text,
                            "answered" if m.by_customer else "sent",
                            None if m.facts is None else Jsonb(m.facts),
                            at + timedelta(seconds=40 * m.id),
                        ),
                    )
                ).fetchone()
                assert stored is not None
                ids[m.id] = stored["id"]
                written += 1
            for number, e in enumerate(t.escalations, start=1):
                await conn.execute(
                    "INSERT INTO escalations (conversation_id, episode, reason, reasons, status,"
                    " started_after_message_id, resolved_at, alert_status)"
                    " VALUES (%s, %s, %s, %s, 'resolved', %s, now(), 'skipped')",
                    (conversation, number, e.reason, list(e.reasons), ids.get(e.after_message_id, 0)),
                )
    return written


Phase = Callable[[int], Awaitable[None]]


async def timed(phase: Phase, conversations: list[int]) -> tuple[float, list[float]]:
    each = []
    started = time.perf_counter()
    for conversation in conversations:
        t0 = time.perf_counter()
        await phase(conversation)
        each.append(time.perf_counter() - t0)
    return time.perf_counter() - started, each


async def peak_memory(phase: Phase, conversations: list[int]) -> int:
    tracemalloc.start()
    try:
        for conversation in conversations:
            await phase(conversation)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def median_of(repeats: int, work: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def admin_figures(pool: AsyncConnectionPool[Any]) -> dict[str, float]:
    """The admin's reads over what the phases above stored (seeded in November, reviewed today)."""
    period = Period(since=date(2026, 11, 1), until=datetime.now(UTC).date() + timedelta(days=2))
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO managers (id, name, email, access, telegram_chat_id)"
            " VALUES ('head', 'Head', 'head@example.com', 'head_of_sales', 1)"
        )
        dashboard = await build_dashboard(conn, period, "http://127.0.0.1:8000")
        assert dashboard.metrics.totals.conversations == CONVERSATIONS
        assert dashboard.metrics.totals.quality.reviews == CONVERSATIONS

        async def scan() -> None:
            await (await conn.execute(DUE_SQL, {"threshold": 0.6, "days": 7, "limit": 10})).fetchall()

        return {
            "KPIs of the period (metrics)": await median_of(5, lambda: metrics(conn, period)),
            "dashboard: KPIs + lowest scores + 5 charts": await median_of(
                5, lambda: build_dashboard(conn, period, "http://127.0.0.1:8000")
            ),
            "report as HTML (from the dashboard)": await median_of(
                5, lambda: asyncio.to_thread(report_html, dashboard)
            ),
            "report as PDF (from the dashboard)": await median_of(3, lambda: asyncio.to_thread(report_pdf, dashboard)),
            "low-score alert scan": await median_of(5, scan),
        }


async def main() -> None:
    with scratch_database() as url:
        pool = make_pool(url, min_size=1, max_size=2)
        await pool.open()
        try:
            await apply_migrations(pool)
            t0 = time.perf_counter()
            messages = await seed(pool, CONVERSATIONS)
            seeded = time.perf_counter() - t0
            async with pool.connection() as conn:
                rows = await (await conn.execute("SELECT id FROM conversations ORDER BY id")).fetchall()
            conversations = [int(r["id"]) for r in rows]
            store = QualityStore(pool)
            reviewer = OfflineReviewer()
            context = QualityContext(reviewer=reviewer, store=store)
            shares: list[float] = []

            async def load_only(conversation: int) -> None:
                assert await store.load_transcript(conversation) is not None

            async def review_and_save(conversation: int) -> None:
                transcript = await store.load_transcript(conversation)
                assert transcript is not None
                review = reviewer.review_now(transcript)
                await store.save_review(review)
                if review.share is not None:
                    shares.append(review.share)

            async def through_graph(conversation: int) -> None:
                out = await graph.ainvoke({"conversation_id": conversation}, context=context)
                assert out["review"] is not None

            pure: list[float] = []
            transcripts = [await store.load_transcript(c) for c in conversations]
            for transcript in transcripts:
                assert transcript is not None
                t1 = time.perf_counter()
                reviewer.review_now(transcript)
                pure.append(time.perf_counter() - t1)

            await timed(load_only, conversations[:50])  # warm-up: connection, plans, caches
            results = {
                "baseline: load transcripts": await timed(load_only, conversations),
                "load + review + save": await timed(review_and_save, conversations),
                "quality graph (re-review)": await timed(through_graph, conversations),
            }
            memory = {
                "baseline: load transcripts": await peak_memory(load_only, conversations),
                "load + review + save": await peak_memory(review_and_save, conversations),
                "quality graph (re-review)": await peak_memory(through_graph, conversations),
            }
            admin = await admin_figures(pool)
            async with pool.connection() as conn:
                stored = await (
                    await conn.execute("SELECT count(*) AS n, max(revision) AS rev FROM quality_reviews")
                ).fetchone()
        finally:
            await pool.close()
    assert stored is not None
    print(f"seeded {CONVERSATIONS} conversations, {messages} messages in {seeded:.1f} s")
    print(f"reviews stored: {stored['n']} (latest revision {stored['rev']}); mean share {statistics.fmean(shares):.2f}")
    print(
        f"offline reviewer alone (in memory): p50 {percentile(pure, 0.5) * 1000:.2f} ms,"
        f" p95 {percentile(pure, 0.95) * 1000:.2f} ms, total {sum(pure):.2f} s"
    )
    baseline = results["baseline: load transcripts"][0]
    print()
    print("| phase | wall time | per conversation p50 / p95 / mean | peak Python memory | × baseline |")
    print("|---|---|---|---|---|")
    for name, (total, each) in results.items():
        print(
            f"| {name} | {total:.2f} s | {percentile(each, 0.5) * 1000:.2f} / {percentile(each, 0.95) * 1000:.2f}"
            f" / {statistics.fmean(each) * 1000:.2f} ms | {memory[name] / 1e6:.1f} MB | {total / baseline:.2f}× |"
        )
    print()
    print("| over the 1,000 conversations and their reviews | median of repeats | × baseline (loading them all) |")
    print("|---|---|---|")
    for name, seconds in admin.items():
        print(f"| {name} | {seconds * 1000:.1f} ms | {seconds / baseline:.3f}× |")
    print(f"\nprocess max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
