"""Low-score alerts and the weekly report, to the fake Telegram over real HTTP: once per review and per week for
each head of sales; the report rendered (HTML and PDF) and the PDF turned into an image (docs/weekly-report.png)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg_pool import AsyncConnectionPool

from sandbox.seed import demo_managers
from sandbox.telegram import DEMO_TOKEN, FakeTelegram
from server.desk.managers import seed_managers
from server.desk.metrics import Period
from server.desk.reports import build_dashboard, report_html, write_report
from server.worker.jobs.quality_alerts import LowScoreAlerter
from server.worker.jobs.weekly_report import WeeklyReporter, due_week
from tests.support.kpis import DUBAI, Seeder, seed_known_weeks
from tests.support.live import LiveServer, live_server
from tools.telegram import TelegramClient

OMAR_CHAT = 5123987456  # the demo head of sales
BASE = "https://noor.example.ae"
ROOT = Path(__file__).resolve().parents[2]
MONDAY_W49 = datetime(2026, 11, 30, 10, 0, tzinfo=DUBAI)


@pytest.fixture(scope="module")
def telegram() -> Iterator[tuple[FakeTelegram, LiveServer]]:
    fake = FakeTelegram(flood_interval_seconds=None)
    with live_server(fake.app) as server:
        yield fake, server


@pytest.fixture
def fake(telegram: tuple[FakeTelegram, LiveServer]) -> FakeTelegram:
    telegram[0].reset()
    return telegram[0]


@pytest.fixture
async def client(telegram: tuple[FakeTelegram, LiveServer]) -> Any:
    http = httpx.AsyncClient(timeout=10)
    yield TelegramClient(telegram[1].url, DEMO_TOKEN, http)
    await http.aclose()


@pytest.fixture
async def managers(pool: AsyncConnectionPool[Any]) -> None:
    async with pool.connection() as conn:
        await seed_managers(conn, demo_managers(), demo_password=None)


@pytest.fixture
async def seeded(pool: AsyncConnectionPool[Any], managers: None) -> dict[str, int]:
    async with pool.connection() as conn:
        return await seed_known_weeks(conn)


async def test_a_low_score_alerts_the_head_of_sales_once(
    pool: AsyncConnectionPool[Any], managers: None, fake: FakeTelegram, client: TelegramClient
) -> None:
    async with pool.connection() as conn:
        seeder = Seeder(conn)
        old = await seeder.conversation("971500009103", "en", "Old")
        await seeder.review(old, 0.1, datetime.now(DUBAI) - timedelta(days=30))
        poor = await seeder.conversation("971500009101", "ar", "<b>Hamad</b>")
        good = await seeder.conversation("971500009102", "en", "Sam")
        await seeder.review(poor, 0.4, datetime.now(DUBAI), "Stated a price no tool returned & skipped VAT.")
        await seeder.review(good, 0.95, datetime.now(DUBAI))
    first = LowScoreAlerter(pool, client, BASE, below_share=0.6, poll_interval_seconds=1)
    second = LowScoreAlerter(pool, client, BASE, below_share=0.6, poll_interval_seconds=1)  # another worker
    assert [a.outcome for a in await first.send_due()] == ["sent"]
    assert await second.send_due() == []
    assert await first.send_due() == []
    sent = fake.sent_to(OMAR_CHAT)
    assert len(sent) == 1
    text = sent[0].raw_text or ""
    assert "Low quality score: 40%" in text
    assert "&lt;b&gt;Hamad&lt;/b&gt;" in text  # the customer's name is escaped
    assert "skipped VAT" in text
    assert f'href="{BASE}/inbox/threads/{poor}"' in text
    assert fake.sent_to(7012345678) == []  # Fatima is a manager, not head of sales

    async with pool.connection() as conn:  # a re-review of the same episode is the same review: no second alert
        await conn.execute("UPDATE quality_reviews SET share = 0.3, revision = 2 WHERE conversation_id = %s", (poor,))
    assert await first.send_due() == []
    assert len(fake.sent_to(OMAR_CHAT)) == 1
    # a higher threshold alerts the 95% review too, but nobody is paged about a month-old review
    raised = LowScoreAlerter(pool, client, BASE, below_share=0.99, poll_interval_seconds=1)
    assert [(a.review_id, a.outcome) for a in await raised.send_due()] == [(await _review_id(pool, good), "sent")]


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)


async def _review_id(pool: AsyncConnectionPool[Any], conversation: int) -> int:
    async with pool.connection() as conn:
        row = await (
            await conn.execute("SELECT id FROM quality_reviews WHERE conversation_id = %s", (conversation,))
        ).fetchone()
    assert row is not None
    return int(row["id"])


async def test_the_weekly_report_goes_out_once_a_week(
    pool: AsyncConnectionPool[Any], seeded: dict[str, int], fake: FakeTelegram, client: TelegramClient
) -> None:
    assert due_week(MONDAY_W49.replace(hour=8), 9) is None  # Monday before nine: not yet
    assert due_week(MONDAY_W49, 9) == "2026-W48"
    assert due_week(datetime(2026, 12, 3, 1, 0, tzinfo=DUBAI), 9) == "2026-W48"
    early = WeeklyReporter(
        pool, client, BASE, hour=9, below_share=0.6, poll_interval_seconds=60, clock=lambda: MONDAY_W49.replace(hour=8)
    )
    assert await early.send_due() == {}
    reporter = WeeklyReporter(
        pool, client, BASE, hour=9, below_share=0.6, poll_interval_seconds=60, clock=lambda: MONDAY_W49
    )
    assert await reporter.send_due() == {OMAR_CHAT: "sent"}
    assert await reporter.send_due() == {}
    sent = fake.sent_to(OMAR_CHAT)
    assert len(sent) == 1
    assert sent[0].method == "sendDocument"
    assert sent[0].message["document"]["file_name"] == "noor-report-2026-W48.pdf"
    assert (sent[0].document_bytes or b"").startswith(b"%PDF-")
    caption = sent[0].raw_text or ""
    assert "Noor weekly report 2026-W48" in caption
    assert "2 conversations, 1 resolved by the bot, 1 escalated" in caption
    assert "2 quotations → 1 orders (AED 1,050.00)" in caption
    assert f"{BASE}/admin?week=2026-W48" in caption


async def test_the_report_renders_and_prints(
    pool: AsyncConnectionPool[Any], seeded: dict[str, int], tmp_path: Path
) -> None:
    async with pool.connection() as conn:
        dashboard = await build_dashboard(conn, Period.iso_week("2026-W48"), BASE, now=MONDAY_W49)
    html = report_html(dashboard)
    assert html.startswith("<!doctype html>")
    assert '<link rel="stylesheet"' not in html  # self-contained: styles inline
    assert html.count("<svg") == 5
    assert f'href="{BASE}/inbox/threads/{seeded["ar"]}"' in html
    assert html.index("فاطمة") < html.index("Ahmed Khan")  # the lowest score first
    html_path, pdf_path = write_report(dashboard, tmp_path, "report")
    assert html_path.read_text(encoding="utf-8") == html
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm is not installed (make system-deps)")
    _run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")], check=True)
    image = tmp_path / "page-1.png"
    assert image.stat().st_size > 20_000  # figures, charts and text, not a blank page
    text = _run(["pdftotext", str(pdf_path), "-"], check=True).stdout
    assert "Noor weekly report · 2026-W48" in text
    assert "AED 1,050.00" in text
    assert "فاطمة" in text or "Ahmed Khan" in text
    shutil.copy(image, ROOT / "docs" / "weekly-report.png")


async def test_noor_report_writes_a_week(database_url: str, seeded: dict[str, int], tmp_path: Path) -> None:
    env = {**os.environ, "NOOR_DATABASE_URL": database_url}
    done = _run(
        [sys.executable, "-m", "server", "report", "--week", "2026-w49", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        str(tmp_path / "noor-report-2026-W49.html"),
        str(tmp_path / "noor-report-2026-W49.pdf"),
    ]
    assert 'data-kpi="conversations">1<' in (tmp_path / "noor-report-2026-W49.html").read_text(encoding="utf-8")
    bad = _run([sys.executable, "-m", "server", "report", "--week", "49"], cwd=ROOT, env=env)
    assert bad.returncode == 1
    assert "not an ISO week" in bad.stderr
