"""The sales graph. Wiring only; importing it connects to nothing (Studio loads it as is).

The service compiles `builder` with an AsyncPostgresSaver; `graph` is the checkpointer-less export
named in langgraph.json.

    START → ingest → intent ─┬→ retrieve → recommend ─┐
                             └────────────────────────┴→ respond → guard → END
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.context import Context
from agent.nodes.guard import guard
from agent.nodes.ingest import ingest
from agent.nodes.intent import intent
from agent.nodes.recommend import recommend
from agent.nodes.respond import respond
from agent.nodes.retrieve import retrieve
from agent.state import SalesState, TurnInput, TurnOutput

builder = StateGraph(SalesState, context_schema=Context, input_schema=TurnInput, output_schema=TurnOutput)
builder.add_node("ingest", ingest)
builder.add_node("intent", intent)
builder.add_node("retrieve", retrieve)
builder.add_node("recommend", recommend)
builder.add_node("respond", respond)
builder.add_node("guard", guard)

builder.add_edge(START, "ingest")
builder.add_edge("ingest", "intent")
builder.add_edge("retrieve", "recommend")
builder.add_edge("recommend", "respond")
builder.add_edge("respond", "guard")
builder.add_edge("guard", END)

graph = builder.compile(name="sales")
