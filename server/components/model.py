"""The sales model from Settings: OpenRouter (with the offline model as its fallback) when a key is set, else the
deterministic offline model; and the LLM judge the workers review with when a judge model is set too."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import SecretStr

from agent.models.base import SalesModel
from agent.models.chat import ChatSalesModel, FallbackModel
from agent.models.offline import OfflineModel
from agent.quality.judge import ModelJudge
from prompts import PromptSource
from server.settings import Settings
from tools.llm.openrouter import OpenRouterChatModel, make_openrouter_chat_model


def build_model(settings: Settings, prompts: PromptSource | None = None) -> SalesModel:
    """`prompts`: where the model reads its prompts (a worker's follows the versions activated in the admin)."""
    offline = OfflineModel(latency_seconds=settings.offline_latency_seconds, prompts=prompts)
    if settings.openrouter_api_key is None:
        return offline
    chat = _openrouter_chat(
        settings,
        settings.openrouter_api_key,
        settings.openrouter_model,
        "Noor (Treejar)",
        settings.openrouter_fallback_models,
    )
    return FallbackModel(
        ChatSalesModel(chat, settings.openrouter_model, prompts),
        offline,
        understand_deadline=settings.model_understand_deadline_seconds,
        write_deadline=settings.model_write_deadline_seconds,
    )


def build_judge(settings: Settings, prompts: PromptSource | None = None) -> ModelJudge | None:
    """The LLM judge (`NOOR_QUALITY_JUDGE_MODEL` through OpenRouter) reviewing beside the offline reviewer; `prompts`:
    where its rubric comes from (a worker's follows the version activated). None without a model or a key."""
    if settings.quality_judge_model is None or settings.openrouter_api_key is None:
        return None
    chat = _openrouter_chat(
        settings, settings.openrouter_api_key, settings.quality_judge_model, "Noor (Treejar) quality review"
    )
    return ModelJudge(chat, settings.quality_judge_model, prompts=prompts)


def _openrouter_chat(
    settings: Settings, key: SecretStr, model: str, title: str, fallbacks: Sequence[str] = ()
) -> OpenRouterChatModel:
    return make_openrouter_chat_model(
        key,
        base_url=settings.openrouter_base_url,
        model=model,
        fallback_models=fallbacks,
        timeout=settings.openrouter_timeout_seconds,
        app_url=settings.base_url,
        app_title=title,
        max_retries=1,
    )
