"""The sales graph. Wiring only; importing it connects to nothing (Studio loads it as is).

The service compiles `builder` with an AsyncPostgresSaver; `graph` is the checkpointer-less export
named in langgraph.json.

    START → ingest → intent ─┬→ retrieve → recommend ─┐
                             ├→ quote ────────────────┤
                             ├→ order_status ─────────┤
                             └────────────────────────┴→ escalate → respond → guard ─┬→ END
                                                                                     └→ human (interrupt) → END
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph

from agent.context import Context
from agent.nodes.escalate import escalate
from agent.nodes.guard import guard
from agent.nodes.human import human
from agent.nodes.ingest import ingest
from agent.nodes.intent import intent
from agent.nodes.order_status import order_status
from agent.nodes.quote import quote
from agent.nodes.recommend import recommend
from agent.nodes.respond import respond
from agent.nodes.retrieve import retrieve
from agent.state import SalesState, TurnInput, TurnOutput


def after_reply(state: SalesState) -> Literal["human", "__end__"]:
    """An escalation opened this turn: after the holding reply, the graph waits for a person."""
    return "human" if state.get("escalation", {}).get("active") else "__end__"


builder = StateGraph(SalesState, context_schema=Context, input_schema=TurnInput, output_schema=TurnOutput)
builder.add_node("ingest", ingest)
builder.add_node("intent", intent)
builder.add_node("retrieve", retrieve)
builder.add_node("recommend", recommend)
builder.add_node("quote", quote)
builder.add_node("order_status", order_status)
builder.add_node("escalate", escalate)
builder.add_node("respond", respond)
builder.add_node("guard", guard)
builder.add_node("human", human)

builder.add_edge(START, "ingest")
builder.add_edge("ingest", "intent")
builder.add_edge("retrieve", "recommend")
builder.add_edge("recommend", "escalate")
builder.add_edge("quote", "escalate")
builder.add_edge("order_status", "escalate")
builder.add_edge("escalate", "respond")
builder.add_edge("respond", "guard")
builder.add_conditional_edges("guard", after_reply)
builder.add_edge("human", END)

graph = builder.compile(name="sales")
