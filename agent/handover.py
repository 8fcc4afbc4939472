"""Human mode as a LangGraph interrupt, in the shape of the Agent Inbox contract (`HumanInterrupt` in,
`HumanResponse` out), so an escalated thread shows as interrupted in Studio and in any Agent Inbox.

The graph stops at `human` after the holding reply; the worker resumes it when a manager hands the thread
back (or it is released after being idle), with the manager's note and what was said meanwhile.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from langchain_core.messages import SystemMessage

from agent.policies.escalation import REASON_LABELS, closed_record
from agent.state import SalesState


class HumanInterruptConfig(TypedDict):
    allow_ignore: bool
    allow_respond: bool
    allow_edit: bool
    allow_accept: bool


class ActionRequest(TypedDict):
    action: str
    args: dict[str, Any]


class HumanInterrupt(TypedDict):
    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str | None


class HumanResponse(TypedDict):
    type: Literal["accept", "ignore", "response", "edit"]
    args: str | ActionRequest | None


def human_interrupt(state: SalesState) -> HumanInterrupt:
    """What a manager is asked to do: take the thread, reply, and hand it back with a note."""
    record = state.get("escalation", {})
    reason = str(record.get("reason", "human_request"))
    return {
        "action_request": {
            "action": "take_over_conversation",
            "args": {
                "reason": reason,
                "episode": record.get("episode", 1),
                "manager_id": record.get("manager_id"),
                "language": state.get("language", "en"),
                "request": dict(state.get("request", {})),
                "quote": dict(state.get("quote", {})),
            },
        },
        "config": {"allow_ignore": True, "allow_respond": True, "allow_edit": False, "allow_accept": True},
        "description": f"{REASON_LABELS.get(reason, reason)}: reply to the customer in the inbox, then hand back.",
    }


def handback_update(state: SalesState, response: HumanResponse, *, message_id: str) -> dict[str, Any]:
    """The state after a person hands the thread back: the episode closed, and what happened meanwhile
    (the manager's note and messages) in the history, so the bot continues with that context."""
    note = response["args"] if isinstance(response["args"], str) else ""
    update: dict[str, Any] = {"escalation": closed_record(state.get("escalation", {})), "failed_turns": 0}
    if note.strip():
        update["messages"] = [
            SystemMessage(content=f"While a colleague held this chat:\n{note.strip()}", id=message_id)
        ]
    return update
