"""The quality graph: review one conversation episode on the client's checklist. Wiring only; importing it
connects to nothing. The reviewer and the store come in the run's context (agent/quality/context.py).

    START → load ─┬→ review ─┬→ store → END
                  └→ END     └→ END (the reviewer failed: error in the output, nothing stored)
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.quality.context import QualityContext, QualityInput, QualityOutput, QualityState
from agent.quality.nodes import after_load, after_review, load, review, store

builder = StateGraph(
    QualityState, context_schema=QualityContext, input_schema=QualityInput, output_schema=QualityOutput
)
builder.add_node("load", load)
builder.add_node("review", review)
builder.add_node("store", store)

builder.add_edge(START, "load")
builder.add_conditional_edges("load", after_load)
builder.add_conditional_edges("review", after_review)
builder.add_edge("store", END)

graph = builder.compile(name="quality")
