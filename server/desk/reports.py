"""The KPI dashboard of a period: figures (server/desk/metrics.py), charts (server/desk/charts.py) and the
lowest-scored conversations with links to the inbox. One rendering of it, `dashboard_html`, is the body of the
/admin page and of the weekly report (`report_html`: a self-contained HTML file, styles inline); `report_pdf`
prints the same figures and lowest scores with fpdf2, the library the quotation PDFs use."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from psycopg import AsyncConnection

from agent.policies.escalation import REASON_LABELS
from server.desk.charts import HEIGHT, WIDTH, bar_chart, line_chart
from server.desk.metrics import TIMEZONE, Metrics, Period, metrics

HERE = Path(__file__).parent / "templates"
STYLESHEET = HERE / "dashboard.css"
FONTS_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "ru": "Russian", "unknown": "unknown"}

_templates = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]), trim_blocks=True)
_templates.globals["reason_label"] = lambda code: REASON_LABELS.get(code, code)
_templates.globals["language_name"] = lambda code: LANGUAGE_NAMES.get(code, code)
_templates.filters["dubai"] = lambda v: v.astimezone(ZoneInfo(TIMEZONE)).strftime("%d %b %H:%M") if v else ""
_templates.filters["seconds"] = lambda v: "—" if v is None else (f"{v:.1f} s" if v < 120 else f"{v / 60:.1f} min")
_templates.filters["share"] = lambda v: "—" if v is None else f"{v * 100:.0f}%"
_templates.filters["aed"] = lambda v: f"AED {Decimal(v):,.2f}"


@dataclass(frozen=True)
class LowReview:
    conversation_id: int
    customer_name: str
    chat_id: str
    language: str
    share: float
    points: float
    summary: str
    reviewed_at: datetime
    url: str


@dataclass
class Dashboard:
    metrics: Metrics
    lowest: list[LowReview]
    base_url: str
    threshold: float
    generated_at: datetime
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        period = self.metrics.period
        weeks = self.metrics.by_week
        if len(weeks) == 1:
            return f"Noor weekly report · {weeks[0].week}"
        return f"Noor KPIs · {period.since:%d %b %Y} – {period.until:%d %b %Y} (excl.)"


LOWEST_SQL = """
SELECT q.conversation_id, q.share, q.share * q.maximum AS points, q.summary, q.reviewed_at,
       COALESCE(c.customer_name, 'Customer') AS customer_name, c.chat_id, COALESCE(c.language, 'unknown') AS language
  FROM quality_reviews q JOIN conversations c ON c.id = q.conversation_id
 WHERE q.reviewer = %(reviewer)s AND q.share IS NOT NULL AND q.reviewed_at >= %(since)s AND q.reviewed_at < %(until)s
 ORDER BY q.share, q.reviewed_at DESC LIMIT %(limit)s
