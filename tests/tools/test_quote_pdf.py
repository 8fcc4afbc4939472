"""The quotation PDF: Arabic item names shaped and embedded, a page that renders (pdftoppm), Zoho's PDF only
when Zoho answers with a real PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from agent.policies.pricing import price_lines, quote_totals
from sandbox import seed
from sandbox.zoho.core import PdfMode
from tests.tools.zoho.conftest import (  # noqa: F401  (fixtures)
    Zoho,
    fake,
    fake_server,
    zoho,
    zoho_database_url,
    zoho_pool,
)
from tools.catalog.product import product_from_zoho_item
from tools.quote_pdf import PdfLine, QuoteDocument, SellerDetails, is_pdf, quote_pdf, render_quote_pdf
from tools.zoho import NewSalesOrder, NewSalesOrderLine

SELLER = SellerDetails(
    trn="100234567800003",
    phone="+971 4 000 0000",
    email="sales@treejar.example",
    bank_details="Emirates NBD · Treejar Office Furniture Trading LLC · IBAN AE00 0000 0000 0000 0000 000",
    terms="Prices exclude 5% VAT. Stock items: 100% payment before delivery.",
)


def sample_document(count: int = 6) -> QuoteDocument:
    """A quotation with real demo items (English and Arabic names, fils prices)."""
    products = [product_from_zoho_item(i) for i in seed.demo_items()]
    chosen = [p for p in products if p.active and p.name_ar][: count * 7 : 7]
    lines = price_lines([(p, q) for q, p in enumerate(chosen, start=1)])
    totals = quote_totals(lines, Decimal(5))
    return QuoteDocument(
        quote_id="WA-971501234567-Q1",
        issued=date(2026, 11, 21),
        valid_until=date(2026, 12, 5),
        customer_name="Ahmed Al Mansouri",
        customer_company="Al Noor Trading LLC",
        customer_email="ahmed@alnoor.example",
        customer_phone="+971501234567",
        delivery_area="Business Bay, Dubai",
        lines=tuple(
            PdfLine(x.sku, x.name, x.name_ar or "", x.quantity, x.unit, x.unit_price, x.line_total) for x in lines
        ),
        subtotal=totals.subtotal,
        discount_percent=totals.discount_percent,
        discount_amount=totals.discount_amount,
        vat_percent=totals.vat_percent,
        vat=totals.vat,
        total=totals.total,
    )


def first_page_gray(pdf: Path, out: Path) -> tuple[int, int, bytes]:
    """Page 1 as 8-bit grey pixels (pdftoppm → PGM)."""
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
        check=True,
        timeout=30,
    )
    data = (out.with_suffix(".pgm")).read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5"
    width, height = int(parts[1]), int(parts[2])
    return width, height, parts[4][: width * height]


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils (pdftoppm, pdffonts, pdftotext) not installed: `make system-deps`",
)


@needs_poppler
def test_a_quotation_with_arabic_names_renders(tmp_path: Path) -> None:
    doc = sample_document()
    assert all(line.name_ar for line in doc.lines)
    content = render_quote_pdf(doc, SELLER)
    assert is_pdf(content)
    path = tmp_path / "quote.pdf"
    path.write_bytes(content)

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=30).stdout
    arabic = [row for row in fonts.splitlines() if "NotoSansArabic" in row]
    assert arabic, fonts
    assert all(" yes " in row for row in fonts.splitlines()[2:]), "every font is embedded"

    width, height, pixels = first_page_gray(path, tmp_path / "page")
    assert abs(width - 413) <= 1
    assert abs(height - 585) <= 1  # A4 at 50 dpi
    dark = sum(1 for p in pixels if p < 128)
    assert dark / len(pixels) > 0.02, "the page is blank"
    # the Arabic names are drawn: the same quotation without them has visibly less ink
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(render_quote_pdf(replace(doc, lines=tuple(replace(x, name_ar="") for x in doc.lines)), SELLER))
    _, _, plain_pixels = first_page_gray(plain, tmp_path / "plain")
    inked = sum(1 for p in pixels if p < 200)
    assert inked > 1.05 * sum(1 for p in plain_pixels if p < 200)
    # and they are real text in logical order (ToUnicode), not pictures or boxes
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True, timeout=30)
    extracted = re.sub("[\u202a-\u202e]", "", text.stdout)
    words = set(extracted.split())
    for line in doc.lines:
        name = line.name_ar.split()
        # ligatures (lam-alef...) map back imperfectly in ToUnicode, so most words, not all, come back verbatim
        assert sum(word in words for word in name) >= len(name) / 2, line.name_ar


@needs_poppler
def test_long_quotations_continue_on_more_pages(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(render_quote_pdf(sample_document(22), SELLER))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=30).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2


@pytest.mark.parametrize(
    ("mode", "source"), [("pdf", "zoho"), ("html", "noor"), ("json_200", "noor"), ("json_error", "noor")]
)
async def test_zoho_pdf_only_when_zoho_answers_a_pdf(zoho: Zoho, mode: PdfMode, source: str) -> None:  # noqa: F811
    inventory = zoho.inventory()
    item = next(iter(zoho.fake.inventory.items.values()))
    created = await inventory.create_sales_order_once(
        NewSalesOrder(
            customer_id="4815000000003880072",
            reference_number="WA-971569107898-Q1",
            line_items=[NewSalesOrderLine(item_id=item["item_id"], quantity=Decimal(1), rate=Decimal("10.00"))],
        )
    )
    zoho.fake.config.pdf_mode = mode
    pdf = await quote_pdf(sample_document(2), SELLER, inventory=inventory, salesorder_id=created.order.salesorder_id)
    assert pdf.source == source
    assert is_pdf(pdf.content)
    without_order = await quote_pdf(sample_document(2), SELLER, inventory=inventory, salesorder_id=None)
    assert without_order.source == "noor"
