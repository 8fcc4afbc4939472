"""The catalog indexing graph: fetch changed Zoho items → upsert products → re-embed/index → report.

Wiring only; importing it connects to nothing (Studio loads it as is). Nodes: agent/nodes/catalog_index.py. The
service's workers run the same steps on a schedule (`CatalogSync.run`); this graph runs one sync on demand,
with the service's `CatalogSync` in its context (or one opened from Settings when run in Studio).
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.nodes.catalog_index import (
    CatalogIndexContext,
    CatalogIndexInput,
    CatalogIndexOutput,
    CatalogIndexState,
    after_fetch,
    fetch_changed,
    more_pages,
    reindex,
    report,
    upsert_products,
)

builder = StateGraph(
    CatalogIndexState,
    context_schema=CatalogIndexContext,
    input_schema=CatalogIndexInput,
    output_schema=CatalogIndexOutput,
)
builder.add_node("fetch_changed", fetch_changed)
builder.add_node("upsert_products", upsert_products)
builder.add_node("reindex", reindex)
builder.add_node("report", report)

builder.add_edge(START, "fetch_changed")
builder.add_conditional_edges("fetch_changed", after_fetch)
builder.add_edge("upsert_products", "reindex")
builder.add_conditional_edges("reindex", more_pages)
builder.add_edge("report", END)

graph = builder.compile(name="catalog_index")
