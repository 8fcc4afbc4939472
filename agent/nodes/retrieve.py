"""retrieve: the catalog and the knowledge base, searched for what the customer asked this turn."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from langgraph.runtime import Runtime

from agent.context import Context
from agent.conversation import conversation, latest_customer_text, understood
from agent.policies.recommend import cross_sell_category, offered
from agent.policies.request import per_unit_budget
from agent.state import OfferedProduct, SalesState
from tools.catalog.product import Product
from tools.catalog.query import SearchFilters
from tools.live_stock import mirror_level

if TYPE_CHECKING:
    from tools.catalog.search import CatalogSearch

CANDIDATES = 12


def _filters(state: SalesState, max_price: float | None) -> SearchFilters:
    request = state.get("request", {})
    return SearchFilters(
        categories=request.get("categories", []),
        colors=request.get("colors", []),
        materials=request.get("materials", []),
        max_price=max_price,
        quantity=request.get("quantity"),
    )


async def _knowledge(state: SalesState, runtime: Runtime[Context], text: str) -> dict[str, Any]:
    knowledge = runtime.context.knowledge
    if knowledge is None:
        return {"kind": "knowledge", "hits": []}
    hits = await knowledge.search(text, limit=5)
    language = state["language"]
    own = [h for h in hits if h.chunk.source.endswith(f".{language}.md")]
    ranked = own + [h for h in hits if h not in own] if language != "en" else hits
    return {
        "kind": "knowledge",
        "hits": [{"text": h.chunk.text, "source": h.chunk.source, "heading": h.chunk.heading} for h in ranked[:3]],
    }


# "Agora Glass Meeting Table 200x100 cm - White, 8 Seater" → "Agora Glass Meeting Table"
_FAMILY_END = re.compile(r"\s+(?:Ø?\d|[-–,(])")


async def _alternatives(
    catalog: CatalogSearch, product: Product, limit: int = 2, needed: int = 1
) -> list[OfferedProduct]:
    """Products of the same category with at least `needed` in stock, most similar first: the same name, then
    the same family (the full name implies its colour and size, which may leave nothing else), then the category."""
    found: dict[str, OfferedProduct] = {}
    family = _FAMILY_END.split(product.name, maxsplit=1)[0]
    for query in dict.fromkeys((product.name, family, product.category)):
        hits = await catalog.search(
            query,
            limit=limit + 2 + needed // 10,
            filters=SearchFilters(categories=[product.category], in_stock_only=True),
        )
        for hit in hits:
            if hit.product.canonical_sku != product.canonical_sku and hit.product.available_stock >= needed:
                found.setdefault(hit.product.canonical_sku, offered(hit.product))
        if len(found) >= limit:
            break
    return list(found.values())[:limit]


# What someone asking for a thing Treejar does not sell may use instead: catalog searches per cue (EN/AR/RU).
RELATED_SEARCHES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(r"laptop|computer|monitor|لابتوب|كمبيوتر|ноутбук|компьютер", re.IGNORECASE),
        ("dual monitor arm", "height adjustable desk"),
    ),
    (re.compile(r"phone|هاتف|телефон", re.IGNORECASE), ("phone booth",)),
    (re.compile(r"wardrobe|خزانة|шкаф", re.IGNORECASE), ("locker",)),
    (re.compile(r"dining table|طاولة طعام|обеденн", re.IGNORECASE), ("meeting table", "coffee table")),
    (re.compile(r"carpet|rug|curtain|سجاد|ستائر|ков[её]р|штор", re.IGNORECASE), ("acoustic partition",)),
    (re.compile(r"lamp|مصباح|ламп", re.IGNORECASE), ("LED desk lamp",)),
)


async def _related(catalog: CatalogSearch, unknown: str) -> list[dict[str, Any]]:
    """The best in-stock product for each related search of an out-of-catalog item (none when nothing is)."""
    queries = next((q for cue, q in RELATED_SEARCHES if cue.search(unknown)), ())
    related: list[dict[str, Any]] = []
    for query in queries:
        hits = await catalog.search(query, limit=1, filters=SearchFilters(in_stock_only=True))
        related += [offered(h.product) | {"score": round(h.score, 4)} for h in hits]
    return related


async def _close_codes(catalog: CatalogSearch, code: str, limit: int = 2) -> list[OfferedProduct]:
    """Products whose code is close to an unknown one: the same code family ("MC-AIRO-MB-BLX" → MC-AIRO-MB-…),
    the most alike first, then in stock first. None when even the family is unknown ("XX-NOPE-999")."""
    parts = code.split("-")
    for end in range(len(parts) - 1, 1, -1):
        family = [h.product for h in await catalog.search("-".join(parts[:end]), limit=12) if "sku family" in h.reasons]
        if family:
            family.sort(key=lambda p: (-SequenceMatcher(None, code, p.canonical_sku).ratio(), p.available_stock <= 0))
            return [offered(p) for p in family[:limit]]
    return []


async def _catalog(state: SalesState, runtime: Runtime[Context], text: str) -> dict[str, Any]:
    catalog = runtime.context.catalog
    if catalog is None:
        return {"kind": "catalog", "available": False}
    request = state.get("request", {})
    retrieved: dict[str, Any] = {"kind": "catalog", "available": True}
    # A product code written now wins over one chosen earlier; it is looked up across the whole catalog.
    named = [h for h in await catalog.search(text, limit=3) if "sku" in h.reasons]
    skus = request.get("skus", [])
    product = named[0].product if named else (await catalog.get(skus[0]) if skus else None)
    slots = understood(state).slots
    written = slots.skus
    if product is None and written:
        # A code written now that the catalog does not know: say so (with codes close to it), never guess.
        retrieved["unknown_code"] = written[0]
        retrieved["candidates"] = await _close_codes(catalog, written[0])
        return retrieved
    if slots.not_sold and product is None and not request.get("categories"):
        # Not sold here: say so, and show only what is related (else nothing: the reply lists what we do sell).
        retrieved["unknown"] = slots.not_sold
        retrieved["candidates"] = await _related(catalog, slots.not_sold)
        return retrieved
    budget = per_unit_budget(request)
    # Within budget first; then the best matches at any price, so alternatives stay findable.
    within = await catalog.search(text, limit=CANDIDATES, filters=_filters(state, budget)) if budget else []
    anywhere = await catalog.search(text, limit=CANDIDATES, filters=_filters(state, None))
    seen = {h.product.canonical_sku for h in within}
    hits = within + [h for h in anywhere if h.product.canonical_sku not in seen]
    if product is not None:
        # One exact product: its price and stock as Zoho has them now (the mirror's when Zoho is slow or down).
        level = await runtime.context.inventory.level(product) if runtime.context.inventory else mirror_level(product)
        retrieved["sku_match"] = offered(product) | {
            "price": level.price,
            "available_stock": level.available_stock,
            "source": level.source,
        }
        # "10 of MC-…": the quantity asked must be in stock, else alternatives that have it all
        needed = (request.get("quantity") or 1) if state.get("intent") in ("product_question", "price_stock") else 1
        if level.available_stock < needed and product.category:
            retrieved["alternatives"] = await _alternatives(catalog, product, needed=needed)
        # the code written in this very message (a first mention) or a quantity for the product on the table
        retrieved["code_written"] = bool(named)
        retrieved["quantity_written"] = slots.quantity is not None
    retrieved["candidates"] = [offered(h.product) | {"score": round(h.score, 4)} for h in hits]
    cross = cross_sell_category(request)
    if cross and retrieved["candidates"]:
        extra = await catalog.search(cross, limit=3, filters=SearchFilters(categories=[cross], in_stock_only=True))
        affordable = [h for h in extra if budget is None or float(h.product.price) <= budget * 1.5]
        if affordable:
            retrieved["cross_sell"] = offered(affordable[0].product)
    return retrieved


async def retrieve(state: SalesState, runtime: Runtime[Context]) -> dict[str, Any]:
    text = latest_customer_text(conversation(state))
    if state["intent"] == "faq":
        return {"retrieved": await _knowledge(state, runtime, text)}
    retrieved = await _catalog(state, runtime, text)
    if understood(state).has("faq"):
        # "how much is MC-… and do you deliver to Sharjah?": the second question is answered too
        retrieved["knowledge"] = await _knowledge(state, runtime, text)
    return {"retrieved": retrieved}