"""


async def lowest_reviews(
    conn: AsyncConnection[Any], period: Period, base_url: str, *, reviewer: str = "offline", limit: int = 10
) -> list[LowReview]:
    tz = ZoneInfo(TIMEZONE)
    params = {
        "reviewer": reviewer,
        "since": datetime.combine(period.since, datetime.min.time(), tz),
        "until": datetime.combine(period.until, datetime.min.time(), tz),
        "limit": limit,
    }
    rows = await (await conn.execute(LOWEST_SQL, params)).fetchall()
    return [
        LowReview(
            conversation_id=row["conversation_id"],
            customer_name=row["customer_name"],
            chat_id=row["chat_id"],
            language=row["language"],
            share=float(row["share"]),
            points=round(float(row["points"]), 1),
            summary=row["summary"],
            reviewed_at=row["reviewed_at"],
            url=f"{base_url.rstrip('/')}/inbox/threads/{row['conversation_id']}",
        )
        for row in rows
    ]


def charts_of(result: Metrics) -> dict[str, str]:
    weeks = [w.week.split("-")[1] for w in result.by_week]
    by_week = result.by_week
    return {
        "conversations": bar_chart(
            "Conversations per week",
            weeks,
            {"bot-resolved": [w.bot_resolved for w in by_week], "escalated": [w.escalated for w in by_week]},
        ),
        "quality": line_chart(
            "Average quality score (share of points)",
            weeks,
            {"quality": [w.quality.average_share for w in by_week]},
            percent=True,
            top=1.0,
        ),
        "response": line_chart(
            "Reply time: median and 90th percentile (s)",
            weeks,
            {"median": [w.response.median_seconds for w in by_week], "p90": [w.response.p90_seconds for w in by_week]},
        ),
        "orders": bar_chart(
            "Quotations and orders per week",
            weeks,
            {
                "orders": [w.orders for w in by_week],
                "quotes not ordered": [w.quotations_sent - w.orders for w in by_week],
            },
        ),
        "cost": bar_chart("LLM cost per week (USD)", weeks, {"cost": [float(w.usage.cost) for w in by_week]}),
    }


async def build_dashboard(
    conn: AsyncConnection[Any],
    period: Period,
    base_url: str,
    *,
    reviewer: str = "offline",
    threshold: float = 0.6,
    now: datetime | None = None,
) -> Dashboard:
    result = await metrics(conn, period, reviewer=reviewer, low_score_below=threshold)
    return Dashboard(
        metrics=result,
        lowest=await lowest_reviews(conn, period, base_url, reviewer=reviewer),
        base_url=base_url,
        threshold=threshold,
        generated_at=now or datetime.now(ZoneInfo(TIMEZONE)),
        charts=charts_of(result),
    )


def dashboard_html(dashboard: Dashboard) -> str:
    """The dashboard's body (no <html>): KPI cards, charts, tables, lowest scores."""
    return _templates.get_template("dashboard.html").render(
        d=dashboard, m=dashboard.metrics, t=dashboard.metrics.totals
    )


def report_html(dashboard: Dashboard) -> str:
    """A complete HTML document that stands alone (styles inline, charts inline SVG)."""
    return _templates.get_template("report.html").render(
        d=dashboard, body=dashboard_html(dashboard), stylesheet=STYLESHEET.read_text(encoding="utf-8")
    )


def _pdf_rows(dashboard: Dashboard) -> list[tuple[str, str]]:
    t = dashboard.metrics.totals

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} s"

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.0f}%"

    return [
        ("Conversations", str(t.conversations)),
        (
            "Resolved by the bot",
            f"{t.bot_resolved} ({share(None if not t.conversations else t.bot_resolved / t.conversations)})",
        ),
        ("Escalated to a person", f"{t.escalated} ({share(t.escalation_rate)})"),
        ("First response, median", seconds(t.first_response.median_seconds)),
        ("Reply time, median / p90", f"{seconds(t.response.median_seconds)} / {seconds(t.response.p90_seconds)}"),
        ("Quotations, of them ordered", f"{t.quotations_sent}, {t.orders} ({share(t.quote_to_order)})"),
        ("Order value (incl. VAT)", f"AED {t.order_value_aed:,.2f}"),
        ("Average quality", f"{share(t.quality.average_share)} over {t.quality.reviews} reviews"),
        ("Reviews under the alert threshold", str(t.quality.below_threshold)),
        ("Failed turns / failed sends", f"{t.failures.turns_failed} / {t.failures.sends_failed}"),
        ("Replies by the offline model", str(t.failures.offline_replies)),
        ("LLM cost (cost per conversation)", f"{t.usage.cost} ({t.usage.cost_per_conversation or 0})"),
    ]


