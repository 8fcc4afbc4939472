"""Reports of a run: a terminal table (rich), a JSON file and a self-contained HTML page with an SVG plot."""

from __future__ import annotations

import html
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.results import RunOut, ScenarioOut


def _mark(passed: bool) -> str:
    return "[green]PASS[/green]" if passed else "[red]FAIL[/red]"


def print_report(run: RunOut, console: Console) -> None:
    table = Table(title=f"Noor evals: run {run.run_id} · model {run.model} · k={run.trials}", show_lines=False)
    for column in ("scenario", "lang", f"pass^{run.trials}", "trials", "tokens/trial", "cost/trial", "latency p50"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for scenario in run.scenarios:
        summary = scenario.summary()
        tokens = summary["prompt_tokens_per_trial"] + summary["completion_tokens_per_trial"]
        p50 = summary["latency_p50"]
        table.add_row(
            scenario.id,
            scenario.language,
            _mark(scenario.pass_k),
            f"{scenario.passes}/{scenario.k}",
            f"{tokens:g}",
            f"${summary['cost_per_trial']:.4f}",
            f"{p50:.2f}s" if p50 is not None else "-",
        )
    console.print(table)
    for scenario in run.scenarios:
        failures = [(t.trial, c) for t in scenario.trials for c in t.failures]
        for trial, check in failures[:4]:
            console.print(
                f"  [red]✗[/red] {scenario.id} trial {trial + 1}: {check.name}  [dim]{check.detail[:160]}[/dim]"
            )
        if len(failures) > 4:
            console.print(f"  [dim]… {len(failures) - 4} more failed checks in {scenario.id}[/dim]")
    overall = run.overall()
    console.print(
        f"[bold]pass^{run.trials}[/bold] {overall['pass_k']:.0%}"
        f" ({overall['scenarios_passing']}/{overall['scenarios']})"
        f"  [bold]pass^1[/bold] {overall['pass_1']:.0%}  trials {overall['trials']}"
        f"  tokens {overall['prompt_tokens'] + overall['completion_tokens']}  cost ${overall['cost']:.4f}"
        f"  latency p50 {overall['latency_p50']}s p95 {overall['latency_p95']}s  time {overall['seconds']}s"
        f"  pending (not run) {overall['pending']}"
    )
    if run.diff is not None:
        diff = run.diff
        console.print(
            f"vs baseline {diff.baseline_run_id}: pass^k {diff.pass_k_before} → {diff.pass_k_after};"
            f" broken {len(diff.broken)}, fixed {len(diff.fixed)}, new {len(diff.new)}, missing {len(diff.missing)}"
        )
        for flip in diff.broken:
            console.print(f"  [red]↓ {flip.id}[/red] passed before, fails now")
        for flip in diff.fixed:
            console.print(f"  [green]↑ {flip.id}[/green] failed before, passes now")


def write_json(run: RunOut, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# ---- HTML -------------------------------------------------------------------------------------------


def _bar_chart(scenarios: list[ScenarioOut]) -> str:
    """pass^1 per scenario as horizontal bars (green when pass^k holds), plus p50 latency dots."""
    row, left, width = 18, 230, 420
    height = row * len(scenarios) + 40
    max_latency = max((max(s.latencies) for s in scenarios if s.latencies), default=1.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 160}" height="{height}" '
        'font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="pass rate per scenario">',
        f'<text x="{left}" y="12" fill="#555">pass^1 per scenario (bar) · latency p50 (dot, right axis, '
        f"max {max_latency:.2f}s)</text>",
    ]
    for index, scenario in enumerate(scenarios):
        y = 24 + index * row
        colour = "#2e9d57" if scenario.pass_k else ("#e0a526" if scenario.passes else "#d0453c")
        label = html.escape(scenario.id)
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{width}" height="{row - 5}" fill="#eee"/>')
        parts.append(
            f'<rect x="{left}" y="{y + 2}" width="{width * scenario.pass_1:.1f}" height="{row - 5}" fill="{colour}">'
            f"<title>{label}: {scenario.passes}/{scenario.k}</title></rect>"
        )
        latencies = scenario.latencies
        if latencies:
            p50 = sorted(latencies)[len(latencies) // 2]
            x = left + width + 20 + 120 * p50 / max_latency
            parts.append(f'<circle cx="{x:.1f}" cy="{y + 8}" r="3.5" fill="#3b6fd1"><title>{p50:.2f}s</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _trial_html(scenario: ScenarioOut) -> str:
    blocks = []
    for trial in scenario.trials:
        checks = "".join(
            f'<li class="{"ok" if c.passed else "bad"}">{html.escape(c.kind)} · {html.escape(c.name)}'
            f"{' — ' + html.escape(c.detail) if c.detail and not c.passed else ''}</li>"
            for c in trial.checks
        )
        turns = "".join(
            f'<div class="turn"><div class="cust" dir="auto">🧑 [{html.escape(t.kind)}] {html.escape(t.customer)}</div>'
            + "".join(f'<div class="bot" dir="auto">🤖 {html.escape(r)}</div>' for r in t.replies)
            + (f'<div class="lat">{t.latency_seconds:.2f}s · intent {t.intent}</div>' if t.latency_seconds else "")
            + "</div>"
            for t in trial.turns
        )
        rubric = ""
        if trial.rubric:
            rubric = f"<p>rubric {trial.rubric['points']:g}/{trial.rubric['available']:g}</p>"
        blocks.append(
            f"<details><summary>trial {trial.trial + 1}: {'PASS' if trial.passed else 'FAIL'} · "
            f"{trial.seconds:.1f}s · {trial.prompt_tokens + trial.completion_tokens} tokens · ${trial.cost:.4f}"
            f"{' · ' + html.escape(trial.error) if trial.error else ''}</summary>"
            f"{turns}{rubric}<p>nodes: {html.escape(', '.join(trial.nodes))} · tools: "
            f"{html.escape(', '.join(trial.tools) or '-')}</p><ul>{checks}</ul></details>"
        )
    return "".join(blocks)


def write_html(run: RunOut, path: Path) -> Path:
    overall = run.overall()
    rows = "".join(
        f"<tr><td>{html.escape(s.id)}</td><td>{html.escape(s.title)}</td><td>{s.language}</td>"
        f'<td class="{"ok" if s.pass_k else "bad"}">{"PASS" if s.pass_k else "FAIL"}</td><td>{s.passes}/{s.k}</td>'
        f"<td>{s.summary()['prompt_tokens_per_trial'] + s.summary()['completion_tokens_per_trial']:g}</td>"
        f"<td>${s.cost:.4f}</td><td>{s.summary()['latency_p50'] or '-'}</td></tr>"
        f'<tr class="detail"><td colspan="8">{_trial_html(s)}</td></tr>'
        for s in run.scenarios
    )
    pending = "".join(
        f"<tr><td>{html.escape(p.id)}</td><td>{html.escape(p.title)}</td><td>{p.language}</td>"
        f"<td>{html.escape(p.reason or '')}</td></tr>"
        for p in run.pending
    )
    diff = ""
    if run.diff is not None:
        d = run.diff
        items = "".join(f'<li class="bad">↓ {html.escape(f.id)}</li>' for f in d.broken) + "".join(
            f'<li class="ok">↑ {html.escape(f.id)}</li>' for f in d.fixed
        )
        diff = (
            f"<h2>Against baseline {html.escape(d.baseline_run_id)}</h2><p>pass^k {d.pass_k_before} → "
            f"{d.pass_k_after}; new {len(d.new)}, missing {len(d.missing)}</p><ul>{items or '<li>no flips</li>'}</ul>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Noor evals {html.escape(run.run_id)}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ padding: 4px 8px; border-bottom: 1px solid #eee;
text-align: left; vertical-align: top; }}
.ok {{ color: #1d7a42; }} .bad {{ color: #b3261e; }} tr.detail td {{ border-bottom: 2px solid #ddd; }}
.turn {{ margin: 6px 0; }} .cust {{ background: #f3f3f3; padding: 4px 8px; border-radius: 6px; }}
.bot {{ background: #e7f5ec; padding: 4px 8px; border-radius: 6px; margin-top: 2px; white-space: pre-wrap; }}
.lat {{ color: #777; font-size: 12px; }} summary {{ cursor: pointer; }}
.figures span {{ display: inline-block; margin-right: 18px; }}
</style></head><body>
<h1>Noor evals</h1>
<p>run {html.escape(run.run_id)} · model <b>{html.escape(run.model)}</b> · judge {html.escape(run.judge or "none")}
· k = {run.trials} · started {html.escape(run.started_at)}</p>
<p class="figures"><span><b>pass^{run.trials}</b> {overall["pass_k"]:.0%}
({overall["scenarios_passing"]}/{overall["scenarios"]})</span><span><b>pass^1</b> {overall["pass_1"]:.0%}</span>
<span>tokens {overall["prompt_tokens"] + overall["completion_tokens"]}</span><span>cost ${overall["cost"]:.4f}</span>
<span>latency p50 {overall["latency_p50"]}s · p95 {overall["latency_p95"]}s</span><span>{overall["seconds"]}s</span></p>
{diff}
{_bar_chart(run.scenarios)}
<h2>Scenarios</h2>
<table><tr><th>id</th><th>title</th><th>lang</th><th>pass^k</th><th>trials</th><th>tokens/trial</th>
<th>cost/trial</th><th>latency p50 (s)</th></tr>{rows}</table>
<h2>Pending (capability not built yet; listed, not run)</h2>
<table><tr><th>id</th><th>title</th><th>lang</th><th>waiting for</th></tr>{pending}</table>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
