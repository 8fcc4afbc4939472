"""The demo data the fakes are seeded from (a copy of the synthetic Treejar fixtures, shipped in the repo)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA_DIR = PROJECT_ROOT / "data" / "demo"
KNOWLEDGE_DIR = PROJECT_ROOT / "data" / "knowledge"


def _load(relative: str) -> Any:
    return json.loads((DEMO_DATA_DIR / relative).read_text(encoding="utf-8"))


@cache
def demo_items() -> list[dict[str, Any]]:
    """Zoho Inventory item objects, as GET /inventory/v1/items returns them page by page."""
    items: list[dict[str, Any]] = _load("zoho_inventory/items.json")["items"]
    return items


@cache
def demo_pricebooks() -> list[dict[str, Any]]:
    books: list[dict[str, Any]] = _load("zoho_inventory/pricebooks.json")["pricebooks"]
    return books


@cache
def demo_inventory_contacts() -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = _load("zoho_inventory/contacts.json")["contacts"]
    return contacts


@cache
def demo_edge_cases() -> dict[str, Any]:
    cases: dict[str, Any] = _load("zoho_inventory/edge_cases.json")
    return cases


@cache
def demo_crm_contacts() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = _load("zoho_crm/contacts.json")["data"]
    return records


@cache
def demo_crm_deals() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = _load("zoho_crm/deals.json")["data"]
    return records


@cache
def demo_managers() -> list[dict[str, Any]]:
    managers: list[dict[str, Any]] = _load("managers.json")["managers"]
    return managers