def report_pdf(dashboard: Dashboard) -> bytes:
    """The report on A4: the figures, a line per week, the lowest scores with their inbox links."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(dashboard.title)
    pdf.set_creator("Noor")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    for family, stem in (("NotoSans", "NotoSans"), ("NotoSansArabic", "NotoSansArabic")):
        pdf.add_font(family, "", str(FONTS_DIR / f"{stem}-Regular.ttf"))
        pdf.add_font(family, "B", str(FONTS_DIR / f"{stem}-Bold.ttf"))
    pdf.set_fallback_fonts(["NotoSansArabic"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font("NotoSans", "B", 16)
    pdf.set_text_color(31, 111, 74)
    pdf.cell(0, 9, dashboard.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=8.5)
    pdf.set_text_color(105, 115, 109)
    pdf.cell(0, 5, f"Generated {dashboard.generated_at:%d %b %Y %H:%M} Dubai time", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_text_color(29, 35, 32)
    pdf.set_font("NotoSans", size=10)
    with pdf.table(col_widths=(60, 120), text_align=("LEFT", "LEFT"), first_row_as_headings=False) as table:
        for label, value in _pdf_rows(dashboard):
            table.row((label, value))
    pdf.ln(4)
    # the page's charts, two a row (fpdf2 draws the SVG as vectors)
    chart_w = (pdf.epw - 6) / 2
    chart_h = chart_w * HEIGHT / WIDTH
    for index, svg in enumerate(dashboard.charts.values()):
        if index % 2 == 0 and index:
            pdf.set_y(pdf.get_y() + chart_h + 3)
        if pdf.will_page_break(chart_h):
            pdf.add_page()
        x = pdf.l_margin + (index % 2) * (chart_w + 6)
        pdf.image(io.BytesIO(svg.encode("utf-8")), x=x, y=pdf.get_y(), w=chart_w, h=chart_h)
    pdf.set_y(pdf.get_y() + chart_h + 5)
    pdf.set_font("NotoSans", "B", 11)
    pdf.cell(0, 7, "By week", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=9)
    with pdf.table(text_align="LEFT") as table:
        table.row(("Week", "Conversations", "Escalated", "Quotes, ordered", "Quality", "Reply p50"))
        for w in dashboard.metrics.by_week:
            quality = "—" if w.quality.average_share is None else f"{w.quality.average_share * 100:.0f}%"
            median = "—" if w.response.median_seconds is None else f"{w.response.median_seconds:.1f} s"
            table.row(
                (w.week, str(w.conversations), str(w.escalated), f"{w.quotations_sent}, {w.orders}", quality, median)
            )
    pdf.ln(4)
    pdf.set_font("NotoSans", "B", 11)
    pdf.cell(0, 7, "Lowest-scored conversations", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=9)
    if not dashboard.lowest:
        pdf.cell(0, 6, "No reviews in this period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for low in dashboard.lowest:
        pdf.cell(45, 6, f"{low.share * 100:.0f}%  +{low.chat_id}")  # the name apart: it may be right to left
        pdf.set_text_color(31, 111, 74)
        pdf.cell(0, 6, low.customer_name, link=low.url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(29, 35, 32)
        if low.summary:
            pdf.multi_cell(0, 5, low.summary[:400], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def previous_week(now: datetime | None = None) -> str:
    """The ISO week before the current one, in Dubai time ('2026-W48' on any day of W49)."""
    today = (now or datetime.now(ZoneInfo(TIMEZONE))).astimezone(ZoneInfo(TIMEZONE)).date()
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def write_report(dashboard: Dashboard, folder: Path, stem: str) -> list[Path]:
    """`<stem>.html` and `<stem>.pdf` in `folder` (created); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    html_path.write_text(report_html(dashboard), encoding="utf-8")
    pdf_path.write_bytes(report_pdf(dashboard))
    return [html_path, pdf_path]


def report_caption(dashboard: Dashboard, week: str) -> str:
    """A few figures for the Telegram caption (plain text; the document has the rest)."""
    t = dashboard.metrics.totals
    quality = "—" if t.quality.average_share is None else f"{t.quality.average_share * 100:.0f}%"
    return (
        f"📊 Noor weekly report {week}\n"
        f"{t.conversations} conversations, {t.bot_resolved} resolved by the bot, {t.escalated} escalated\n"
        f"{t.quotations_sent} quotations → {t.orders} orders (AED {t.order_value_aed:,.2f})\n"
        f"Average quality {quality}; {t.quality.below_threshold} reviews under {dashboard.threshold * 100:.0f}%\n"
        f"{dashboard.base_url.rstrip('/')}/admin?week={week}"
    )
