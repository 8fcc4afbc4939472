"""Calibrate the quality reviewers against the hand-labelled transcripts.

uv run --no-sync python -m evals.calibration                       # the offline reviewer; the LLM judge
                                                                   # is "not measured" without a key
NOOR_OPENROUTER_API_KEY=... uv run --no-sync python -m evals.calibration --judge-model openai/gpt-4o-mini
uv run --no-sync python -m evals.calibration --openrouter-key KEY --openrouter-base-url URL --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.quality.judge import ModelJudge
from agent.quality.offline import OfflineReviewer
from agent.quality.review import Review, Reviewer, ReviewError
from evals.calibration import Case, RuleAgreement, agreement, disagreements, load_cases, pooled

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def table(name: str, rows: Sequence[RuleAgreement]) -> str:
    lines = [
        f"### {name}",
        "",
        "| rule | judged | accuracy | Cohen's κ | problems caught |",
        "|---|---|---|---|---|",
    ]
    for row in [*rows, pooled(rows)]:
        if not row.judged:
            lines.append(f"| {row.rule} | not judged | — | — | — |")
            continue
        caught = f"{row.caught}/{row.problems}" if row.problems else "—"
        lines.append(
            f"| {row.rule} | {row.judged}/{row.cases} | {_pct(row.accuracy)} | {_kappa(row.kappa)} | {caught} |"
        )
    return "\n".join(lines)


def by_file(cases: Sequence[Case], reviews: Sequence[Review]) -> str:
    """The judged rules pooled per calibration file (holdout.yaml: cases the reviewer was not adjusted on)."""
    lines = ["| file | cases | judged pairs | accuracy | Cohen's κ |", "|---|---|---|---|---|"]
    for source in sorted({c.source for c in cases}):
        chosen = [(c, r) for c, r in zip(cases, reviews, strict=True) if c.source == source]
        total = pooled(agreement([c for c, _ in chosen], [r for _, r in chosen]))
        if not total.judged:
            lines.append(f"| {source} | {len(chosen)} | not judged | — | — |")
            continue
        lines.append(f"| {source} | {len(chosen)} | {total.judged} | {_pct(total.accuracy)} | {_kappa(total.kappa)} |")
    return "\n".join(lines)


async def review_all(reviewer: Reviewer, cases: Sequence[Case]) -> list[Review]:
    return [await reviewer.review(case.transcript) for case in cases]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.calibration", description=__doc__.split("\n")[0])
    parser.add_argument("--openrouter-key", default=os.environ.get("NOOR_OPENROUTER_API_KEY"))
    parser.add_argument("--openrouter-base-url", default=os.environ.get("NOOR_OPENROUTER_BASE_URL") or DEFAULT_BASE_URL)
    parser.add_argument("--judge-model", default="openai/gpt-4o-mini")
    parser.add_argument("--disagreements", action="store_true", help="list every judged rule that differs")
    parser.add_argument("--json", dest="json_path", help="also write the figures as JSON to this file")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    cases = load_cases()
    languages = sorted({c.source.removesuffix(".yaml") for c in cases})
    print(f"{len(cases)} hand-labelled transcripts ({', '.join(languages)})\n")
    reviewers: list[tuple[str, Reviewer | None, str]] = [("offline reviewer", OfflineReviewer(), "")]
    if args.openrouter_key:
        from tools.llm.openrouter import make_openrouter_chat_model

        chat = make_openrouter_chat_model(
            args.openrouter_key,
            base_url=args.openrouter_base_url,
            model=args.judge_model,
            app_title="Noor quality calibration",
            max_retries=1,
        )
        reviewers.append((f"LLM judge ({args.judge_model})", ModelJudge(chat, args.judge_model), ""))
    else:
        reviewers.append(
            ("LLM judge", None, "not measured: no OpenRouter key (--openrouter-key or NOOR_OPENROUTER_API_KEY)")
        )
    report: dict[str, Any] = {"cases": len(cases), "reviewers": {}}
    failed = False
    for name, reviewer, why_not in reviewers:
        if reviewer is None:
            print(f"### {name}\n\n{why_not}\n")
            report["reviewers"][name] = {"measured": False, "reason": why_not}
            continue
        try:
            reviews = await review_all(reviewer, cases)
        except ReviewError as exc:
            print(f"### {name}\n\nnot measured: {exc}\n")
            report["reviewers"][name] = {"measured": False, "reason": str(exc)}
            failed = True
            continue
        rows = agreement(cases, reviews)
        print(table(f"{name} — {reviewer.version}", rows) + "\n")
        print(by_file(cases, reviews) + "\n")
        if args.disagreements:
            for case_id, rule, human, said, note in disagreements(cases, reviews):
                print(f"- {case_id} {rule}: human {human}, reviewer {said} ({note})")
            print()
        report["reviewers"][name] = {
            "measured": True,
            "version": reviewer.version,
            "rules": {
                r.rule: {
                    "judged": r.judged,
                    "accuracy": r.accuracy,
                    "kappa": r.kappa,
                    "problems": r.problems,
                    "caught": r.caught,
                }
                for r in [*rows, pooled(rows)]
            },
        }
    return (1 if failed else 0), report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    code, report = asyncio.run(run(args))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
