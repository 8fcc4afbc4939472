"""The deterministic offline model: rules for intent, templates for words. The embedded default."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from langchain_core.messages import AnyMessage, HumanMessage

from agent.language import Language
from agent.model import Intent, Reply, ReplyBrief, Understanding
from prompts import load_templates

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|salam|salaam|assalam|marhaba|mar7aba|ahlan|hala"
    r"|السلام|مرحبا|اهلا|أهلا|هلا|صباح الخير|مساء الخير|здравствуйте|привет|добрый (день|вечер)|доброе утро)\b",
    re.IGNORECASE,
)
_THANKS = re.compile(r"\b(thanks|thank you|thx|shukran|shokran|شكرا|شكراً|مشكور|спасибо|благодарю)\b", re.IGNORECASE)
_MEDIA_NAMES: dict[Language, dict[str, str]] = {
    "en": {"image": "photo", "audio": "voice message", "video": "video", "document": "document"},
    "ar": {"image": "الصورة", "audio": "الرسالة الصوتية", "video": "الفيديو", "document": "المستند"},
    "ru": {"image": "фото", "audio": "голосовое сообщение", "video": "видео", "document": "документ"},
}


def latest_customer_text(messages: Sequence[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def classify(text: str) -> Intent:
    stripped = text.strip()
    if _GREETING.search(stripped) and len(stripped.split()) <= 6:
        return "greeting"
    if _THANKS.search(stripped) and len(stripped.split()) <= 6:
        return "thanks"
    if not stripped:
        return "small_talk"
    return "out_of_scope"


class OfflineModel:
    name = "offline"

    def __init__(self, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding:
        return Understanding(intent=classify(latest_customer_text(messages)))

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        templates, version = load_templates(brief.language)
        template = str(templates.get(brief.situation) or templates["fallback"])
        name_part = f", {brief.customer_name}" if brief.customer_name else ""
        media = _MEDIA_NAMES[brief.language].get(str(brief.facts.get("media_kind", "")), "")
        text = template.format(name_part=name_part, media=media, **brief.facts)
        return Reply(text=text, model=self.name, prompt_version=version)
