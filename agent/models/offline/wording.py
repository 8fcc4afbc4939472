"""The offline model's words: templates from prompts/offline/<language>.toml filled with facts.

Numbers come only from facts and are formatted one way (1,150.00), so `guard` can check them.
"""

from __future__ import annotations

from typing import Any

from agent.language import Language
from prompts import PromptSource

MEDIA_NAMES: dict[Language, dict[str, str]] = {
    "en": {"image": "photo", "audio": "voice message", "video": "video", "document": "document"},
    "ar": {"image": "الصورة", "audio": "الرسالة الصوتية", "video": "الفيديو", "document": "المستند"},
    "ru": {"image": "фото", "audio": "голосовое сообщение", "video": "видео", "document": "документ"},
}


def money(value: float) -> str:
    return f"{value:,.2f}"


def _percent(value: object) -> str:
    """5.00 → "5", 7.5 → "7.5"."""
    return f"{float(str(value)):g}"


def _policy_figures(facts: dict[str, Any]) -> dict[str, str]:
    """The discount policy's first tier and the bot's own limit, as the templates write them."""
    return {"first_tier": money(float(facts["first_tier_aed"] or 0)), "bot_max": _percent(facts["bot_max_percent"])}


def display_name(option: dict[str, Any], language: Language) -> str:
    if language == "ar" and option.get("name_ar"):
        return str(option["name_ar"])
    return str(option["name"])


