"""The customer's running request: this turn's slots merged into what was asked before.

A new product category starts a new request; otherwise what the customer says now corrects what they
said before ("make it 12", "under 900 instead"), and what they did not mention stays.
"""

from __future__ import annotations

from agent.state import OfferedProduct, Request
from agent.understanding import Slots


def merge_request(previous: Request, slots: Slots) -> Request:
    new_topic = bool(slots.categories) and set(slots.categories) != set(previous.get("categories", []))
    merged: Request = {} if new_topic else Request(**previous)
    if slots.categories:
        merged["categories"] = list(slots.categories)
    if slots.colors:
        merged["colors"] = list(slots.colors)
    if slots.materials:
        merged["materials"] = list(slots.materials)
    item_skus = [item.sku.upper() for item in slots.items if item.sku]
    if slots.skus or item_skus:
        merged["skus"] = list(dict.fromkeys([*slots.skus, *item_skus]))
    quantities = {item.sku.upper(): item.quantity for item in slots.items if item.sku and item.quantity}
    if quantities:
        merged["quantities"] = quantities
    elif slots.skus or slots.quantity is not None:
        merged.pop("quantities", None)  # a new product or one quantity for all replaces the per-line ones
    if slots.quantity is not None:
        merged["quantity"] = slots.quantity
    if slots.budget_total is not None:
        merged["budget_total"] = slots.budget_total
        merged.pop("budget_per_unit", None)
    if slots.budget_per_unit is not None:
        merged["budget_per_unit"] = slots.budget_per_unit
        if slots.budget_total is None:
            merged.pop("budget_total", None)
    if slots.quantity is not None and "budget_total" in merged:
        merged["budget_per_unit"] = round(merged["budget_total"] / slots.quantity, 2)
    if slots.min_width_cm or slots.max_width_cm:
        merged["sizes"] = [f"{slots.min_width_cm or ''}-{slots.max_width_cm or ''}"]
    return merged


def per_unit_budget(request: Request) -> float | None:
    """The most one piece may cost: the budget per piece, else the total over the quantity (one piece when the
    customer gave no quantity: "a meeting table under 5,000")."""
    if "budget_per_unit" in request:
        return request["budget_per_unit"]
    if "budget_total" in request:
        return round(request["budget_total"] / (request.get("quantity") or 1), 2)
    return None


def resolve_pick(offered: list[OfferedProduct], slots: Slots) -> OfferedProduct | None:
    """Which of the options shown the customer means: "the second one", "the walnut one"."""
    if not offered:
        return None
    if slots.pick is not None and slots.pick <= len(offered):
        return offered[slots.pick - 1]
    if slots.colors and not slots.categories:
        wanted = {c.lower() for c in slots.colors}
        matches = [o for o in offered if (o["color"] or "").lower() in wanted]
        if len(matches) == 1:
            return matches[0]
    return None
