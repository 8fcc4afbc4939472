"""The model factory: OpenRouter when a key is set, else the deterministic offline model."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, SystemMessage

from agent.language import Language
from agent.model import Reply, ReplyBrief, SalesModel, Understanding, Usage
from agent.offline import OfflineModel
from prompts import load_prompt

log = logging.getLogger(__name__)

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "ar": "Arabic", "ru": "Russian"}


def usage_of(message: AIMessage) -> Usage:
    token_usage: dict[str, Any] = dict(message.response_metadata.get("token_usage") or {})
    return Usage(
        prompt_tokens=int(token_usage.get("prompt_tokens") or 0),
        completion_tokens=int(token_usage.get("completion_tokens") or 0),
        cost=float(token_usage.get("cost") or 0.0),
    )


class ChatSalesModel:
    """A chat model (OpenRouter through langchain-openai) behind the SalesModel interface."""

    def __init__(self, chat: BaseChatModel, name: str) -> None:
        self.chat = chat
        self.name = name

    def _system(self, language: Language) -> tuple[SystemMessage, str]:
        prompt = load_prompt("system")
        return SystemMessage(prompt.text.format(language_name=LANGUAGE_NAMES[language])), prompt.version

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding:
        system, _ = self._system(language)
        instructions = SystemMessage(load_prompt("understand").text)
        structured = self.chat.with_structured_output(Understanding, method="function_calling")
        result = await structured.ainvoke([system, instructions, *messages])
        return result if isinstance(result, Understanding) else Understanding.model_validate(result)

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        system, version = self._system(brief.language)
        facts = SystemMessage(
            "Write the next reply. Situation and the only facts you may use:\n"
            + json.dumps(brief.model_dump(), ensure_ascii=False, default=str)
        )
        answer = await self.chat.ainvoke([system, *messages, facts])
        if not isinstance(answer, AIMessage) or not str(answer.content).strip():
            raise RuntimeError("the model returned an empty reply")
        model_used = str(answer.response_metadata.get("model_name") or self.name)
        return Reply(text=str(answer.content).strip(), model=model_used, prompt_version=version, usage=usage_of(answer))


class FallbackModel:
    """The provider first; when it fails, the offline model answers so the customer is never left waiting."""

    def __init__(self, primary: SalesModel, fallback: SalesModel) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    async def understand(self, messages: Sequence[AnyMessage], language: Language) -> Understanding:
        try:
            return await self.primary.understand(messages, language)
        except Exception as exc:  # any provider failure: outage, 402, 429, invalid output
            log.warning("model %s failed to understand (%s); using %s", self.primary.name, exc, self.fallback.name)
            return await self.fallback.understand(messages, language)

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        try:
            return await self.primary.write(brief, messages)
        except Exception as exc:
            log.warning("model %s failed to write (%s); using %s", self.primary.name, exc, self.fallback.name)
            return await self.fallback.write(brief, messages)


def make_model() -> SalesModel:
    from server.settings import get_settings

    settings = get_settings()
    offline = OfflineModel(latency_seconds=settings.offline_latency_seconds)
    if settings.openrouter_api_key is None:
        return offline
    from tools.llm.openrouter import make_openrouter_chat_model

    chat = make_openrouter_chat_model(
        settings.openrouter_api_key,
        base_url=settings.openrouter_base_url,
        model=settings.openrouter_model,
        fallback_models=settings.openrouter_fallback_models,
        timeout=settings.openrouter_timeout_seconds,
        app_url=settings.base_url,
        app_title="Noor (Treejar)",
        max_retries=1,
    )
    return FallbackModel(ChatSalesModel(chat, settings.openrouter_model), offline)
