"""A chat model (OpenRouter through langchain-openai) behind the SalesModel interface, and the fallback to the offline
model when the provider fails or hangs. Built from Settings by server/components/model.py."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any, Literal, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool

from agent.language import Language
from agent.models.base import Reply, ReplyBrief, SalesModel, ToolCallingModel, Usage, understand_metered
from agent.understanding import Question, Understanding
from prompts import PromptSource

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 2
"""Rounds of tool calls a reply may make (e.g. live stock of a product code) before it must be written."""


def usage_of(message: AIMessage) -> Usage:
    token_usage: dict[str, Any] = dict(message.response_metadata.get("token_usage") or {})
    return Usage(
        prompt_tokens=int(token_usage.get("prompt_tokens") or 0),
        completion_tokens=int(token_usage.get("completion_tokens") or 0),
        cost=float(token_usage.get("cost") or 0.0),
    )


async def run_tool_call(call: ToolCall, tools: dict[str, BaseTool]) -> tuple[ToolMessage, dict[str, Any] | None]:
    """Execute one tool call; a failure (unknown tool, bad arguments, the tool raising) becomes an error result
    the model reads, never an exception. The second value is the result as a fact of this turn: only a successful
    result is one (an error may echo the model's own arguments, and a figure the model made up stays made up)."""
    call_id = str(call.get("id") or "")
    tool = tools.get(call["name"])
    try:
        if tool is None:
            raise LookupError(f"unknown tool {call['name']!r}; available: {sorted(tools)}")
        output = await tool.ainvoke(call["args"])
        result: dict[str, Any] = output if isinstance(output, dict) else {"result": output}
        status: Literal["success", "error"] = "error" if "error" in result else "success"
    except Exception as exc:
        log.warning("tool call %s(%s) failed: %r", call["name"], call["args"], exc)
        result = {"error": f"{type(exc).__name__}: {exc}"}
        status = "error"
    content = json.dumps(result, ensure_ascii=False, default=str)
    message = ToolMessage(content=content, tool_call_id=call_id, name=call["name"], status=status)
    return message, ({"tool": call["name"], **result} if status == "success" else None)


class ChatSalesModel:
    """A chat model (OpenRouter through langchain-openai) behind the SalesModel interface."""

    def __init__(self, chat: BaseChatModel, name: str, prompts: PromptSource | None = None) -> None:
        self.chat = chat
        self.name = name
        self.prompts = prompts or PromptSource()

    def _system(self, language: Language) -> tuple[SystemMessage, str]:
        prompt = self.prompts.system(language)
        return SystemMessage(prompt.text), prompt.version

    async def understand(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> Understanding:
        understanding, _ = await self.understand_with_usage(messages, language, asked)
        return understanding

    async def understand_with_usage(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> tuple[Understanding, Usage]:
        system, _ = self._system(language)
        expecting = (
            f"\nYour last message asked the customer for: {', '.join(asked)}. Read their message first as the answer "
            "to it (set `answers`), unless they clearly change the subject."
            if asked
            else ""
        )
        instructions = SystemMessage(self.prompts.prompt("understand").text + expecting)
        structured = self.chat.with_structured_output(Understanding, method="function_calling", include_raw=True)
        result = cast(dict[str, Any], await structured.ainvoke([system, instructions, *messages]))
        if result["parsing_error"] is not None:
            raise result["parsing_error"]
        if result["parsed"] is None:
            raise RuntimeError("the model returned no understanding")
        raw, parsed = result["raw"], result["parsed"]
        understanding = parsed if isinstance(parsed, Understanding) else Understanding.model_validate(parsed)
        return understanding, usage_of(raw) if isinstance(raw, AIMessage) else Usage()

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        return await self.write_with_tools(brief, messages, ())

    async def write_with_tools(
        self, brief: ReplyBrief, messages: Sequence[AnyMessage], tools: Sequence[BaseTool]
    ) -> Reply:
        """Write the reply from the brief; the model may call `tools` for up to MAX_TOOL_ROUNDS rounds (then it
        must answer in words). What the tools returned is kept in `Reply.tool_facts` for the guard."""
        system, version = self._system(brief.language)
        facts = SystemMessage(
            "Write the next reply. Situation and the only facts you may use:\n"
            + json.dumps(brief.model_dump(), ensure_ascii=False, default=str)
        )
        by_name = {tool.name: tool for tool in tools}
        conversation: list[BaseMessage] = [system, *messages, facts]
        usage = Usage()
        tool_facts: list[dict[str, Any]] = []
        answer: BaseMessage | None = None
        for round_ in range(MAX_TOOL_ROUNDS + 1):
            if tools:
                # the last round may not call tools any more: it has to write
                choice = "none" if round_ == MAX_TOOL_ROUNDS else "auto"
                answer = await self.chat.bind_tools(list(tools), tool_choice=choice).ainvoke(conversation)
            else:
                answer = await self.chat.ainvoke(conversation)
            if not isinstance(answer, AIMessage):
                raise RuntimeError("the model returned no message")
            usage += usage_of(answer)
            if not answer.tool_calls or round_ == MAX_TOOL_ROUNDS:
                break
            conversation.append(answer)
            for call in answer.tool_calls:
                message, fact = await run_tool_call(call, by_name)
                conversation.append(message)
                if fact is not None:
                    tool_facts.append(fact)
        if not isinstance(answer, AIMessage) or not str(answer.content).strip():
            raise RuntimeError("the model returned an empty reply")
        model_used = str(answer.response_metadata.get("model_name") or self.name)
        return Reply(
            text=str(answer.content).strip(),
            model=model_used,
            prompt_version=version,
            usage=usage,
            tool_facts=tool_facts,
        )


class FallbackModel:
    """The provider first; when it fails, the offline model answers so the customer is never left waiting.

    A provider that hangs fails too: each call has an overall deadline (`understand_deadline`, `write_deadline`
    seconds, retries and tool rounds included; None: only the client's own timeouts)."""

    def __init__(
        self,
        primary: SalesModel,
        fallback: SalesModel,
        understand_deadline: float | None = None,
        write_deadline: float | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.understand_deadline = understand_deadline
        self.write_deadline = write_deadline

    async def understand(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> Understanding:
        understanding, _ = await self.understand_with_usage(messages, language, asked)
        return understanding

    async def understand_with_usage(
        self, messages: Sequence[AnyMessage], language: Language, asked: Sequence[Question] = ()
    ) -> tuple[Understanding, Usage]:
        try:
            async with asyncio.timeout(self.understand_deadline):
                return await understand_metered(self.primary, messages, language, asked)
        except Exception as exc:  # any provider failure: outage, 402, 429, invalid output, past the deadline
            log.warning("model %s failed to understand (%s); using %s", self.primary.name, exc, self.fallback.name)
            return await understand_metered(self.fallback, messages, language, asked)

    async def write(self, brief: ReplyBrief, messages: Sequence[AnyMessage]) -> Reply:
        return await self.write_with_tools(brief, messages, ())

    async def write_with_tools(
        self, brief: ReplyBrief, messages: Sequence[AnyMessage], tools: Sequence[BaseTool]
    ) -> Reply:
        try:
            async with asyncio.timeout(self.write_deadline):
                if tools and isinstance(self.primary, ToolCallingModel):
                    return await self.primary.write_with_tools(brief, messages, tools)
                return await self.primary.write(brief, messages)
        except Exception as exc:
            log.warning("model %s failed to write (%s); using %s", self.primary.name, exc, self.fallback.name)
            return await self.fallback.write(brief, messages)
