"""Recommendations decided in code: which products, at what price and stock, with which totals.

The model only puts these facts into words; every number a reply may state is here.
"""

from __future__ import annotations

from typing import Any, Literal

from agent.state import OfferedProduct, Request
from tools.catalog.product import Product

Reason = Literal["fits", "over_budget", "out_of_stock", "no_budget"]

# One relevant cross-sell, from the category of what was asked.
CROSS_SELL: dict[str, str] = {
    "Executive Desks": "Executive Chairs",
    "L-Shaped Desks": "Ergonomic & Task Chairs",
    "Operator Desks": "Ergonomic & Task Chairs",
    "Height-Adjustable Desks": "Ergonomic & Task Chairs",
    "Workstations": "Pedestals & Mobile Drawers",
    "Meeting & Conference Tables": "Visitor & Conference Chairs",
    "Reception Desks": "Sofas & Lounge Seating",
    "Training Tables": "Visitor & Conference Chairs",
}


def offered(product: Product) -> OfferedProduct:
    return {
        "sku": product.canonical_sku,
        "name": product.name,
        "name_ar": product.name_ar or None,
        "price": float(product.price),
        "currency": product.currency,
        "available_stock": max(product.available_stock, 0),
        "color": product.color,
        "category": product.category or None,
    }


def option_facts(product: OfferedProduct, quantity: int | None, budget_per_unit: float | None) -> dict[str, Any]:
    line: dict[str, Any] = {k: product[k] for k in OfferedProduct.__annotations__}  # type: ignore[literal-required]
    if quantity:
        line["quantity"] = quantity
        line["total"] = round(product["price"] * quantity, 2)
        line["enough_stock"] = product["available_stock"] >= quantity
    else:
        line["enough_stock"] = product["available_stock"] > 0
    line["fits_budget"] = budget_per_unit is None or product["price"] <= budget_per_unit + 0.005
    return line


def recommend_offers(
    candidates: list[OfferedProduct], request: Request, budget_per_unit: float | None, limit: int = 3
) -> dict[str, Any]:
    """Best matches (in relevance order) within budget and stock; when none, the closest alternatives and why."""
    quantity = request.get("quantity")
    needed = quantity or 1
    fits = [p for p in candidates if budget_per_unit is None or p["price"] <= budget_per_unit + 0.005]
    in_stock = [p for p in fits if p["available_stock"] >= needed]
    chosen: list[OfferedProduct]
    if in_stock:
        chosen, reason = in_stock[:limit], ("fits" if budget_per_unit is not None else "no_budget")
    elif fits:
        # Within budget but not enough stock: say so, and show what is in stock (even if above budget).
        stocked = sorted((p for p in candidates if p["available_stock"] >= needed), key=lambda p: p["price"])
        chosen, reason = (fits[:1] + stocked[: limit - 1]), "out_of_stock"
    else:
        stocked = sorted((p for p in candidates if p["available_stock"] >= needed), key=lambda p: p["price"])
        chosen, reason = stocked[:limit], "over_budget"
    options = [option_facts(p, quantity, budget_per_unit) for p in chosen]
    facts: dict[str, Any] = {"kind": "recommendation", "reason": reason, "options": options}
    if quantity:
        facts["quantity"] = quantity
    if "budget_total" in request:
        facts["budget_total"] = request["budget_total"]
    if budget_per_unit is not None:
        facts["budget_per_unit"] = budget_per_unit
    return facts


def cross_sell_category(request: Request) -> str | None:
    categories = request.get("categories", [])
    return next((CROSS_SELL[c] for c in categories if c in CROSS_SELL), None)
