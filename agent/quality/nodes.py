"""The quality graph's nodes: load the transcript, review it, store the review."""

from __future__ import annotations

import logging
from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.quality.context import QualityContext, QualityState
from agent.quality.review import Review, ReviewError
from agent.quality.transcript import Transcript

log = logging.getLogger(__name__)

NOTHING: dict[str, Any] = {"transcript": None, "review": None, "revision": None}
"""What a run that reviewed nothing outputs (with its error)."""


async def load(state: QualityState, runtime: Runtime[QualityContext]) -> dict[str, Any]:
    if state.get("transcript"):
        transcript = Transcript.model_validate(state["transcript"])
        return {"transcript": transcript.model_dump(mode="json"), "error": None}
    store = runtime.context.store
    if store is None:
        return {**NOTHING, "error": "no transcript given and no store to load it from"}
    conversation_id = state["conversation_id"]
    found = await store.load_transcript(conversation_id, state.get("episode"))
    if found is None:
        episode = state.get("episode")
        which = f"episode {episode}" if episode else "any message"
        return {**NOTHING, "error": f"conversation {conversation_id} has no {which}"}
    return {"transcript": found.model_dump(mode="json"), "error": None}


async def review(state: QualityState, runtime: Runtime[QualityContext]) -> dict[str, Any]:
    transcript = Transcript.model_validate(state["transcript"])
    reviewer = runtime.context.the_reviewer()
    try:
        result = await reviewer.review(transcript)
    except ReviewError as exc:
        log.warning("quality review of conversation %s failed: %s", transcript.conversation_id, exc)
        return {"review": None, "revision": None, "error": str(exc)}
    return {"review": result.model_dump(mode="json"), "error": None}


async def store(state: QualityState, runtime: Runtime[QualityContext]) -> dict[str, Any]:
    if runtime.context.store is None:
        return {"revision": None}
    revision = await runtime.context.store.save_review(Review.model_validate(state["review"]))
    return {"revision": revision}


def after_load(state: QualityState) -> Literal["review", "__end__"]:
    return "review" if state.get("transcript") else "__end__"


def after_review(state: QualityState) -> Literal["store", "__end__"]:
    return "store" if state.get("review") else "__end__"