class Wording:
    def __init__(self, language: Language, prompts: PromptSource | None = None) -> None:
        self.language = language
        self.templates, self.version = (prompts or PromptSource()).templates(language)

    def t(self, key: str, **values: Any) -> str:
        return str(self.templates[key]).format(**values)

    def option_line(self, number: int, option: dict[str, Any]) -> str:
        stock = int(option.get("available_stock", 0))
        stock_part = self.t("stock_part", stock=stock) if stock > 0 else self.t("no_stock_part")
        total_part = ""
        if option.get("quantity"):
            total_part = self.t(
                "total_part", quantity=option["quantity"], price=money(option["price"]), total=money(option["total"])
            )
        return self.t(
            "option_line",
            n=number,
            name=display_name(option, self.language),
            sku=option["sku"],
            price=money(option["price"]),
            stock_part=stock_part,
            total_part=total_part,
        )

    def options(self, options: list[dict[str, Any]]) -> str:
        return "\n".join(self.option_line(n, option) for n, option in enumerate(options, start=1))

    def render(self, situation: str, facts: dict[str, Any], customer_name: str | None) -> str:
        comma = "،" if self.language == "ar" else ","  # the Arabic comma in Arabic text
        name_part = f"{comma} {customer_name}" if customer_name else ""
        render = getattr(self, f"_{situation}", None)
        if render is not None:
            text: str = render(facts, name_part)
        else:
            key = situation if situation in self.templates else "fallback"
            media = MEDIA_NAMES[self.language].get(str(facts.get("media_kind", "")), "")
            text = self.t(key, name_part=name_part, media=media)
        also = facts.get("also")
        if isinstance(also, dict) and also.get("kind"):
            text += "\n\n" + self.render(str(also["kind"]), also, None)  # the message's second question
        return text

    def _recommendation(self, facts: dict[str, Any], name_part: str) -> str:
        options = facts["options"]
        cross = facts.get("cross_sell")
        cross_sell = (
            self.t(
                "cross_sell_line",
                name=display_name(cross, self.language),
                sku=cross["sku"],
                price=money(cross["price"]),
            )
            if cross
            else ""
        )
        reason = facts["reason"]
        budget = facts.get("budget_per_unit")
        if reason == "out_of_stock":
            first = options[0]
            return self.t(
                "recommendation_out_of_stock",
                first=display_name(first, self.language),
                first_stock=first["available_stock"],
                options=self.options(options[1:] or options),
            )
        if reason == "over_budget":
            return self.t(
                "recommendation_over_budget",
                what=facts.get("what", ""),
                budget=money(budget or 0),
                options=self.options(options),
            )
        if reason == "fits":
            budget_part = self.t("budget_part", budget=money(budget)) if budget else ""
            return self.t(
                "recommendation_fits", budget_part=budget_part, options=self.options(options), cross_sell=cross_sell
            )
        quantity = facts.get("quantity")
        quantity_part = self.t("quantity_part", quantity=quantity) if quantity else ""
        return self.t(
            "recommendation_no_budget",
            quantity_part=quantity_part,
            options=self.options(options),
            cross_sell=cross_sell,
        )

    def _escalation(self, facts: dict[str, Any], name_part: str) -> str:
        """The holding message: why a colleague takes over, without a sales pitch or a promise."""
        reason = str(facts.get("reason", ""))
        key = {"complaint": "complaint", "human_request": "handover"}.get(reason, f"escalation_{reason}")
        holding = self.t(key if key in self.templates else "handover", name_part=name_part)
        answer = facts.get("answer")
        if isinstance(answer, dict) and answer.get("kind"):
            # answer first, then route: the price and stock asked for are given before a colleague takes over
            return self.render(str(answer["kind"]), answer, None) + "\n\n" + holding
        return holding

    def _quote_lines(self, facts: dict[str, Any]) -> str:
        return "\n".join(
            self.t(
                "quote_line",
                quantity=line["quantity"],
                name=display_name(line, self.language),
                sku=line["sku"],
                unit_price=money(float(line["unit_price"])),
                line_total=money(float(line["line_total"])),
            )
            for line in facts["lines"]
        )

    def _quote_totals(self, facts: dict[str, Any]) -> str:
        discount_line = ""
        if float(facts.get("discount_amount") or 0):
            discount_line = self.t(
                "quote_discount_line",
                percent=_percent(facts["discount_percent"]),
                amount=money(float(facts["discount_amount"])),
            )
        return self.t(
            "quote_totals",
            subtotal=money(float(facts["subtotal"])),
            discount_line=discount_line,
            vat_percent=_percent(facts["vat_percent"]),
            vat=money(float(facts["vat"])),
            total=money(float(facts["total"])),
        )

    def _discount_note(self, facts: dict[str, Any]) -> str:
        decision = facts.get("discount_decision")
        if decision == "granted":
            return self.t("discount_granted", percent=_percent(facts["granted_percent"]))
        return self.t("discount_none") if decision == "none" else ""

    def _discount_terms(self, facts: dict[str, Any], name_part: str) -> str:
        if facts.get("pricebook_customer"):
            return self.t("discount_terms_pricebook", name_part=name_part)
        lines = "".join(
            self.t(
                "discount_terms_line",
                name=display_name(option, self.language),
                sku=option["sku"],
                quantity=option["quantity"],
                price=money(option["price"]),
                subtotal=money(float(option["subtotal"])),
                percent_text=self._allowed(option),
            )
            for option in facts.get("options") or []
        ) or self.t("discount_terms_no_quantity")
        asked = facts.get("asked_percent")
        beyond = asked is not None and float(asked) > float(facts["bot_max_percent"])
        return self.t(
            "discount_terms",
            name_part=name_part,
            **_policy_figures(facts),
            lines=lines,
            asked_part=self.t("discount_terms_asked", asked=_percent(asked)) if beyond else "",
        )

    def _discount_policy(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t(
            "discount_policy",
            **_policy_figures(facts),
        )

    def _allowed(self, option: dict[str, Any]) -> str:
        if option.get("manager_decides"):
            return self.t("discount_terms_manager")
        if float(option["allowed_percent"]) > 0:
            return self.t("discount_terms_percent", percent=_percent(option["allowed_percent"]))
        return self.t("discount_terms_below")

    def _quote_details(self, facts: dict[str, Any], name_part: str) -> str:
        wanted = [self.t(f"detail_{detail}") for detail in facts["missing"]]
        missing = wanted[0] if len(wanted) == 1 else f"{', '.join(wanted[:-1])} {self.t('and')} {wanted[-1]}"
        return self.t(
            "quote_details",
            name_part=name_part,
            lines=self._quote_lines(facts),
            totals=self._quote_totals(facts),
            discount_note=self._discount_note(facts),
            missing=missing,
        )

    def _quote_confirm(self, facts: dict[str, Any], name_part: str) -> str:
        customer = facts["customer"]
        company = customer["company"] if customer["company"] != "individual" else ""
        who = ", ".join(part for part in (customer["name"], company, customer["email"]) if part)
        return self.t(
            "quote_confirm",
            quote_id=facts["quote_id"],
            lines=self._quote_lines(facts),
            totals=self._quote_totals(facts),
            discount_note=self._discount_note(facts),
            customer=who,
            delivery_area=customer["delivery_area"],
            valid_until=facts["valid_until"],
        )

    def _quote_sent(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t(
            "quote_sent",
            name_part=name_part,
            quote_id=facts["quote_id"],
            sales_order_number=facts["sales_order_number"],
            total=money(float(facts["total"])),
        )

    def _quote_already_sent(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t("quote_already_sent", quote_id=facts.get("quote_id", ""))

    def _quote_item_unavailable(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t("quote_item_unavailable", sku=facts.get("sku", ""))

    def _order_status(self, facts: dict[str, Any], name_part: str) -> str:
        date_part = self.t("order_date_part", date=facts["date"]) if facts.get("date") else ""
        if facts.get("shipment_date"):
            date_part += self.t("order_shipment_part", shipment_date=facts["shipment_date"])
        return self.t(
            "order_status",
            salesorder_number=facts["salesorder_number"],
            status=facts["status"],
            date_part=date_part,
        )

    def _sku_info(self, facts: dict[str, Any], name_part: str) -> str:
        product = facts["product"]
        stock = int(product["available_stock"])
        stock_text = self.t("in_stock_text", stock=stock) if stock > 0 else self.t("out_of_stock_text")
        return self.t(
            "sku_info",
            name=display_name(product, self.language),
            sku=product["sku"],
            price=money(product["price"]),
            stock_text=stock_text,
        )

    def _sku_unavailable(self, facts: dict[str, Any], name_part: str) -> str:
        return self._sku_info(facts, name_part) + "\n" + self.t("alternatives", options=self.options(facts["options"]))

    def _sku_unknown(self, facts: dict[str, Any], name_part: str) -> str:
        if facts.get("options"):
            return self.t("sku_unknown_close", code=facts.get("code", ""), options=self.options(facts["options"]))
        return self.t("sku_unknown", code=facts.get("code", ""))

    def _no_match(self, facts: dict[str, Any], name_part: str) -> str:
        if facts.get("options"):
            return self.t("no_match", what=facts["what"], options=self.options(facts["options"]))
        return self.t("no_match_no_options", what=facts["what"])

    def _nothing_found(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t("nothing_found", what=facts.get("what", ""))

    def _faq(self, facts: dict[str, Any], name_part: str) -> str:
        return self.t("faq", answer=facts["answer"])

    def _quantity_short(self, facts: dict[str, Any], name_part: str) -> str:
        product = facts["product"]
        return self.t(
            "quantity_short" if facts.get("options") else "quantity_short_no_options",
            quantity=facts["quantity"],
            name=display_name(product, self.language),
            sku=product["sku"],
            stock=product["available_stock"],
            price=money(product["price"]),
            options=self.options(facts["options"]),
        )

    def _quantity_updated(self, facts: dict[str, Any], name_part: str) -> str:
        """ "Updated: …" only when the customer changed the quantity; a first "8 x MC-…" gets its answer."""
        product = facts["product"]
        return self.t(
            "quantity_updated" if facts.get("changed", True) else "quantity_total",
            quantity=facts["quantity"],
            name=display_name(product, self.language),
            sku=product["sku"],
            total=money(facts["total"]),
            price=money(product["price"]),
            stock=product["available_stock"],
        )
