"""The deterministic offline model: rules for intent and slots, templates for words. The embedded default.

It carries every flow end to end without a provider, and it is the fallback when the provider fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from langchain_core.messages import AnyMessage

from agent.conversation import latest_customer_text
from agent.language import Language
from agent.models.base import Reply, ReplyBrief
from agent.models.offline.intents import classify
from agent.models.offline.slots import read_slots
from agent.models.offline.wording import Wording
from agent.understanding import Understanding


class OfflineModel:
    name = "offline"

    def __init__(self, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding:
        text = latest_customer_text(messages)
        slots = read_slots(text)
        product_cues = bool(slots.categories or slots.skus or slots.pick or slots.colors or slots.materials)
        intent, topic = classify(text, has_product_cues=product_cues)
        return Understanding(intents=[intent], slots=slots, faq_topic=topic)

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        wording = Wording(brief.language)
        text = wording.render(brief.situation, brief.facts, brief.customer_name)
        return Reply(text=text, model=self.name, prompt_version=wording.version)
