"""`python -m evals`: run the scenarios against Noor and report pass^k, cost, tokens and latency.

Examples:
  uv run python -m evals                          # every active scenario, offline model, 1 trial
  uv run python -m evals --trials 3 --tag quotation
  uv run python -m evals --status all --language ar
  NOOR_OPENROUTER_API_KEY=... uv run python -m evals --model openrouter --judge openrouter --trials 3
  uv run python -m evals --baseline evals/results/baseline.json --save-baseline
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agent.models.base import SalesModel
from agent.models.offline import OfflineModel
from evals.judge import ModelJudge
from evals.oracle import Oracle
from evals.report import print_report, write_html, write_json
from evals.results import RunOut, TrialOut, diff_against
from evals.runner import RunOptions, run_scenarios
from evals.scenario import Scenario, load_scenarios, select
from evals.service import EvalService
from evals.simulate import ModelCustomer, SimulatedCustomer

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_BASELINE = RESULTS_DIR / "baseline.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m evals", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model",
        choices=["offline", "openrouter", "oracle"],
        default="offline",
        help="model under test; oracle: the OpenRouter path against the fake OpenRouter answering from the gold "
        "labels (understanding) and the offline templates (words)",
    )
    parser.add_argument("--trials", "-k", type=int, default=1, help="trials per scenario (pass^k)")
    parser.add_argument("--id", dest="ids", action="append", default=[], help="scenario id or id prefix (repeat)")
    parser.add_argument("--tag", dest="tags", action="append", default=[], help="only scenarios with this tag")
    parser.add_argument("--language", dest="languages", action="append", default=[], choices=["en", "ar", "ru"])
    parser.add_argument(
        "--status", choices=["active", "pending", "all"], default="active", help="which scenarios to run"
    )
    parser.add_argument("--judge", choices=["none", "openrouter"], default="none", help="grade rubrics with an LLM")
    parser.add_argument("--judge-model", default="openai/gpt-4o-mini")
    parser.add_argument(
        "--customer-model", choices=["scripted", "openrouter"], default="scripted", help="who plays `goal` turns"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="conversations at once")
    parser.add_argument("--turn-timeout", type=float, default=None, help="seconds to wait for one answer")
    parser.add_argument(
        "--worker",
        choices=["process", "inline"],
        default="process",
        help="process: a `noor worker` process as `noor run` starts it; inline: the worker's pipeline in this process",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where JSON and HTML reports go")
    parser.add_argument(
        "--baseline", type=Path, default=None, help=f"compare with this run (default {DEFAULT_BASELINE} if it exists)"
    )
    parser.add_argument("--save-baseline", action="store_true", help="save this run as the baseline")
    parser.add_argument("--no-langsmith", action="store_true", help="never upload, even with LANGSMITH_API_KEY")
    parser.add_argument("--list", action="store_true", help="list the selected scenarios and exit")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any scenario fails (CI)")
    return parser.parse_args(argv)


def openrouter_key() -> str:
    key = os.environ.get("NOOR_OPENROUTER_API_KEY")
    if not key:
        sys.exit("--model/--judge/--customer-model openrouter needs NOOR_OPENROUTER_API_KEY")
    return key


def openrouter_chat(model: str):  # type: ignore[no-untyped-def]
    from server.settings import Settings
    from tools.llm.openrouter import make_openrouter_chat_model

    settings = Settings()
    return make_openrouter_chat_model(
        openrouter_key(), base_url=settings.openrouter_base_url, model=model, app_title="Noor evals", max_retries=1
    )


def model_under_test(name: str) -> SalesModel | None:
    """The model an inline worker runs (a process worker builds its own from the service's settings); None for
    the oracle, which the service builds against its own fake OpenRouter."""
    if name == "offline":
        return OfflineModel()
    if name == "oracle":
        return None
    openrouter_key()
    from server.components.model import build_model
    from server.settings import get_settings

    return build_model(get_settings())


def list_scenarios(console: Console, scenarios: list[Scenario]) -> None:
    for s in scenarios:
        console.print(f"{s.status:8} {s.language} {s.id:40} {', '.join(s.tags)}")
    active = sum(s.status == "active" for s in scenarios)
    console.print(f"{len(scenarios)} scenarios: {active} active, {len(scenarios) - active} pending")


async def main_async(args: argparse.Namespace, console: Console) -> RunOut:
    everything = load_scenarios()
    chosen = select(everything, ids=args.ids, tags=args.tags, languages=args.languages, status=args.status)
    pending = [
        s for s in select(everything, ids=args.ids, tags=args.tags, languages=args.languages) if s.status == "pending"
    ]
    to_list = pending if args.status == "active" else []  # pending scenarios are listed, not run
    model = model_under_test(args.model)
    oracle = Oracle(everything) if args.model == "oracle" else None
    options = RunOptions(
        trials=args.trials,
        concurrency=args.concurrency,
        turn_timeout=args.turn_timeout or (120.0 if args.model == "openrouter" else 60.0),
        model_name="oracle" if model is None else model.name if args.model == "offline" else f"openrouter:{model.name}",
    )
    if args.judge == "openrouter":
        options.judge = ModelJudge(openrouter_chat(args.judge_model), f"openrouter:{args.judge_model}")
    customer: SimulatedCustomer | None = None
    if args.customer_model == "openrouter":
        customer = ModelCustomer(openrouter_chat(args.judge_model))
    options.customer = customer
    total = len(chosen) * args.trials
    key = os.environ.get("NOOR_OPENROUTER_API_KEY") if args.model == "openrouter" else None
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("starting Noor", total=total)
        async with EvalService(
            model if args.worker == "inline" else None, worker=args.worker, openrouter_api_key=key, oracle=oracle
        ) as service:
            progress.update(task, description="running scenarios")

            def advance(scenario: Scenario, trial: TrialOut) -> None:
                mark = "[green]✓[/green]" if trial.passed else "[red]✗[/red]"
                progress.console.print(f"{mark} {scenario.id} (trial {trial.trial + 1}, {trial.seconds:.1f}s)")
                progress.advance(task)

            run = await run_scenarios(service, chosen, options, pending=to_list, progress=advance)
    if oracle is not None:
        console.print(
            f"oracle: {len(oracle.hits)} turn(s) understood from gold labels, {len(oracle.misses)} without one"
            " (understood by the offline model, the service's fallback)"
        )
    if oracle is not None and oracle.write_failures:
        console.print(f"oracle: {len(oracle.write_failures)} brief(s) the offline templates could not word")
    run.filters = {"ids": args.ids, "tags": args.tags, "languages": args.languages, "status": args.status}
    return run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    logging.basicConfig(level=logging.WARNING)
    if args.list:
        everything = load_scenarios()
        list_scenarios(
            console, select(everything, ids=args.ids, tags=args.tags, languages=args.languages, status=args.status)
        )
        return 0
    run = asyncio.run(main_async(args, console))
    baseline = args.baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE.exists() else None)
    if baseline is not None and baseline.exists():
        run.diff = diff_against(run, RunOut.load(baseline), str(baseline))
    print_report(run, console)
    json_path = write_json(run, args.out / f"run-{run.run_id}.json")
    html_path = write_html(run, args.out / f"run-{run.run_id}.html")
    write_json(run, args.out / "latest.json")
    write_html(run, args.out / "latest.html")
    console.print(f"reports: {json_path} · {html_path}")
    if args.save_baseline:
        write_json(run, baseline or DEFAULT_BASELINE)
        console.print(f"saved as baseline: {baseline or DEFAULT_BASELINE}")
    if not args.no_langsmith:
        from evals.langsmith_upload import client_from_env, upload

        client = client_from_env()
        if client is not None:
            scenarios = {s.id: s for s in load_scenarios()}
            experiment = upload(client, run, scenarios)
            console.print(f"uploaded to LangSmith as experiment {experiment}")
    failed = [s.id for s in run.scenarios if not s.pass_k]
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
