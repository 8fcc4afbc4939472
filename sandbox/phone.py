"""/sandbox/phone: chat with Noor as a WhatsApp customer would (posts Wazzup-shaped webhooks)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sandbox.wazzup import FakeWazzup


def phone_router(wazzup: FakeWazzup) -> APIRouter:
    router = APIRouter(prefix="/sandbox", tags=["sandbox"], include_in_schema=False)
    page = (resources.files("sandbox") / "static" / "phone.html").read_text(encoding="utf-8")

    @router.get("/phone", response_class=HTMLResponse)
    async def phone() -> str:
        return page

    @router.get("/phone/chat")
    async def chat(chatId: str) -> list[dict[str, Any]]:
        """Both sides of one chat, in order: what the customer sent and what the bot sent."""
        lines: list[dict[str, Any]] = []
        for payload in wazzup.state.inbound:
            for item in payload["messages"]:
                if item["chatId"] == chatId:
                    lines.append({"from": "customer", "text": item.get("text"), "at": item["dateTime"]})
        for sent in wazzup.sent_to(chatId):
            lines.append(
                {
                    "from": "noor",
                    "text": sent.get("text") or sent.get("templateText"),
                    "contentUri": sent.get("contentUri"),
                    "at": sent["receivedAt"],
                }
            )
        return sorted(lines, key=lambda line: str(line["at"]))

    return router
