"""The quotation PDF: Zoho's rendering of the sales order when it answers with a real PDF, else our own.

Our own (fpdf2 with HarfBuzz text shaping) shows the company header, the customer, the items with their
English and Arabic names (Arabic shaped and laid out right to left), VAT, totals, validity and the bank and
terms text from configuration. Fonts are embedded: Noto Sans for Latin text and Noto Sans Arabic as the
fallback for Arabic (data/fonts/, SIL Open Font License 1.1, see data/fonts/OFL.txt).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tools.zoho import ZohoError, ZohoInventoryClient

if TYPE_CHECKING:  # fpdf is loaded when a PDF is rendered, not when the service starts
    from fpdf import FPDF

log = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().parents[1] / "data" / "fonts"
PDF_MAGIC = b"%PDF-"
Align = Literal["L", "C", "R"]


@dataclass(frozen=True)
class SellerDetails:
    """Configuration text printed on every quotation."""

    company_name: str = "Treejar"
    legal_name: str = "Treejar Office Furniture Trading LLC"
    address: str = "Al Quoz Industrial Area 3, Dubai, United Arab Emirates"
    trn: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    bank_details: str = ""
    terms: str = ""


@dataclass(frozen=True)
class PdfLine:
    sku: str
    name: str
    name_ar: str
    quantity: int
    unit: str
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class QuoteDocument:
    quote_id: str
    issued: date
    valid_until: date
    customer_name: str
    customer_company: str
    customer_email: str
    customer_phone: str
    delivery_area: str
    lines: tuple[PdfLine, ...]
    subtotal: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    vat_percent: Decimal
    vat: Decimal
    total: Decimal
    currency: str = "AED"
    salesorder_number: str = ""


@dataclass(frozen=True)
class QuotePdf:
    content: bytes
    source: Literal["zoho", "noor"]


def is_pdf(content: bytes) -> bool:
    return content.lstrip()[:5] == PDF_MAGIC


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _count_lines(pdf: FPDF, width: float, height: float, text: str) -> int:
    lines = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    return len(lines) if isinstance(lines, list) else 1


@cache
def _quote_pdf_class() -> Any:
    from fpdf import FPDF

    class _QuotePdf(FPDF):
        footer_text = ""

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("NotoSans", size=7.5)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, f"{self.footer_text}    Page {self.page_no()}/{{nb}}", align="C")

    return _QuotePdf


def render_quote_pdf(doc: QuoteDocument, seller: SellerDetails, *, fonts_dir: Path = FONTS_DIR) -> bytes:
    """Our own quotation PDF (A4)."""
    from fpdf.enums import XPos, YPos

    pdf = _quote_pdf_class()(format="A4", unit="mm")
    pdf.set_title(f"Quotation {doc.quote_id}")
    pdf.set_author(seller.legal_name or seller.company_name)
    pdf.set_creator("Noor")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(15, 15, 15)
    for family, stem in (("NotoSans", "NotoSans"), ("NotoSansArabic", "NotoSansArabic")):
        pdf.add_font(family, "", str(fonts_dir / f"{stem}-Regular.ttf"))
        pdf.add_font(family, "B", str(fonts_dir / f"{stem}-Bold.ttf"))
    pdf.set_fallback_fonts(["NotoSansArabic"])
    pdf.set_text_shaping(True)
    pdf.footer_text = f"{seller.legal_name or seller.company_name} · Quotation {doc.quote_id}"
    pdf.add_page()
    width = pdf.epw

    # header: seller left, title right
    top = pdf.get_y()
    pdf.set_font("NotoSans", "B", 18)
    pdf.set_text_color(20, 70, 60)
    pdf.cell(width / 2, 9, seller.company_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=8.5)
    pdf.set_text_color(60, 60, 60)
    for text in (
        seller.legal_name,
        seller.address,
        f"TRN {seller.trn}" if seller.trn else "",
        "  ·  ".join(x for x in (seller.phone, seller.email, seller.website) if x),
    ):
        if text:
            pdf.multi_cell(width * 0.6, 4.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width / 2, top)
    pdf.set_font("NotoSans", "B", 16)
    pdf.set_text_color(20, 70, 60)
    pdf.cell(width / 2, 9, "QUOTATION  عرض سعر", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=9)
    pdf.set_text_color(40, 40, 40)
    meta = [
        ("Quotation no.", doc.quote_id),
        ("Date", doc.issued.strftime("%d %b %Y")),
        ("Valid until", doc.valid_until.strftime("%d %b %Y")),
    ]
    if doc.salesorder_number:
        meta.append(("Sales order", doc.salesorder_number))
    for label, value in meta:
        pdf.set_x(pdf.l_margin + width / 2)
        pdf.cell(width / 2, 5, f"{label}: {value}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 3)
    pdf.set_draw_color(20, 70, 60)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(4)

    # customer
    pdf.set_font("NotoSans", "B", 10)
    pdf.cell(width, 6, "Quotation for", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("NotoSans", size=9)
    for label, value in (
        ("Name", doc.customer_name),
        ("Company", doc.customer_company or "Individual"),
        ("E-mail", doc.customer_email),
        ("Phone", doc.customer_phone),
        ("Delivery", doc.delivery_area),
    ):
        if value:
            pdf.cell(24, 5, label)
            pdf.multi_cell(width - 24, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    # items
    columns: tuple[tuple[str, float, Align], ...] = (
        ("#", 8, "C"),
        ("SKU", 30, "L"),
        ("Item", 0, "L"),
        ("Qty", 14, "R"),
        ("Unit price", 26, "R"),
    )
    total_w = 28.0
    fixed = sum(w for _, w, _ in columns) + total_w
    widths = [w or (width - fixed) for _, w, _ in columns] + [total_w]
    headers = [c[0] for c in columns] + [f"Amount ({doc.currency})"]
    aligns: list[Align] = [c[2] for c in columns] + ["R"]

    def header_row() -> None:
        pdf.set_font("NotoSans", "B", 8.5)
        pdf.set_fill_color(20, 70, 60)
        pdf.set_text_color(255, 255, 255)
        for text, w, align in zip(headers, widths, aligns, strict=True):
            pdf.cell(w, 7, text, align=align, fill=True)
        pdf.ln(7)
        pdf.set_text_color(30, 30, 30)

    header_row()
    line_h = 4.6
    for index, line in enumerate(doc.lines, start=1):
        name_w = widths[2] - 2
        pdf.set_font("NotoSans", size=8.5)
        name_lines = _count_lines(pdf, name_w, line_h, line.name)
        ar_lines = 0
        if line.name_ar:
            ar_lines = _count_lines(pdf, name_w, line_h, line.name_ar)
        sku_lines = _count_lines(pdf, widths[1] - 2, line_h, line.sku)
        height = max(name_lines + ar_lines, sku_lines, 1) * line_h + 3
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            header_row()
            pdf.set_font("NotoSans", size=8.5)
        y = pdf.get_y()
        x = pdf.l_margin
        if index % 2 == 0:
            pdf.set_fill_color(243, 247, 246)
            pdf.rect(x, y, width, height, style="F")
        cells: list[str | None] = [
            str(index),
            line.sku,
            None,
            f"{line.quantity} {line.unit}".strip(),
            _amount(line.unit_price),
            _amount(line.line_total),
        ]
        for cell, w, align in zip(cells, widths, aligns, strict=True):
            if cell is None:
                pdf.set_xy(x + 1, y + 1.5)
                pdf.multi_cell(name_w, line_h, line.name, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
                if line.name_ar:
                    pdf.set_x(x + 1)
                    pdf.set_text_color(70, 70, 70)
                    pdf.multi_cell(name_w, line_h, line.name_ar, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
                    pdf.set_text_color(30, 30, 30)
            else:
                pdf.set_xy(x + 1, y + 1.5)
                pdf.multi_cell(w - 2, line_h, cell, align=align)
            x += w
        pdf.set_draw_color(210, 210, 210)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + width, y + height)
        pdf.set_xy(pdf.l_margin, y + height)

    # totals
    pdf.ln(3)
    rows: list[tuple[str, str, bool]] = [("Subtotal", _amount(doc.subtotal), False)]
    if doc.discount_amount:
        rows.append((f"Discount ({doc.discount_percent.normalize()}%)", f"-{_amount(doc.discount_amount)}", False))
        rows.append(("Subtotal after discount", _amount(doc.subtotal - doc.discount_amount), False))
    rows.append((f"VAT {doc.vat_percent.normalize()}%", _amount(doc.vat), False))
    rows.append((f"Total ({doc.currency})", _amount(doc.total), True))
    label_w, value_w = 50.0, 32.0
    if pdf.get_y() + 7 * len(rows) > pdf.page_break_trigger:
        pdf.add_page()
    for label, value, strong in rows:
        pdf.set_x(pdf.l_margin + width - label_w - value_w)
        pdf.set_font("NotoSans", "B" if strong else "", 10 if strong else 9)
        if strong:
            pdf.set_fill_color(20, 70, 60)
            pdf.set_text_color(255, 255, 255)
        pdf.cell(label_w, 7 if strong else 6, label, align="R", fill=strong)
        pdf.cell(value_w, 7 if strong else 6, value, align="R", fill=strong, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(30, 30, 30)
    pdf.set_font("NotoSans", size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(
        width,
        5,
        f"Prices in {doc.currency}. VAT {doc.vat_percent.normalize()}% is charged on the subtotal after discount. "
        f"This quotation is valid until {doc.valid_until.strftime('%d %b %Y')}.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)

    # bank and terms
    pdf.set_text_color(30, 30, 30)
    for title, text in (("Bank details", seller.bank_details), ("Terms and conditions", seller.terms)):
        if not text.strip():
            continue
        pdf.set_font("NotoSans", "B", 9)
        pdf.cell(width, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("NotoSans", size=8)
        pdf.multi_cell(width, 4.2, text.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    return bytes(pdf.output())


async def fetch_zoho_pdf(inventory: ZohoInventoryClient, salesorder_id: str) -> bytes | None:
    """Zoho's PDF of the sales order, or None when Zoho answers anything but a PDF (HTML login page, JSON
    error, an error status)."""
    try:
        content = await inventory.get_sales_order_pdf(salesorder_id)
    except ZohoError as exc:
        log.info("no Zoho PDF for sales order %s: %s", salesorder_id, exc)
        return None
    if not is_pdf(content):
        log.info("Zoho answered a non-PDF body for sales order %s", salesorder_id)
        return None
    return content


async def quote_pdf(
    doc: QuoteDocument,
    seller: SellerDetails,
    *,
    inventory: ZohoInventoryClient | None = None,
    salesorder_id: str | None = None,
    fonts_dir: Path = FONTS_DIR,
) -> QuotePdf:
    """Zoho's PDF when an order exists and Zoho renders it, else our own."""
    if inventory is not None and salesorder_id:
        content = await fetch_zoho_pdf(inventory, salesorder_id)
        if content is not None:
            return QuotePdf(content, "zoho")
    return QuotePdf(render_quote_pdf(doc, seller, fonts_dir=fonts_dir), "noor")
