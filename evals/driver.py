"""One trial of one scenario: seed, talk to Noor through the webhook like Wazzup, observe everything.

The observation holds what the checks need: the replies of each customer turn (from the transcript),
latency, the graph state after each turn, the nodes each turn ran (its turn record) and the checkpoints
(tools called, facts per turn), and the fakes' final state (Zoho sales orders and deals, escalations, the
thread's mode).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from evals.fakes import Fakes
from evals.scenario import Scenario, Turn
from evals.service import EvalService
from evals.simulate import Exchange, ScriptedCustomer, SimulatedCustomer
from server.settings import DEMO_CHANNEL_ID, DEMO_WEBHOOK_TOKEN


@dataclass
class Reply:
    text: str
    turn_id: str | None
    model: str | None = None
    prompt_version: str | None = None


@dataclass
class TurnRecord:
    index: int
    kind: str
    text: str
    expect_index: int
    """Index of the scenario turn this came from (a goal turn yields several records)."""
    replies: list[Reply] = field(default_factory=list)
    latency_seconds: float | None = None
    intent: str | None = None
    asked: list[str] = field(default_factory=list)
    """What the bot's reply to this turn asked for (the dialogue state the next turn is understood with)."""
    language: str | None = None
    mode: str = "bot"
    timed_out: bool = False


@dataclass
class Observation:
    scenario_id: str
    trial: int
    chat_id: str
    thread_id: str
    turns: list[TurnRecord] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    fact_kinds: list[str] = field(default_factory=list)
    facts_by_turn: dict[str, list[Any]] = field(default_factory=dict)
    api_requests: list[str] = field(default_factory=list)
    sales_orders: list[dict[str, Any]] | None = None
    deals: list[dict[str, Any]] | None = None
    escalations: list[dict[str, Any]] | None = None
    escalation_source: str | None = None
    mode: str | None = None
    turn_errors: list[str] = field(default_factory=list)
    delivered: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0
    error: str | None = None

    @property
    def customer_texts(self) -> list[str]:
        return [t.text for t in self.turns if t.kind != "echo"]


def chat_id_for(run_id: str, scenario_id: str, trial: int) -> str:
    """A UAE mobile number of this trial's own (971 58 …): trials never share a conversation."""
    digest = hashlib.sha256(f"{run_id}:{scenario_id}:{trial}".encode()).hexdigest()
    return "97158" + str(int(digest[:12], 16) % 10_000_000).zfill(7)


def fact_labels(facts: Any) -> list[str]:
    """What a turn's facts are called in `fact_kinds`: the kind, and "kind:reason" when the facts give one
    ("recommendation:fits", "recommendation:over_budget")."""
    if not isinstance(facts, dict) or not isinstance(facts.get("kind"), str):
        return []
    labels = [facts["kind"]]
    if isinstance(facts.get("reason"), str):
        labels.append(f"{facts['kind']}:{facts['reason']}")
    return labels


PROGRESS_SQL = """
SELECT c.id, c.mode,
       EXISTS (SELECT 1 FROM messages WHERE provider_message_id = %(mid)s) AS arrived,
       (SELECT count(*) FROM messages WHERE conversation_id = c.id AND status = 'pending') AS pending,
       (SELECT count(*) FROM turns WHERE conversation_id = c.id AND finished_at IS NULL) AS open_turns,
       (SELECT count(*) FROM outbox WHERE conversation_id = c.id AND status IN ('pending', 'sending')) AS unsent
  FROM conversations c WHERE c.channel_id = %(channel)s AND c.chat_id = %(chat)s
"""

REPLIES_SQL = """
SELECT m.id, m.text, m.kind, m.turn_id, m.model, m.prompt_version, o.sent_at
  FROM messages m LEFT JOIN outbox o ON o.id = m.outbox_id
 WHERE m.conversation_id = %s AND m.direction = 'out' AND m.author = 'bot' AND m.id > %s
 ORDER BY m.id
"""


