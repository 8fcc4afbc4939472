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
from agent.models.offline.understand import understand_text
from agent.models.offline.wording import Wording
from agent.understanding import Question, Understanding
from prompts import PromptSource


class OfflineModel:
    name = "offline"

    def __init__(self, latency_seconds: float = 0.0, prompts: PromptSource | None = None) -> None:
        self.latency_seconds = latency_seconds
        self.prompts = prompts or PromptSource()

    async def understand(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> Understanding:
        return understand_text(latest_customer_text(messages), asked)

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)
        wording = Wording(brief.language, self.prompts)
        text = wording.render(brief.situation, brief.facts, brief.customer_name)
        return Reply(text=text, model=self.name, prompt_version=wording.version)
