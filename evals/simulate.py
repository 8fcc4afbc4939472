"""The customer side of a `goal` turn: a simulated customer pursuing a goal over several turns.

Offline (the default) the customer says the scenario's `script` lines in order; with a chat model
(`--customer-model openrouter`) a model plays the persona and writes each next message, ending with
`[DONE]` once the goal is reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

DONE = "[DONE]"


@dataclass
class Exchange:
    customer: str
    bot: list[str]


class SimulatedCustomer(Protocol):
    async def next_message(
        self, *, goal: str, persona: str, language: str, script: list[str], history: list[Exchange]
    ) -> str | None:
        """The customer's next message, or None when the conversation is over."""
        ...


class ScriptedCustomer:
    """Deterministic: the script's lines, one per turn."""

    async def next_message(
        self, *, goal: str, persona: str, language: str, script: list[str], history: list[Exchange]
    ) -> str | None:
        return script[len(history)] if len(history) < len(script) else None


class ModelCustomer:
    """A chat model role-plays the customer."""

    def __init__(self, chat: BaseChatModel) -> None:
        self.chat = chat

    async def next_message(
        self, *, goal: str, persona: str, language: str, script: list[str], history: list[Exchange]
    ) -> str | None:
        system = SystemMessage(
            "You are a customer writing to Treejar (office furniture, Dubai) on WhatsApp. "
            f"Persona: {persona or 'a business customer'}. Write only in language '{language}'. "
            f"Your goal: {goal}. Write one short WhatsApp message at a time, as a real customer would. "
            f"When your goal is reached or clearly impossible, answer exactly {DONE}. "
            f"An example opening: {script[0] if script else ''}"
        )
        messages: list[Any] = [system]
        for exchange in history:
            messages.append(AIMessage(exchange.customer))
            messages.append(HumanMessage("\n".join(exchange.bot) or "(no answer)"))
        if not history:
            messages.append(HumanMessage("(start the conversation)"))
        answer = await self.chat.ainvoke(messages)
        text = str(answer.content).strip()
        return None if not text or DONE in text else text
