"""`noor`: run the service (and its demo on embedded defaults)."""

# Each command imports what it needs when it runs: `noor worker` never loads the web stack, and `noor run`
# starts its worker processes before it loads its own.
from __future__ import annotations

import argparse
import logging

from server.logs import configure_logging
from server.settings import get_settings

log = logging.getLogger("noor")


def run() -> None:
    import asyncio

    from server.storage.migrations import prepare_database
    from server.worker import supervisor as workers

    settings = get_settings()
    configure_logging(settings.log_level)
    if settings.worker_processes > 0:
        # The database and its schema first (the embedded server may have to start), then the workers: their
        # imports and catalog warm-up overlap with this process's own start-up, and the application adopts them.
        # Migrating before they start matters: a process waiting on the migration lock would stall the
        # checkpointer's CREATE INDEX CONCURRENTLY under it.
        database_url = asyncio.run(prepare_database(settings.database_url, settings.data_dir))
        settings = settings.model_copy(update={"database_url": database_url})
        workers.prestart(settings, database_url, settings.worker_processes)
    base = settings.base_url
    token = settings.wazzup_webhook_token.get_secret_value()
    lines = [
        f"Noor on {base}  (model: {'offline' if settings.offline_model else settings.openrouter_model})",
        f"  webhook     POST {base}/webhooks/wazzup?token={token}",
        f"  health      {base}/health",
        f"  API docs    {base}/docs",
    ]
    if settings.sandbox:
        lines += [
            f"  phone       {base}/sandbox/phone   (chat with Noor as a WhatsApp customer)",
            f"  sent        {base}/sandbox/wazzup/sent?chatId=971501234567",
        ]
    print("\n".join(lines), flush=True)
    import uvicorn

    from server.web.app import create_app

    try:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
    finally:
        workers.stop_prestarted()


def worker() -> None:
    """Turns and sends only, no HTTP: scale out by running several against one database."""
    import asyncio

    from server.storage.migrations import prepare_database

    settings = get_settings()
    configure_logging(settings.log_level)

    async def serve() -> None:
        # The schema first (with `noor run`, this process often gets the migration lock before the API process
        # has loaded its web stack), then the graph, the model and the catalog.
        database_url = await prepare_database(settings.database_url, settings.data_dir)
        from prompts import PromptSource
        from server.components.model import build_model
        from server.worker.main import serve_worker

        prompts = PromptSource()  # the files, and from each turn on the versions activated in the admin
        await serve_worker(settings, database_url, build_model(settings, prompts), prompts)

    asyncio.run(serve())


def sync(full: bool) -> None:
    """One catalog sync from Zoho Inventory (full, or incremental since the last one), with a progress bar."""
    import asyncio

    from server.components.catalog import sync_once
    from server.storage.migrations import prepare_database

    settings = get_settings()
    configure_logging("WARNING")

    async def go() -> None:
        from tools.zoho import ZohoError

        try:
            report = await sync_once(
                settings, await prepare_database(settings.database_url, settings.data_dir), full=full
            )
        except ZohoError as exc:
            hint = (
                " (demo mode: the fake Zoho runs inside `noor run`; start the service first)"
                if settings.sandbox
                else ""
            )
            raise SystemExit(f"sync stopped: {exc}{hint}. Run it again to resume where it stopped.") from exc
        print(
            f"{report.kind} sync: {report.received} items received, {report.inserted} new, {report.updated} changed, "
            f"{report.removed} removed, {report.inactive} inactive (hidden); {report.index.embedded} passages "
            f"embedded; {report.zoho_requests} Zoho requests; {report.seconds:.1f} s"
        )

    asyncio.run(go())


