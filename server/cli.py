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


def main() -> None:
    parser = argparse.ArgumentParser(prog="noor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the service (demo mode when NOOR_SANDBOX is true)")
    commands.add_parser("worker", help="run turns and sends only (no HTTP), next to API-only nodes")
    args = parser.parse_args()
    if args.command == "run":
        run()
    elif args.command == "worker":
        worker()


if __name__ == "__main__":
    main()
