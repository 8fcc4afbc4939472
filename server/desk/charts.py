"""Small SVG charts drawn as text: bars and lines over the weeks of a period, for the /admin page and the weekly
report. Pure functions of their arguments (no plotting library, no global state), so concurrent requests never
share anything; every label is XML-escaped. Sizes are in SVG user units; the page scales them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 30, 34
COLORS = ("#1f6f4a", "#a65f00", "#3b5ba5", "#a3261f")
FONT = 'font-family="DejaVu Sans, sans-serif"'


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.3g}" if value % 1 else f"{value:.0f}"


def _top(values: Sequence[float | None], fixed: float | None) -> float:
    """The axis' top: `fixed`, or a round number above the biggest value (4 grid steps of 1, 2, 2.5 or 5 x 10^k)."""
    if fixed is not None:
        return fixed
    biggest = max((v for v in values if v is not None), default=0.0)
    if biggest <= 0:
        return 4.0
    magnitude = 10 ** math.floor(math.log10(biggest / 4))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if 4 * m * magnitude >= biggest * 1.05)
    return float(4 * step)


def _frame(title: str, labels: Sequence[str], top: float, percent: bool) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-label="{escape(title)}" {FONT} font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold" fill="#1d2320">{escape(title)}</text>',
    ]
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#dde2dc"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#69736d">{_number(value, percent)}</text>'
        )
    every = max(1, len(labels) // 8)  # at most ~8 labels under the axis
    slot = plot_w / max(len(labels), 1)
    for index, label in enumerate(labels):
        if index % every == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#69736d">'
                f"{escape(label)}</text>"
            )
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    parts = []
    x = WIDTH - RIGHT
    for index, name in reversed(list(enumerate(names))):
        x -= 12 + 7 * len(name)
        parts.append(f'<rect x="{x}" y="9" width="9" height="9" fill="{COLORS[index % len(COLORS)]}"/>')
        parts.append(f'<text x="{x + 12}" y="18" fill="#1d2320">{escape(name)}</text>')
        x -= 8
    return parts


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    percent: bool = False,
) -> str:
    """Stacked bars, one per label; `series` in stacking order (first at the bottom)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = _top(totals, None)
    parts = _frame(title, labels, top, percent)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    for index in range(len(labels)):
        base = 0.0
        for number, values in enumerate(series.values()):
            value = values[index]
            if value <= 0:
                continue
            height = plot_h * value / top
            y = TOP + plot_h - plot_h * base / top - height
            parts.append(
                f'<rect x="{LEFT + slot * index + slot * 0.18:.1f}" y="{y:.1f}" width="{slot * 0.64:.1f}"'
                f' height="{height:.1f}" fill="{COLORS[number % len(COLORS)]}"><title>{escape(labels[index])}:'
                f" {_number(value, percent)}</title></rect>"
            )
            base += value
    if len(series) > 1:
        parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    percent: bool = False,
    top: float | None = None,
) -> str:
    """Lines with a dot per value; a missing value (None) breaks the line."""
    every_value = [v for values in series.values() for v in values]
    top = _top(every_value, top)
    parts = _frame(title, labels, top, percent)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    for number, values in enumerate(series.values()):
        color = COLORS[number % len(COLORS)]
        runs: list[list[str]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            x, y = LEFT + slot * (index + 0.5), TOP + plot_h - plot_h * min(value, top) / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(labels[index])}:'
                f" {_number(value, percent)}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2"/>')
    if len(series) > 1:
        parts += _legend(list(series))
    parts.append("</svg>")
    return "".join(parts)