def managers(args: argparse.Namespace) -> None:
    """`noor managers …`: the accounts of the inbox and the admin, without the service running."""
    import asyncio

    import psycopg
    from pydantic import ValidationError

    from server.desk import accounts
    from server.storage.database import pool_kwargs
    from server.storage.migrations import prepare_database

    settings = get_settings()
    configure_logging("WARNING")

    def show(account: accounts.Account) -> str:
        state = "can sign in" if account.can_sign_in else ("disabled" if account.disabled_at else "no password")
        return f"{account.id}  {account.email}  {account.name}  [{account.access}]  {state}"

    async def go() -> None:
        url = await prepare_database(settings.database_url, settings.data_dir)
        async with await psycopg.AsyncConnection.connect(url, **pool_kwargs()) as conn:
            if args.action == "list":
                for account in await accounts.list_accounts(conn):
                    print(show(account))
                return
            if args.action == "create":
                new = accounts.NewAccount(
                    name=args.name,
                    email=args.email,
                    access=args.role,
                    title=args.title,
                    telegram_chat_id=args.telegram_chat_id,
                    languages=args.languages.split(","),
                    password=args.password,
                )
                issued = await accounts.create_account(conn, new)
            elif args.action == "reset-password":
                issued = await accounts.reset_password(conn, args.login, args.password)
            else:
                print(show(await accounts.set_disabled(conn, args.login, args.action == "disable")))
                return
            print(show(issued.account))
            if not args.password:
                print(f"password: {issued.password}   (shown once; the manager can sign in at /inbox with it)")

    try:
        asyncio.run(go())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"not done: {problems}") from None
    except accounts.AccountError as exc:
        raise SystemExit(f"not done: {exc}") from None


def report(week: str | None, folder: str) -> None:
    """`noor report --week 2026-W49`: that week's report (last week by default) as HTML and PDF files."""
    import asyncio
    from pathlib import Path

    import psycopg

    from server.desk.metrics import Period
    from server.desk.reports import build_dashboard, previous_week, write_report
    from server.storage.database import pool_kwargs
    from server.storage.migrations import prepare_database

    settings = get_settings()
    configure_logging("WARNING")
    chosen = (week or previous_week()).upper()
    try:
        period = Period.iso_week(chosen)
    except ValueError:
        raise SystemExit(f"not done: {chosen!r} is not an ISO week like 2026-W49") from None

    async def go() -> list[Path]:
        url = await prepare_database(settings.database_url, settings.data_dir)
        async with await psycopg.AsyncConnection.connect(url, **pool_kwargs()) as conn:
            dashboard = await build_dashboard(
                conn, period, settings.base_url, threshold=settings.quality_alert_below_share
            )
        return write_report(dashboard, Path(folder), f"noor-report-{chosen}")

    for path in asyncio.run(go()):
        print(path)


def _managers_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("managers", help="manager accounts: create, list, disable, enable, reset-password")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="every account, its access and whether it can sign in")
    create = actions.add_parser("create", help="a new account (a password is generated unless --password)")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--role", choices=["manager", "head_of_sales", "admin"], default="manager")
    create.add_argument("--title", help="job title shown to people, e.g. 'Sales Manager'")
    create.add_argument("--telegram-chat-id", type=int, help="where this account's Telegram alerts go")
    create.add_argument("--languages", default="en", help="comma-separated: en,ar,ru")
    create.add_argument("--password", help="at least 10 characters; default: generated and printed once")
    for action, text in (("disable", "end its sessions, refuse sign-in"), ("enable", "allow sign-in again")):
        actions.add_parser(action, help=text).add_argument("login", help="manager id or e-mail")
    reset = actions.add_parser("reset-password", help="a new password; every session of the account ends")
    reset.add_argument("login", help="manager id or e-mail")
    reset.add_argument("--password", help="at least 10 characters; default: generated and printed once")


def main() -> None:
    parser = argparse.ArgumentParser(prog="noor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the service (demo mode when NOOR_SANDBOX is true)")
    commands.add_parser("worker", help="run turns and sends only (no HTTP), next to API-only nodes")
    sync_parser = commands.add_parser("sync", help="sync the catalog from Zoho Inventory now (progress bar)")
    sync_parser.add_argument("--full", action="store_true", help="every item, not only those changed since last time")
    _managers_parser(commands)
    report_parser = commands.add_parser("report", help="write a week's KPI report (HTML and PDF)")
    report_parser.add_argument("--week", help="ISO week, e.g. 2026-W49 (default: last week, Dubai time)")
    report_parser.add_argument("--out", default="reports", help="folder to write into (default: ./reports)")
    args = parser.parse_args()
    from pydantic import ValidationError

    try:
        get_settings()  # a configuration refused (e.g. a demo secret outside sandbox mode) stops here, said plainly
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise SystemExit(f"noor: not started: {problems}") from None
    if args.command == "run":
        run()
    elif args.command == "worker":
        worker()
    elif args.command == "sync":
        sync(args.full)
    elif args.command == "managers":
        managers(args)
    elif args.command == "report":
        report(args.week, args.out)


if __name__ == "__main__":
    main()