class TrialDriver:
    def __init__(
        self,
        service: EvalService,
        fakes: Fakes,
        http: httpx.AsyncClient,
        *,
        customer: SimulatedCustomer | None = None,
        turn_timeout: float = 30.0,
    ) -> None:
        self.service = service
        self.fakes = fakes
        self.http = http
        self.customer = customer or ScriptedCustomer()
        self.turn_timeout = turn_timeout

    async def run(self, scenario: Scenario, trial: int, run_id: str) -> Observation:
        chat_id = chat_id_for(run_id, scenario.id, trial)
        observation = Observation(scenario.id, trial, chat_id, f"{DEMO_CHANNEL_ID}:{chat_id}")
        started = time.monotonic()
        try:
            await self._seed(scenario, chat_id)
            if scenario.exclusive:
                await self.fakes.clear_zoho_requests()
            await self._converse(scenario, observation)
            await self._collect(scenario, observation)
        except Exception as exc:  # a harness or service failure fails the trial, never the run
            observation.error = f"{type(exc).__name__}: {exc}"
        observation.seconds = time.monotonic() - started
        return observation

    async def warm_up(self, run_id: str, timeout: float = 180.0) -> float:
        """One greeting before the measured trials: the worker's first turn loads models and indexes."""
        scenario = Scenario.model_validate(
            {"id": "warm-up", "title": "warm-up", "language": "en", "turns": [{"say": "Hello"}]}
        )
        observation = Observation("warm-up", 0, chat_id_for(run_id, "warm-up", 0), "")
        observation.thread_id = f"{DEMO_CHANNEL_ID}:{observation.chat_id}"
        started = time.monotonic()
        saved, self.turn_timeout = self.turn_timeout, timeout
        try:
            await self._one(scenario, observation, scenario.turns[0], "say", "Hello", 0, 0)
        finally:
            self.turn_timeout = saved
        return time.monotonic() - started

    # ---- seeding -----------------------------------------------------------------------------------

    async def _seed(self, scenario: Scenario, chat_id: str) -> None:
        initial = scenario.initial
        if initial.crm_contact is not None:
            await self.fakes.create_customer(initial.crm_contact, chat_id)
        if initial.stock:
            await self.service.sync_catalog(await self.fakes.override_stock(initial.stock))

    async def restore(self, scenario: Scenario) -> None:
        """After a scenario that changed what everybody sees: Zoho and the catalog as seeded again."""
        if scenario.initial.stock:
            await self.service.sync_catalog(await self.fakes.restore_stock(scenario.initial.stock))

    # ---- the conversation --------------------------------------------------------------------------

    async def _converse(self, scenario: Scenario, observation: Observation) -> None:
        last_reply_id = 0
        for expect_index, turn in enumerate(scenario.turns):
            if turn.goal is not None:
                history: list[Exchange] = []
                for _ in range(turn.max_turns):
                    line = await self.customer.next_message(
                        goal=turn.goal,
                        persona=scenario.persona,
                        language=scenario.language,
                        script=turn.script,
                        history=history,
                    )
                    if line is None:
                        break
                    record, last_reply_id = await self._one(
                        scenario, observation, turn, "say", line, expect_index, last_reply_id
                    )
                    history.append(Exchange(line, [r.text for r in record.replies]))
                continue
            text = "\n".join(turn.burst) if turn.burst else (turn.say or turn.echo or turn.caption or "")
            _, last_reply_id = await self._one(
                scenario, observation, turn, turn.kind, text, expect_index, last_reply_id
            )

    async def _send(self, scenario: Scenario, observation: Observation, turn: Turn, kind: str, text: str) -> str:
        if kind == "echo":
            return await self.fakes.operator_says(observation.chat_id, text)
        if kind == "burst":
            items = [self._item(scenario, observation, line) for line in text.split("\n")]
        else:
            items = [self._item(scenario, observation, text)]
            media = {"voice": turn.voice, "image": turn.image, "document": turn.document}.get(kind)
            if media is not None:
                items[0]["type"] = turn.media_kind
                items[0]["contentUri"] = self.service.media_url(media)
                items[0].pop("text", None)
                if turn.caption:
                    items[0]["text"] = turn.caption
        for attempt in range(3):  # as Wazzup does: a failed delivery is sent again (same ids, so no duplicate)
            try:
                response = await self.http.post(
                    f"{self.service.url}/webhooks/wazzup",
                    params={"token": DEMO_WEBHOOK_TOKEN},
                    json={"messages": items},
                )
                response.raise_for_status()
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.5)
        return str(items[-1]["messageId"])

    def _item(self, scenario: Scenario, observation: Observation, text: str) -> dict[str, Any]:
        return {
            "messageId": str(uuid.uuid4()),
            "dateTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "channelId": DEMO_CHANNEL_ID,
            "chatType": "whatsapp",
            "chatId": observation.chat_id,
            "type": "text",
            "isEcho": False,
            "status": "inbound",
            "contact": {"name": scenario.initial.customer_name or "Customer", "phone": observation.chat_id},
            "text": text,
        }

    async def _one(
        self,
        scenario: Scenario,
        observation: Observation,
        turn: Turn,
        kind: str,
        text: str,
        expect_index: int,
        after_id: int,
    ) -> tuple[TurnRecord, int]:
        record = TurnRecord(len(observation.turns), kind, text, expect_index)
        observation.turns.append(record)
        message_id = await self._send(scenario, observation, turn, kind, text)
        conversation_id, mode, record.timed_out = await self._wait(observation, message_id)
        record.mode = mode
        if conversation_id is None:
            return record, after_id
        rows = await self.service.fetchall(REPLIES_SQL, (conversation_id, after_id))
        record.replies = [
            Reply(r["text"] or f"[{r['kind']}]", r["turn_id"], r["model"], r["prompt_version"]) for r in rows
        ]
        inbound = await self.service.fetchone(
            "SELECT created_at FROM messages WHERE provider_message_id = %s", (message_id,)
        )
        sent_times = [r["sent_at"] for r in rows if r["sent_at"] is not None]
        if inbound is not None and sent_times:
            record.latency_seconds = (max(sent_times) - inbound["created_at"]).total_seconds()
        config: RunnableConfig = {"configurable": {"thread_id": observation.thread_id}}
        snapshot = await self.service.graph.aget_state(config)
        values = snapshot.values or {}
        record.intent = values.get("intent")
        record.asked = list(values.get("asked") or [])
        record.language = values.get("language")
        last = max((int(r["id"]) for r in rows), default=after_id)
        return record, last

    async def _wait(self, observation: Observation, message_id: str) -> tuple[int | None, str, bool]:
        """Until the message is stored, answered (or held) and every reply part is sent."""
        deadline = time.monotonic() + self.turn_timeout
        params = {"mid": message_id, "channel": DEMO_CHANNEL_ID, "chat": observation.chat_id}
        row: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            row = await self.service.fetchone(PROGRESS_SQL, params)
            if row and row["arrived"] and not row["pending"] and not row["open_turns"] and not row["unsent"]:
                return int(row["id"]), str(row["mode"]), False
            await asyncio.sleep(0.03)
        return (int(row["id"]) if row else None), (str(row["mode"]) if row else "bot"), True

    # ---- final state -------------------------------------------------------------------------------

    async def _collect(self, scenario: Scenario, observation: Observation) -> None:
        conversation = await self.service.fetchone(
            "SELECT id, mode FROM conversations WHERE thread_id = %s", (observation.thread_id,)
        )
        if conversation is None:
            return
        observation.mode = conversation["mode"]
        usage = await self.service.fetchone(
            "SELECT coalesce(sum(prompt_tokens), 0) AS p, coalesce(sum(completion_tokens), 0) AS c,"
            " coalesce(sum(cost), 0) AS cost FROM messages WHERE conversation_id = %s",
            (conversation["id"],),
        )
        assert usage is not None
        observation.prompt_tokens, observation.completion_tokens = int(usage["p"]), int(usage["c"])
        observation.cost = float(usage["cost"])
        errors = await self.service.fetchall(
            "SELECT id, attempts, error FROM turns WHERE conversation_id = %s AND (attempts > 1 OR"
            " (error IS NOT NULL AND error <> 'a person took the thread during the turn'))",
            (conversation["id"],),
        )
        observation.turn_errors = [f"{e['id']}: attempts={e['attempts']} {e['error'] or ''}".strip() for e in errors]
        observation.delivered = len(await self.fakes.wazzup_sent(observation.chat_id))
        await self._history(observation)
        outcome = scenario.expect.outcome
        if outcome.sales_orders is not None or outcome.no_order:
            observation.sales_orders = await self.fakes.sales_orders(observation.chat_id)
        if outcome.deal is not None:
            observation.deals = await self.fakes.deals(observation.chat_id)
        if outcome.escalation is not None or outcome.no_escalation:
            observation.escalations, observation.escalation_source = await self._escalations(
                observation, int(conversation["id"])
            )
        if scenario.exclusive:
            observation.api_requests = [
                f"{r['method']} {r['product']} {r['path']}" for r in await self.fakes.zoho_requests()
            ]

    async def _history(self, observation: Observation) -> None:
        config: RunnableConfig = {"configurable": {"thread_id": observation.thread_id}}
        nodes: list[str] = []
        tools: list[str] = []
        kinds: list[str] = []
        facts: dict[str, list[Any]] = {}
        turns = await self.service.fetchall(
            "SELECT t.nodes FROM turns t JOIN conversations c ON c.id = t.conversation_id"
            " WHERE c.thread_id = %s ORDER BY t.started_at",
            (observation.thread_id,),
        )
        for row in turns:  # the graph persists once per turn: each turn records the nodes it ran
            nodes += [name for name in row["nodes"] if name not in nodes]
        snapshots = [s async for s in self.service.graph.aget_state_history(config)]
        for snapshot in reversed(snapshots):  # oldest first
            values = snapshot.values or {}
            turn_facts = values.get("facts")
            if turn_facts:
                facts.setdefault(str(values.get("turn_id")), []).append(turn_facts)
                kinds += [label for label in fact_labels(turn_facts) if label not in kinds]
        final = snapshots[0].values if snapshots else {}
        for message in final.get("messages", []):
            names: list[str] = []
            if isinstance(message, ToolMessage) and message.name:
                names.append(message.name)
            if isinstance(message, AIMessage):
                names += [call["name"] for call in message.tool_calls]
            tools += [n for n in names if n not in tools]
        observation.nodes, observation.tools, observation.facts_by_turn = nodes, tools, facts
        observation.fact_kinds = kinds

    async def _escalations(self, observation: Observation, conversation_id: int) -> tuple[list[dict[str, Any]], str]:
        """Rows of the escalations table when the inbox has added it, else the Telegram alerts naming the chat."""
        exists = await self.service.fetchone("SELECT to_regclass('escalations') IS NOT NULL AS ok")
        if exists and exists["ok"]:
            rows = await self.service.fetchall("SELECT * FROM escalations")
            mine = [
                dict(r)
                for r in rows
                if r.get("conversation_id") == conversation_id
                or r.get("thread_id") == observation.thread_id
                or r.get("chat_id") == observation.chat_id
            ]
            for row in mine:
                row.setdefault("reason", row.get("reason_code"))
            return mine, "escalations table"
        alerts = [
            {"reason": None, "text": str(m.get("text", ""))}
            for m in await self.fakes.telegram_sent()
            if observation.chat_id in str(m.get("text", "")) or observation.chat_id[-9:] in str(m.get("text", ""))
        ]
        return alerts, "telegram alerts"
