"""The sales model from Settings: OpenRouter (with the offline model as its fallback) when a key is set, else the
deterministic offline model; and the LLM judge the workers review with when a judge model is set too."""

from __future__ import annotations

from agent.models.base import SalesModel
from agent.models.chat import ChatSalesModel, FallbackModel
from agent.models.offline import OfflineModel
from agent.quality.judge import ModelJudge
from prompts import PromptSource
from server.settings import Settings
from tools.llm.openrouter import make_openrouter_chat_model


def build_model(settings: Settings, prompts: PromptSource | None = None) -> SalesModel:
    """`prompts`: where the model reads its prompts (a worker's follows the versions activated in the admin)."""
    offline = OfflineModel(latency_seconds=settings.offline_latency_seconds, prompts=prompts)
    if settings.openrouter_api_key is None:
        return offline
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
    chat = make_openrouter_chat_model(
        settings.openrouter_api_key,
        base_url=settings.openrouter_base_url,
        model=settings.quality_judge_model,
        timeout=settings.openrouter_timeout_seconds,
        app_url=settings.base_url,
        app_title="Noor (Treejar) quality review",
        max_retries=1,
    )
    return ModelJudge(chat, settings.quality_judge_model, prompts=prompts)
