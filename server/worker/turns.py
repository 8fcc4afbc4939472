"""One turn of one conversation: pending customer messages in, reply parts out, committed atomically.

A turn has a stable id derived from its first message. If a worker dies mid-turn, the next worker
resumes the same turn: the checkpoint holds what the graph already did, and the outbox insert, the
transcript and the "answered" marks commit together, so nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from agent.context import Context
from agent.handover import HumanResponse, handback_update
from agent.language import Language
from agent.models.base import ReplyBrief
from agent.models.offline import OfflineModel
from agent.policies.media import decide
from agent.state import InboundItem, MediaNote, SalesState, TurnInput, TurnOutput
from prompts import load_texts
from server.storage.conversations import take_over
from server.storage.followups import FollowUpCadence, schedule_after_turn

if TYPE_CHECKING:
    from server.worker.media import MediaService

log = logging.getLogger(__name__)

HANDBACK_MESSAGES = 12
"""How many of the messages exchanged while a person held the thread the bot gets as context."""


@dataclass
class PendingTurn:
    turn_id: str
    attempts: int
    conversation_id: int
    thread_id: str
    customer_name: str | None
    language: Language | None
    inbound_ids: list[int]
    inbound: list[InboundItem]
    media: MediaNote = field(default_factory=lambda: MediaNote())
    """What the media step found in this turn's files (filled by the worker before the graph runs)."""


@dataclass
class TurnResult:
    output: TurnOutput
    nodes: list[str]
    """The graph nodes this turn ran, in order (its trajectory)."""
    human: bool = False
    """The turn ended waiting for a person (an escalation): the thread goes to human mode with the reply."""


@dataclass
class HandBack:
    """A manager gave the thread back: what the graph resumes with."""

    id: int
    thread_id: str
    context: str
    """The manager's note and what was said while they held the thread."""


class TurnRunner(Protocol):
    async def __call__(self, turn: PendingTurn) -> TurnResult: ...

    async def resume(self, handback: HandBack) -> list[str]: ...


