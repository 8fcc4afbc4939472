"""Prices, discounts and quotation totals, Decimal-exact (AED, rounded to fils).

* `unit_price(product, pricebook)`: the customer's price for one item: the list rate, or the customer's Zoho
  price book (per-item lines, or a percentage list applied to the list rate). Inactive items are refused
  (`ItemUnavailable`); an inactive or non-AED price book is ignored; a per-item list without a line for the
  item falls back to the list rate (as Zoho does).
* `DiscountPolicy.decide(...)`: what the bot may grant for a requested discount (volume tiers, a maximum the
  bot may grant on its own); anything beyond becomes an `approval_required` decision for a manager, never a
  promise.
* `quote_totals(lines, discount_percent)`: line totals, discount, VAT on the discounted subtotal, total.

Rounding: every amount is rounded half-up to fils (0.01) once, where it is computed; line totals are exact
(fils x integer quantity), the discount is rounded from the subtotal, VAT from the discounted subtotal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from agent.state import CartLine, OfferedProduct
from tools.catalog.product import Product
from tools.zoho.models import Pricebook

CURRENCY = "AED"
FILS = Decimal("0.01")
VAT_RATE = Decimal("0.05")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")

PriceSource = Literal["list", "pricebook"]


class PricingError(ValueError):
    """A price that cannot be given."""


class ItemUnavailable(PricingError):
    """The item is inactive in Zoho: it must not be quoted."""

    def __init__(self, sku: str) -> None:
        super().__init__(f"item {sku} is inactive and cannot be quoted")
        self.sku = sku


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """A money-ish value as Decimal without float noise (floats go through their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise PricingError(f"not an amount: {value!r}")
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise PricingError(f"not an amount: {value!r}") from exc


def fils(value: Decimal | float | int | str) -> Decimal:
    """Round half-up to fils (two decimals)."""
    return to_decimal(value).quantize(FILS, rounding=ROUND_HALF_UP)


# ---- unit prices ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitPrice:
    item_id: str
    sku: str
    list_rate: Decimal
    unit_price: Decimal
    source: PriceSource
    pricebook_id: str | None = None
    pricebook_name: str | None = None

    @property
    def saving_percent(self) -> Decimal:
        """How far below the list rate (negative when a tender price is above it), to 0.01%."""
        if not self.list_rate:
            return ZERO
        return ((self.list_rate - self.unit_price) / self.list_rate * HUNDRED).quantize(FILS, rounding=ROUND_HALF_UP)


def pricebook_applies(pricebook: Pricebook | None) -> bool:
    if pricebook is None:
        return False
    if pricebook.status and pricebook.status.lower() != "active":
        return False
    return not (pricebook.currency_code and pricebook.currency_code.upper() != CURRENCY)


def pricebook_rate(pricebook: Pricebook, item_id: str, list_rate: Decimal) -> Decimal | None:
    """The rate this price book gives the item (None: a per-item book without a line for it).

    Percentage books (`fixed_percentage`) apply `percentage` to the list rate, down unless `is_increase`,
    rounded half-up to fils (Zoho's `rounding_type: no_rounding` still stores two decimals).
    """
    if pricebook.pricebook_type == "per_item":
        for line in pricebook.pricebook_items:
            if line.item_id == item_id and line.pricebook_rate is not None:
                return fils(line.pricebook_rate)
        return None
    percentage = to_decimal(pricebook.percentage or 0)
    factor = 1 + percentage / HUNDRED if pricebook.is_increase else 1 - percentage / HUNDRED
    return fils(list_rate * factor)


def unit_price(product: Product, pricebook: Pricebook | None = None) -> UnitPrice:
    """The unit price (AED, excl. VAT) this customer pays for `product`."""
    if not product.active:
        raise ItemUnavailable(product.sku)
    list_rate = fils(product.price)
    if pricebook is not None and pricebook_applies(pricebook):
        rate = pricebook_rate(pricebook, product.item_id, list_rate)
        if rate is not None:
            return UnitPrice(
                product.item_id, product.sku, list_rate, rate, "pricebook", pricebook.pricebook_id, pricebook.name
            )
    return UnitPrice(product.item_id, product.sku, list_rate, list_rate, "list")


# ---- quotation lines and totals ------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    item_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    list_rate: Decimal
    price_source: PriceSource
    name_ar: str | None = None
    unit: str = "pcs"

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise PricingError(f"quantity must be positive, got {self.quantity} for {self.sku}")
        if self.unit_price < 0:
            raise PricingError(f"negative unit price for {self.sku}")

    @property
    def line_total(self) -> Decimal:
        return fils(self.unit_price * self.quantity)

    def to_cart_line(self) -> CartLine:
        """The graph's `CartLine` (floats there are for JSON; recompute totals from `QuoteLine`s)."""
        return CartLine(
            sku=self.sku,
            name=self.name,
            quantity=self.quantity,
            unit_price=float(self.unit_price),
            price_source=self.price_source,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "item_id": self.item_id,
            "sku": self.sku,
            "name": self.name,
            "name_ar": self.name_ar,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": str(self.unit_price),
            "list_rate": str(self.list_rate),
            "price_source": self.price_source,
            "line_total": str(self.line_total),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> QuoteLine:
        source = str(data.get("price_source") or "list")
        return cls(
            item_id=str(data["item_id"]),
            sku=str(data["sku"]),
            name=str(data["name"]),
            name_ar=str(data["name_ar"]) if data.get("name_ar") else None,
            quantity=int(str(data["quantity"])),
            unit=str(data.get("unit") or "pcs"),
            unit_price=to_decimal(str(data["unit_price"])),
            list_rate=to_decimal(str(data.get("list_rate") or data["unit_price"])),
            price_source="pricebook" if source == "pricebook" else "list",
        )


def quote_line(product: Product, quantity: int, pricebook: Pricebook | None = None) -> QuoteLine:
    price = unit_price(product, pricebook)
    return QuoteLine(
        item_id=product.item_id,
        sku=product.sku,
        name=product.name,
        name_ar=product.name_ar,
        quantity=quantity,
        unit=product.unit,
        unit_price=price.unit_price,
        list_rate=price.list_rate,
        price_source=price.source,
    )


def price_lines(items: Iterable[tuple[Product, int]], pricebook: Pricebook | None = None) -> list[QuoteLine]:
    """Quote lines for (product, quantity) pairs; the same SKU twice is merged into one line."""
    merged: dict[str, tuple[Product, int]] = {}
    for product, quantity in items:
        previous = merged.get(product.item_id)
        merged[product.item_id] = (product, quantity + (previous[1] if previous else 0))
    return [quote_line(product, quantity, pricebook) for product, quantity in merged.values()]


@dataclass(frozen=True)
class QuoteTotals:
    lines: tuple[QuoteLine, ...]
    subtotal: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    taxable: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal
    currency: str = CURRENCY

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * HUNDRED).normalize()

    def to_json(self) -> dict[str, object]:
        return {
            "lines": [line.to_json() for line in self.lines],
            "subtotal": str(self.subtotal),
            "discount_percent": str(self.discount_percent),
            "discount_amount": str(self.discount_amount),
            "taxable": str(self.taxable),
            "vat_rate": str(self.vat_rate),
            "vat": str(self.vat),
            "total": str(self.total),
            "currency": self.currency,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> QuoteTotals:
        raw_lines = data.get("lines")
        lines = [QuoteLine.from_json(line) for line in raw_lines] if isinstance(raw_lines, list) else []
        return quote_totals(
            lines, to_decimal(str(data.get("discount_percent") or "0")), vat_rate=to_decimal(str(data["vat_rate"]))
        )


def quote_totals(
    lines: Sequence[QuoteLine], discount_percent: Decimal | int | str = 0, *, vat_rate: Decimal = VAT_RATE
) -> QuoteTotals:
    """Totals of a quotation: subtotal (sum of line totals), an entity-level discount, VAT on the discounted
    subtotal, total. Every amount in fils."""
    percent = to_decimal(discount_percent)
    if not ZERO <= percent <= HUNDRED:
        raise PricingError(f"discount must be between 0 and 100%, got {percent}")
    if not lines:
        raise PricingError("a quotation needs at least one line")
    subtotal = fils(sum((line.line_total for line in lines), ZERO))
    discount = fils(subtotal * percent / HUNDRED)
    taxable = subtotal - discount
    vat = fils(taxable * vat_rate)
    return QuoteTotals(
        lines=tuple(lines),
        subtotal=subtotal,
        discount_percent=percent,
        discount_amount=discount,
        taxable=taxable,
        vat_rate=vat_rate,
        vat=vat,
        total=taxable + vat,
    )


# ---- discount policy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolumeTier:
    """From `min_subtotal` (AED excl. VAT, inclusive) a discount of up to `max_percent` is allowed."""

    min_subtotal: Decimal
    max_percent: Decimal


DecisionKind = Literal["none", "granted", "approval_required"]


@dataclass(frozen=True)
class DiscountDecision:
    """What to do with a discount request. `granted_percent` may be applied and stated; for
    `approval_required` nothing may be promised: a manager decides (`requested_percent`, `reason`)."""

    kind: DecisionKind
    requested_percent: Decimal
    granted_percent: Decimal
    allowed_percent: Decimal
    """The most the bot could have granted on its own at this subtotal."""
    tier_percent: Decimal
    """The volume tier's maximum at this subtotal (what a manager may approve without the director)."""
    reason: str
    """none | within_policy | no_tier | above_bot_limit | above_tier | pricebook_customer | director_approval"""

    @property
    def needs_approval(self) -> bool:
        return self.kind == "approval_required"


def parse_tiers(text: str) -> tuple[VolumeTier, ...]:
    """ "10000:5,25000:8,50000:12" → tiers (settings format)."""
    tiers: list[VolumeTier] = []
    for part in text.split(","):
        if not part.strip():
            continue
        threshold, _, percent = part.partition(":")
        tiers.append(VolumeTier(to_decimal(threshold), to_decimal(percent)))
    return tuple(sorted(tiers, key=lambda t: t.min_subtotal))


@dataclass(frozen=True)
class DiscountPolicy:
    """Volume tiers and the bot's own limit.

    Args:
        tiers: volume tiers (any order).
        bot_max_percent: the most the bot may grant on its own (never above the tier).
        approval_from_subtotal: at or above this subtotal every discount needs a manager (the director's tier).
        combine_with_pricebook: whether a price-book customer may get a volume discount on top (Treejar: no).
    """

    tiers: tuple[VolumeTier, ...] = field(
        default_factory=lambda: parse_tiers("10000:5,25000:8,50000:12"),
    )
    bot_max_percent: Decimal = Decimal(5)
    approval_from_subtotal: Decimal | None = Decimal(50000)
    combine_with_pricebook: bool = False

    def tier_percent(self, subtotal: Decimal) -> Decimal:
        best = ZERO
        for tier in self.tiers:
            if subtotal >= tier.min_subtotal:
                best = max(best, tier.max_percent)
        return best

    def allowed_percent(self, subtotal: Decimal, *, pricebook_customer: bool = False) -> Decimal:
        """What the bot may grant on its own at this subtotal."""
        if pricebook_customer and not self.combine_with_pricebook:
            return ZERO
        if self.approval_from_subtotal is not None and subtotal >= self.approval_from_subtotal:
            return ZERO
        return min(self.tier_percent(subtotal), self.bot_max_percent)

    def decide(
        self,
        subtotal: Decimal,
        requested_percent: Decimal | int | str | None = None,
        *,
        requested_amount: Decimal | int | str | None = None,
        pricebook_customer: bool = False,
    ) -> DiscountDecision:
        """The decision for a requested discount, as a percentage or an amount off the subtotal."""
        subtotal = to_decimal(subtotal)
        if requested_amount is not None and subtotal > 0:
            requested = (to_decimal(requested_amount) / subtotal * HUNDRED).quantize(FILS, rounding=ROUND_HALF_UP)
        else:
            requested = to_decimal(requested_percent or 0)
        tier = self.tier_percent(subtotal)
        allowed = self.allowed_percent(subtotal, pricebook_customer=pricebook_customer)

        def decision(kind: DecisionKind, granted: Decimal, reason: str) -> DiscountDecision:
            return DiscountDecision(kind, requested, granted, allowed, tier, reason)

        if requested <= 0:
            return decision("none", ZERO, "none")
        if requested <= allowed:
            return decision("granted", requested, "within_policy")
        if pricebook_customer and not self.combine_with_pricebook:
            reason = "pricebook_customer"
        elif self.approval_from_subtotal is not None and subtotal >= self.approval_from_subtotal:
            reason = "director_approval"
        elif tier <= 0:
            reason = "no_tier"
        elif requested > tier:
            reason = "above_tier"
        else:
            reason = "above_bot_limit"
        return decision("approval_required", ZERO, reason)


def discount_outlook(
    offered: Sequence[OfferedProduct],
    quantity: int | None,
    policy: DiscountPolicy,
    *,
    asked_percent: float | None,
    pricebook_customer: bool,
) -> dict[str, object]:
    """What the policy allows on each option shown, at the quantity asked, before a product is chosen: the facts of
    an "any discount if we take all 12?" answer."""
    options: list[dict[str, object]] = []
    for option in offered:
        if not quantity:
            break  # without a quantity there is no order value to decide from: the terms alone are given
        subtotal = fils(to_decimal(option["price"]) * quantity)
        allowed = policy.allowed_percent(subtotal, pricebook_customer=pricebook_customer)
        needs_approval = policy.approval_from_subtotal is not None and subtotal >= policy.approval_from_subtotal
        options.append(
            {
                **option,
                "quantity": quantity,
                "subtotal": str(subtotal),
                "allowed_percent": str(allowed),
                "manager_decides": needs_approval,
            }
        )
    return {
        **discount_policy_facts(policy),
        "kind": "discount_terms",
        "asked_percent": asked_percent,
        "quantity": quantity,
        "options": options,
        "pricebook_customer": pricebook_customer,
    }


def discount_policy_facts(policy: DiscountPolicy) -> dict[str, object]:
    """The policy in one line's facts (the first tier, the bot's own limit), for a discount asked in the same message
    as a search; the per-option terms build on it."""
    first_tier = min((tier.min_subtotal for tier in policy.tiers), default=None)
    return {
        "kind": "discount_policy",
        "first_tier_aed": str(first_tier) if first_tier is not None else None,
        "bot_max_percent": str(policy.bot_max_percent),
    }
