"""`noor`: run the service (and its demo on embedded defaults)."""

# Each command imports what it needs when it runs: `noor worker` never loads the web stack, and `noor run`
# starts its worker processes before it loads its own.
from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from server.logs import configure_logging
from server.settings import Settings, get_settings

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("noor")


def service_lines(settings: Settings) -> list[str]:
    """What `noor run` prints once the service is ready (README.md and docs/deploy.md quote these lines)."""
    base = settings.base_url
    token = settings.wazzup_webhook_token.get_secret_value()
    lines = [
        f"Noor on {base}  (model: {'offline' if settings.offline_model else settings.openrouter_model})",
        f"  webhook     POST {base}/webhooks/wazzup?token={token}",
        f"  health      {base}/health",
        f"  ready       {base}/health/ready",
        f"  API docs    {base}/docs",
    ]
    if settings.sandbox:
        lines += [
            f"  phone       {base}/sandbox/phone   (chat with Noor as a WhatsApp customer)",
            f"  sent        {base}/sandbox/wazzup/sent?chatId=971501234567",
        ]
    return lines


def _failed_checks(response: httpx.Response) -> str:
    try:
        return str(response.json()["failed"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def announce_when_ready(settings: Settings, lines: list[str], *, poll_seconds: float = 0.25) -> None:
    """Print `lines` once /health/ready answers 200 (from a thread: uvicorn owns the main one). Until then,
    the checks still failing are logged every 30 s, so a start that never gets ready says why."""
    import threading
    import time

    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/health/ready"

    def wait() -> None:
        reported = time.monotonic()
        while True:
            try:
                response = httpx.get(url, timeout=5)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                print("\n".join(lines), flush=True)
                return
            if time.monotonic() - reported >= 30:
                reported = time.monotonic()
                failed = "no answer" if response is None else _failed_checks(response)
                log.warning("not ready yet: %s (details: %s)", failed, url)
            time.sleep(poll_seconds)

    threading.Thread(target=wait, name="announce-when-ready", daemon=True).start()


def _prepared_database(settings: Settings) -> str:
    """The database URL with its schema up to date, or exit with one clear line when the database is unreachable."""
    import asyncio

    from server.storage.database import DatabaseUnreachable
    from server.storage.migrations import prepare_database

    try:
        return asyncio.run(prepare_database(settings.database_url, settings.data_dir))
    except DatabaseUnreachable as exc:
        log.error("cannot start: %s", exc)
        raise SystemExit(1) from None


def run() -> None:
    from server.worker import supervisor as workers

    settings = get_settings()
    configure_logging(settings.log_level)
    # The database and its schema first (the embedded server may have to start), then the workers: their imports
    # and catalog warm-up overlap with this process's own start-up, and the application adopts them. Migrating
    # before they start matters: a process waiting on the migration lock would stall the checkpointer's
    # CREATE INDEX CONCURRENTLY under it.
    database_url = _prepared_database(settings)
    settings = settings.model_copy(update={"database_url": database_url})
    if settings.worker_processes > 0:
        workers.prestart(settings, database_url, settings.worker_processes)
    announce_when_ready(settings, service_lines(settings))
    import uvicorn

    from server.web.app import create_app

    try:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
    finally:
        workers.stop_prestarted()


def worker() -> None:
    """Turns and sends only, no HTTP: scale out by running several against one database."""
    import asyncio

    settings = get_settings()
    configure_logging(settings.log_level)
    # The schema first (with `noor run`, this process often gets the migration lock before the API process has
    # loaded its web stack), then the graph, the model and the catalog.
    database_url = _prepared_database(settings)

    async def serve() -> None:
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


# --- backup and restore (issue 16): server/storage/backup.py ------------------------------------------------------


def backup(file: str) -> None:
    """`noor backup FILE`: the whole database in pg_dump's custom format."""
    from pathlib import Path

    from server.storage.backup import BackupError
    from server.storage.backup import backup as dump
    from server.storage.database import resolve_database_url

    settings = get_settings()
    configure_logging("WARNING")
    try:
        size = dump(resolve_database_url(settings.database_url, settings.data_dir), Path(file))
    except BackupError as exc:
        raise SystemExit(f"not done: {exc}") from None
    print(f"backed up to {file} ({size / 1024 / 1024:.1f} MB); media and PDFs are not in it (docs/deploy.md)")


def restore(file: str, force: bool) -> None:
    """`noor restore FILE [--force]`: a backup into the configured database (empty, unless --force)."""
    from pathlib import Path

    from server.storage.backup import BackupError
    from server.storage.backup import restore as load
    from server.storage.database import resolve_database_url

    settings = get_settings()
    configure_logging("WARNING")
    try:
        load(resolve_database_url(settings.database_url, settings.data_dir), Path(file), force=force)
    except BackupError as exc:
        raise SystemExit(f"not done: {exc}") from None
    print(f"restored {file}; the next start applies any newer migrations")


def _backup_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser("backup", help="dump the database to a file (pg_dump, custom format)").add_argument(
        "file", help="where to write the backup, e.g. noor-2026-12-04.dump"
    )
    restore_parser = commands.add_parser("restore", help="restore a backup into the database (pg_restore)")
    restore_parser.add_argument("file", help="a file written by `noor backup`")
    restore_parser.add_argument("--force", action="store_true", help="replace what a non-empty database holds")


# --- end of backup and restore -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(prog="noor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the service (demo mode when NOOR_SANDBOX is true)")
    commands.add_parser("worker", help="run turns and sends only (no HTTP), next to API-only nodes")
    sync_parser = commands.add_parser("sync", help="sync the catalog from Zoho Inventory now (progress bar)")
    sync_parser.add_argument("--full", action="store_true", help="every item, not only those changed since last time")
    _managers_parser(commands)
    _backup_parsers(commands)
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
    elif args.command == "backup":
        backup(args.file)
    elif args.command == "restore":
        restore(args.file, args.force)


if __name__ == "__main__":
    main()
