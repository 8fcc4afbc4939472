"""recommend: the business decisions of this turn, as facts: which products, prices, stock and totals."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from langgraph.runtime import Runtime

from agent.context import Context, chat_id, thread_id
from agent.conversation import deal_summary, understood
from agent.policies.pricing import discount_policy_facts
from agent.policies.recommend import option_facts, recommend_offers
from agent.policies.request import per_unit_budget
from agent.services.customers import CustomerRecord
from agent.state import OfferedProduct, SalesState

log = logging.getLogger(__name__)

FAQ_ANSWER_CHARS = 700
# Questions about the product on the table: with a quantity, they are answered with its total and stock for it.
ABOUT_ONE_PRODUCT = frozenset({"product_question", "price_stock"})


def _faq(retrieved: dict[str, Any]) -> dict[str, Any]:
    hits = retrieved.get("hits", [])
    if not hits:
        return {"kind": "faq_unknown"}
    answer = hits[0]["text"].strip()
    if len(answer) > FAQ_ANSWER_CHARS:
        answer = answer[:FAQ_ANSWER_CHARS].rsplit("\n", 1)[0].rsplit(". ", 1)[0] + "."
    return {"kind": "faq", "answer": answer, "source": hits[0]["source"]}


def decide(state: SalesState, limit: int) -> dict[str, Any]:
    retrieved = state.get("retrieved", {})
    if retrieved.get("kind") == "knowledge":
        return _faq(retrieved)
    if not retrieved.get("available", False):
        return {"kind": "catalog_unavailable"}
    request = state.get("request", {})
    candidates: list[OfferedProduct] = retrieved.get("candidates", [])  # type: ignore[assignment]
    budget = per_unit_budget(request)
    unknown_code = retrieved.get("unknown_code")
    if unknown_code:
        # a code the catalog does not know: said so, with the codes close to it (never unrelated products)
        return {
            "kind": "sku_unknown",
            "code": unknown_code,
            "options": [option_facts(c, None, None) for c in candidates],
        }
    sku_match: OfferedProduct | None = retrieved.get("sku_match")  # type: ignore[assignment]
    similar: list[OfferedProduct] = retrieved.get("alternatives", [])  # type: ignore[assignment]
    if sku_match is not None:
        quantity = request.get("quantity")
        if quantity and state.get("intent") in ABOUT_ONE_PRODUCT:
            line = option_facts(sku_match, quantity, budget)
            facts: dict[str, Any] = {
                "kind": "quantity_updated",
                "product": sku_match,
                "quantity": quantity,
                "total": line["total"],
                # "8 x MC-…" asks; "make it 12" about the product on the table changes what was asked
                "changed": bool(retrieved.get("quantity_written")) and not retrieved.get("code_written"),
            }
            if not line["enough_stock"]:
                others = similar or [c for c in candidates if c["sku"] != sku_match["sku"]]
                alternatives = recommend_offers(others, request, budget, limit - 1)
                options = [o for o in alternatives["options"] if o["enough_stock"]]
                facts |= {"kind": "quantity_short", "options": options}
            return facts
        if sku_match["available_stock"] <= 0 and similar:
            options = [option_facts(a, None, None) for a in similar]
            return {"kind": "sku_unavailable", "product": sku_match, "options": options}
        return {"kind": "sku_info", "product": sku_match}
    unknown = retrieved.get("unknown")
    if unknown:
        related = [c for c in candidates if float(c.get("score", 0)) >= 0.5 and c["available_stock"] > 0]  # type: ignore[arg-type]
        return {"kind": "no_match", "what": unknown, "options": [option_facts(c, None, None) for c in related[:2]]}
    if not candidates:
        return {"kind": "nothing_found", "what": " ".join(request.get("categories", [])[:1]).lower()}
    facts = recommend_offers(candidates, request, budget, limit)
    if facts["reason"] == "over_budget":
        facts["what"] = " / ".join(request.get("categories", [])[:1]).lower()
    cross = retrieved.get("cross_sell")
    if cross and facts["reason"] in ("fits", "no_budget"):
        facts["cross_sell"] = cross
    return facts


async def recommend(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    facts = decide(state, runtime.context.recommendations)
    knowledge = state.get("retrieved", {}).get("knowledge")
    if isinstance(knowledge, dict) and knowledge.get("hits") and facts.get("kind") != "faq":
        facts["also"] = _faq(knowledge)  # a second question in the same message, answered after the first
    shown = facts.get("options") or ([facts["product"]] if "product" in facts else [])
    if shown and "also" not in facts and understood(state).slots.asks_discount:
        # "any discount on 12 mesh chairs?": the options, then the policy; the terms per option once one is known
        facts["also"] = discount_policy_facts(runtime.context.discount_policy())
    update: dict[str, Any] = {"facts": facts}
    if shown:
        update["offered"] = [{k: option[k] for k in OfferedProduct.__annotations__} for option in shown]
        await _interest_in_crm(runtime.context, {**state, **update})  # type: ignore[typeddict-item]
    return update


async def _interest_in_crm(context: Context, state: SalesState) -> None:
    """The first real interest opens the contact and the deal (once; later calls move nothing)."""
    commerce = context.commerce
    if commerce is None:
        return
    record = CustomerRecord.from_state(state.get("customer", {}))
    if not record.phone:
        record = dataclasses.replace(record, phone=chat_id())
    title = ", ".join(o["name"] for o in state.get("offered", []))[:120]
    try:
        await commerce.crm.advance(thread_id(), "interest", record, title=title, summary=deal_summary(state))
    except Exception:  # the CRM follows the conversation; it must never cost the customer the answer
        log.exception("CRM interest failed for %s", thread_id())
