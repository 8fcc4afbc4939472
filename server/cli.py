"""`noor`: run the service (and its demo on embedded defaults)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from server.app import create_app
from server.logs import configure_logging
from server.settings import get_settings

log = logging.getLogger("noor")


def run() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
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
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)


def worker() -> None:
    """Turns and sends only, no HTTP: scale out by running several against one database."""
    import asyncio

    from agent.models import make_model
    from server.app import prepare_database
    from server.pipeline import serve_worker

    settings = get_settings()
    configure_logging(settings.log_level)

    async def serve() -> None:
        await serve_worker(settings, await prepare_database(settings), make_model())

    asyncio.run(serve())


def sync(full: bool) -> None:
    """One catalog sync from Zoho Inventory (full, or incremental since the last one), with a progress bar."""
    import asyncio

    from server.app import prepare_database
    from server.catalog import sync_once

    settings = get_settings()
    configure_logging("WARNING")

    async def go() -> None:
        from tools.zoho import ZohoError

        try:
            report = await sync_once(settings, await prepare_database(settings), full=full)
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="noor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the service (demo mode when NOOR_SANDBOX is true)")
    commands.add_parser("worker", help="run turns and sends only (no HTTP), next to API-only nodes")
    sync_parser = commands.add_parser("sync", help="sync the catalog from Zoho Inventory now (progress bar)")
    sync_parser.add_argument("--full", action="store_true", help="every item, not only those changed since last time")
    args = parser.parse_args()
    if args.command == "run":
        run()
    elif args.command == "worker":
        worker()
    elif args.command == "sync":
        sync(args.full)


if __name__ == "__main__":
    main()