class GraphTurnRunner:
    """Runs a turn through the checkpointed sales graph, resuming a turn the checkpoint already holds.

    The graph persists once, when the turn ends (durability "exit"): a turn is the unit of recovery here (one
    that dies is run again from its inbound messages, whose ids keep the history free of duplicates), so
    per-step checkpoints would only multiply the writes."""

    def __init__(
        self,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        context: Context,
        media: MediaService | None = None,
        before_turn: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.graph = graph
        self.context = context
        self.media = media
        self.before_turn = before_turn
        """Run before every turn and resumption (the prompt versions' check, server/desk/prompt_versions.py)."""

    async def _prepare_media(self, turn: PendingTurn) -> None:
        """Voice notes become text; files are stored and judged (idempotent: a resumed turn redoes nothing)."""
        if self.media is None or not any(item["content_uri"] for item in turn.inbound):
            return
        prepared = await self.media.prepare(turn.conversation_id, turn.language, turn.inbound)
        turn.inbound = [item.as_inbound() for item in prepared]
        turn.media = decide(prepared, language=turn.language).as_note()

    async def __call__(self, turn: PendingTurn) -> TurnResult:
        if self.before_turn is not None:
            await self.before_turn()
        config: RunnableConfig = {"configurable": {"thread_id": turn.thread_id}}
        snapshot = await self.graph.aget_state(config)
        same_turn = snapshot.values.get("turn_id") == turn.turn_id
        finished = not snapshot.next or bool(snapshot.interrupts)
        if same_turn and finished and snapshot.values.get("reply_parts"):
            log.info("turn %s already completed in the checkpoint; reusing its reply", turn.turn_id)
            reused = cast(TurnOutput, {k: snapshot.values[k] for k in TurnOutput.__annotations__})
            reused["facts"] = snapshot.values.get("facts")  # type: ignore[typeddict-unknown-key]
            return TurnResult(reused, [], human=bool(snapshot.interrupts))
        await self._prepare_media(turn)
        payload: TurnInput | None = None
        if same_turn and snapshot.next:
            log.info("resuming turn %s at %s", turn.turn_id, snapshot.next)
        else:
            # A new turn, or one whose progress was not checkpointed: message ids are stable, so running
            # it again never duplicates the history.
            payload = {
                "turn_id": turn.turn_id,
                "inbound": turn.inbound,
                "customer_name": turn.customer_name,
                "media": turn.media,
            }
        nodes, output, human = await self._run(payload, config)
        return TurnResult(cast(TurnOutput, output), nodes, human)

    async def _run(self, payload: Any, config: RunnableConfig) -> tuple[list[str], dict[str, Any], bool]:
        nodes: list[str] = []
        output: dict[str, Any] = {}
        human = False
        async for mode, chunk in self.graph.astream(
            payload, config, context=self.context, durability="exit", stream_mode=["updates", "values"]
        ):
            if mode == "updates":
                names = list(cast(dict[str, Any], chunk))
                human = human or "__interrupt__" in names
                nodes += [name for name in names if not name.startswith("__")]
            else:
                output = cast(dict[str, Any], chunk)
        return nodes, output, human

    async def resume(self, handback: HandBack) -> list[str]:
        """Continue the thread after a person held it: the graph waiting at `human` gets the manager's
        response; a thread a person took without an escalation (an echo) gets the same context directly."""
        config: RunnableConfig = {"configurable": {"thread_id": handback.thread_id}}
        response: HumanResponse = {"type": "response", "args": handback.context}
        if self.before_turn is not None:
            await self.before_turn()
        snapshot = await self.graph.aget_state(config)
        if snapshot.interrupts:
            nodes, _, _ = await self._run(Command(resume=[response]), config)
            return nodes
        if not snapshot.values:
            return []  # the bot never spoke in this thread: nothing to carry over
        state = cast(SalesState, snapshot.values)
        await self.graph.aupdate_state(
            config, handback_update(state, response, message_id=f"handback-{handback.id}"), as_node="human"
        )
        return ["human"]


async def apology(turn: PendingTurn) -> TurnResult:
    """What the customer gets when a turn keeps failing: honest, in their language, from templates."""
    language: Language = turn.language or "en"
    reply = await OfflineModel().write(
        ReplyBrief(language=language, situation="technical_issue", customer_name=turn.customer_name), []
    )
    output: TurnOutput = {
        "turn_id": turn.turn_id,
        "language": language,
        "reply_parts": [{"kind": "text", "text": reply.text, "content_uri": None}],
        "reply_meta": {
            "model": reply.model,
            "prompt_version": reply.prompt_version,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cost": 0.0,
        },
    }
    return TurnResult(output, [])


async def open_turn(conn: AsyncConnection[Any], conversation: dict[str, Any]) -> PendingTurn | None:
    """The unfinished turn of this conversation if a worker died in it, else a new one over what is pending."""
    conversation_id = conversation["id"]
    cursor = await conn.execute(
        "UPDATE turns SET attempts = attempts + 1 WHERE id = ("
        " SELECT id FROM turns WHERE conversation_id = %s AND finished_at IS NULL ORDER BY started_at LIMIT 1)"
        " RETURNING id, inbound_ids, attempts",
        (conversation_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        pending = await (
            await conn.execute(
                "SELECT id FROM messages WHERE conversation_id = %s AND status = 'pending' ORDER BY id",
                (conversation_id,),
            )
        ).fetchall()
        if not pending:
            return None
        ids = [r["id"] for r in pending]
        row = await (
            await conn.execute(
                "INSERT INTO turns (id, conversation_id, inbound_ids) VALUES (%s, %s, %s)"
                " RETURNING id, inbound_ids, attempts",
                (f"{conversation_id}-{ids[0]}", conversation_id, ids),
            )
        ).fetchone()
        assert row is not None
    items = await (
        await conn.execute(
            "SELECT id, provider_message_id, kind, text, content_uri FROM messages WHERE id = ANY(%s) ORDER BY id",
            (row["inbound_ids"],),
        )
    ).fetchall()
    return PendingTurn(
        turn_id=row["id"],
        attempts=row["attempts"],
        conversation_id=conversation_id,
        thread_id=conversation["thread_id"],
        customer_name=conversation["customer_name"],
        language=conversation["language"],
        inbound_ids=list(row["inbound_ids"]),
        inbound=[
            {
                "message_id": str(i["provider_message_id"] or i["id"]),
                "kind": i["kind"],
                "text": i["text"],
                "content_uri": i["content_uri"],
            }
            for i in items
        ],
    )


CONFIRMATION_FACTS = frozenset({"quote_confirm"})
"""Replies that end on a yes/no question: the quotation summary waiting for "yes" (agent/nodes/quote.py)."""


def reply_buttons(output: TurnOutput) -> list[dict[str, str]] | None:
    """Yes/no quick replies under a reply that asks for a confirmation, in the customer's language (else None)."""
    facts = cast(dict[str, Any], output).get("facts") or {}
    if facts.get("kind") not in CONFIRMATION_FACTS:
        return None
    labels, _ = load_texts("buttons")
    words = labels.get(output["language"], labels["en"])
    return [
        {"text": words["confirm_yes"], "payload": "confirm_yes"},
        {"text": words["confirm_no"], "payload": "confirm_no"},
    ]


async def complete_turn(
    conn: AsyncConnection[Any], turn: PendingTurn, result: TurnResult, followups: FollowUpCadence | None = None
) -> bool:
    """Queue the reply and mark the inbound answered, in one transaction. False when a person took the
    thread meanwhile: then nothing is sent. With `followups`, the follow-up this turn calls for is scheduled
    (and the ones waiting for the customer's answer are superseded) in the same transaction."""
    output = result.output
    async with conn.transaction():
        mode = await (
            await conn.execute("SELECT mode FROM conversations WHERE id = %s FOR UPDATE", (turn.conversation_id,))
        ).fetchone()
        bot_mode = mode is not None and mode["mode"] == "bot"
        if bot_mode:
            meta = output["reply_meta"]
            facts = cast(dict[str, Any], output).get("facts")  # what the reply was allowed to state (quality review)
            parts = output["reply_parts"]
            texts = [number for number, part in enumerate(parts, start=1) if part["text"]]
            buttons = reply_buttons(output)
            for number, part in enumerate(parts, start=1):
                outbox_id = f"{turn.turn_id}-{number}"
                await conn.execute(
                    "INSERT INTO outbox (id, conversation_id, turn_id, kind, text, content_uri, buttons)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                    (
                        outbox_id,
                        turn.conversation_id,
                        turn.turn_id,
                        part["kind"],
                        part["text"],
                        part["content_uri"],
                        Jsonb(buttons) if buttons and texts and number == texts[-1] else None,
                    ),
                )
                first = number == 1
                await conn.execute(
                    """
                    INSERT INTO messages (conversation_id, direction, author, kind, text, content_uri, status,
                        turn_id, outbox_id, model, prompt_version, prompt_tokens, completion_tokens, cost, facts)
                    VALUES (%s, 'out', 'bot', %s, %s, %s, 'queued', %s, %s, %s, %s, %s, %s, %s, %s)
                    """,
                    (
                        turn.conversation_id,
                        part["kind"],
                        part["text"],
                        part["content_uri"],
                        turn.turn_id,
                        outbox_id,
                        meta["model"],
                        meta["prompt_version"],
                        meta["prompt_tokens"] if first else 0,
                        meta["completion_tokens"] if first else 0,
                        meta["cost"] if first else 0,
                        None if facts is None else Jsonb(facts, dumps=lambda v: json.dumps(v, default=str)),
                    ),
                )
            await conn.execute(
                "UPDATE conversations SET language = %s, next_turn_at = NULL, updated_at = now() WHERE id = %s",
                (output["language"], turn.conversation_id),
            )
            if followups is not None:
                await schedule_after_turn(conn, turn.conversation_id, turn.thread_id, output, followups)
        await conn.execute(
            "UPDATE messages SET status = CASE WHEN status = 'pending' THEN %s ELSE status END, turn_id = %s"
            " WHERE id = ANY(%s)",
            ("answered" if bot_mode else "held", turn.turn_id, turn.inbound_ids),
        )
        await conn.execute(
            "UPDATE turns SET finished_at = now(), error = %s, nodes = %s WHERE id = %s",
            (None if bot_mode else "a person took the thread during the turn", result.nodes, turn.turn_id),
        )
        if bot_mode and result.human:
            # After the holding message is queued: from now on the customer's messages wait for the person.
            await take_over(conn, turn.conversation_id, reason="escalation")
    return bot_mode


async def pending_handbacks(conn: AsyncConnection[Any], conversation: dict[str, Any]) -> list[HandBack]:
    """Hand-backs of this conversation the graph has not resumed from yet, oldest first, each with what was
    said while the person held the thread."""
    rows = await (
        await conn.execute(
            "SELECT h.id, h.note, h.from_message_id, h.to_message_id, m.name AS manager FROM handbacks h"
            " LEFT JOIN managers m ON m.id = h.manager_id"
            " WHERE h.conversation_id = %s AND h.consumed_at IS NULL ORDER BY h.id",
            (conversation["id"],),
        )
    ).fetchall()
    handbacks = []
    for row in rows:
        said = await (
            await conn.execute(
                "SELECT author, kind, text FROM messages WHERE conversation_id = %s AND id > %s AND id <= %s"
                " AND author IN ('customer', 'manager') ORDER BY id DESC LIMIT %s",
                (conversation["id"], row["from_message_id"], row["to_message_id"], HANDBACK_MESSAGES),
            )
        ).fetchall()
        lines = [f"{m['author']}: {(m['text'] or '[' + m['kind'] + ']')[:300]}" for m in reversed(said)]
        note = row["note"].strip()
        if note:
            lines.append(f"note from {row['manager'] or 'the team'}: {note}")
        handbacks.append(HandBack(row["id"], conversation["thread_id"], "\n".join(lines)))
    return handbacks


async def consume_handback(conn: AsyncConnection[Any], handback: HandBack, nodes: list[str]) -> None:
    await conn.execute(
        "UPDATE handbacks SET consumed_at = now(), consumed_turn_id = %s WHERE id = %s AND consumed_at IS NULL",
        (f"handback-{handback.id}:{','.join(nodes)}"[:200], handback.id),
    )


async def fail_turn(conn: AsyncConnection[Any], turn: PendingTurn, error: str, retry_in_seconds: float) -> None:
    await conn.execute("UPDATE turns SET error = %s WHERE id = %s", (error[:2000], turn.turn_id))
    await conn.execute(
        "UPDATE conversations SET next_turn_at = now() + make_interval(secs => %s) WHERE id = %s",
        (retry_in_seconds, turn.conversation_id),
    )
