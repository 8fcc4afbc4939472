"""A small but valid one-page PDF for `GET /salesorders/{id}?accept=pdf` (Helvetica, Latin-1 text only)."""

from __future__ import annotations

from typing import Any


def _escape(text: str) -> str:
    latin = text.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def render_sales_order_pdf(order: dict[str, Any]) -> bytes:
    lines = [
        f"Sales Order {order.get('salesorder_number', '')}",
        f"Reference: {order.get('reference_number', '')}",
        f"Customer: {order.get('customer_name', '')}",
        f"Date: {order.get('date', '')}   Status: {order.get('status', '')}",
        "",
    ]
    for line in order.get("line_items", []):
        lines.append(
            f"{line.get('sku', '')}  {line.get('name', '')[:60]}  "
            f"{line.get('quantity')} x {line.get('rate')} = {line.get('item_total')}"
        )
    lines += [
        "",
        f"Sub total: {order.get('sub_total')} AED",
        f"VAT: {order.get('tax_total')} AED",
        f"Total: {order.get('total')} AED",
    ]
    commands = ["BT", "/F1 10 Tf", "14 TL", "50 800 Td"]
    for text in lines:
        commands.append(f"({_escape(text)}) Tj T*")
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
