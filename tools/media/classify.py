"""What a customer's document or image is, cheaply and offline: floor plan, drawing, tender, photo or other.

Signals, strongest first: words in the file name and caption; text inside the file when it is cheap to get
(PDF text operators, DOCX/XLSX XML, plain text); the shape of the file (a PDF page of A3 or larger, a PDF
that is mostly vector paths with little text, DWG/DXF); for images, pixel statistics (a drawing is mostly
white paper with thin dark lines and almost no colour; a photo is not). Floor plans, drawings and tender
documents (RFQ, BOQ, RFP) go to a manager; photos go to the image describer; everything else is kept and
acknowledged. Text extraction is bounded (bytes scanned, streams inflated, characters kept) so a hostile
file cannot make it expensive.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from typing import Literal

from pydantic import BaseModel, Field

MediaCategory = Literal["voice", "floor_plan", "drawing", "tender", "photo", "document", "video", "other"]

# What goes to a manager, and the reason code the escalation carries.
REASON_CODES: dict[str, str] = {
    "floor_plan": "floor_plan",
    "drawing": "drawing",
    "tender": "tender_document",
}

MAX_SCAN_BYTES = 8 * 1024 * 1024
MAX_STREAMS = 200
MAX_INFLATED = 4 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
MAX_ZIP_ENTRY = 16 * 1024 * 1024


class Classification(BaseModel):
    category: MediaCategory
    route_to_manager: bool = False
    reason_code: str | None = None
    signals: list[str] = Field(default_factory=list)
    """Why: e.g. ``name:floor plan``, ``text:bill of quantities``, ``pdf:A3+``, ``image:drawing-like``."""
    text_excerpt: str | None = None
    """The first characters of the text found in the file (for the manager and the model)."""


# ----- words ------------------------------------------------------------------------------------------

_TENDER_PATTERNS = [
    r"\brfq\b",
    r"\brfp\b",
    r"\bboq\b",
    r"\bbill of quantit",
    r"\bbills of quantit",
    r"\bschedule of quantit",
    r"\brequest for (?:a )?(?:quotation|quote|proposal)",
    r"\bquotation request\b",
    r"\binvitation to (?:bid|tender)\b",
    r"\btender\b",
    r"\bbid (?:form|document)",
    r"طلب عرض (?:سعر|أسعار|اسعار)",
    r"جدول الكميات",
    r"مناقصة",
    r"тендер",
    r"смет[аы]",
    r"запрос (?:коммерческого предложения|цен)",
    r"ведомость объ[её]мов",
]
_PLAN_PATTERNS = [
    r"\bfloor ?plans?\b",
    r"\bfloorplans?\b",
    r"\bsite plan\b",
    r"\boffice (?:plan|layout)\b",
    r"\bfurniture (?:plan|layout)\b",
    r"\blayout\b",
    r"\bseating plan\b",
    r"\bground floor\b",
    r"\bblueprint",
    r"مخطط",
    r"مسقط",
    r"планировк",
    r"план этажа",
    r"поэтажный план",
]
_DRAWING_PATTERNS = [
    r"\bdrawings?\b",
    r"\bdwg\b",
    r"\bdxf\b",
    r"\bcad\b",
    r"\bautocad\b",
    r"\belevations?\b",
    r"\bsection [a-z]-[a-z]\b",
    r"\bsketch(?:es)?\b",
    r"\bscale\s*1\s*:\s*\d+",
    r"\ball dimensions (?:are )?in mm\b",
    r"\bdrawn by\b",
    r"\bdrawing (?:no|number|title)\b",
    r"чертеж",
    r"чертёж",
]
# "plan" on its own only counts in a file name ("plan-3rd-floor.pdf"), where it is rarely about anything else.
_NAME_ONLY_PLAN = [r"\bplan\b", r"\bplans\b", r"\bfloor\b", r"\bfl\d\b", r"\bgf\b", r"\blvl\d*\b"]

_TENDER = [re.compile(p, re.IGNORECASE) for p in _TENDER_PATTERNS]
_PLAN = [re.compile(p, re.IGNORECASE) for p in _PLAN_PATTERNS]
_DRAWING = [re.compile(p, re.IGNORECASE) for p in _DRAWING_PATTERNS]
_PLAN_NAME = [re.compile(p, re.IGNORECASE) for p in _NAME_ONLY_PLAN]


def normalise_name(file_name: str | None) -> str:
    """``Floor_Plan-Office.v2.pdf`` → ``floor plan office v2 pdf`` (separators become spaces, camel case split)."""
    if not file_name:
        return ""
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", file_name)
    name = re.sub(r"[_\-.+()\[\]]+", " ", name)
    return unicodedata.normalize("NFKC", name).lower().strip()


def _hits(patterns: list[re.Pattern[str]], text: str) -> list[str]:
    found = []
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            found.append(match.group(0).strip().lower())
    return found


# ----- text inside files ------------------------------------------------------------------------------

_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_STRING = re.compile(rb"\((?:\\.|[^\\)])*\)\s*(?:Tj|'|\")|\[(?:[^\]]*)\]\s*TJ", re.DOTALL)
_PDF_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.DOTALL)
_PDF_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
_PDF_INFO = re.compile(rb"/(Title|Subject|Keywords)\s*\(((?:\\.|[^\\)])*)\)")
_PDF_PATH_OPS = re.compile(rb"(?<![A-Za-z])(?:re|l|c|m)\s")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape_pdf(raw: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(raw):
        byte = raw[i : i + 1]
        if byte == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
                continue
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            i += 1
            continue
        out += byte
        i += 1
    if out[:2] == b"\xfe\xff":
        return out[2:].decode("utf-16-be", errors="ignore")
    return out.decode("latin-1")


class PdfFacts(BaseModel):
    text: str = ""
    largest_page_points: float = 0.0
    pages: int = 0
    path_ops: int = 0


def pdf_facts(data: bytes) -> PdfFacts:
    """Text shown with Tj/TJ (literal strings, inflated FlateDecode streams), metadata, page size, path count.

    Good enough for PDFs made by office software with standard fonts; CID fonts (hex glyph ids) and scans
    give no text, and the classification then rests on the file name, caption and page shape.
    """
    data = data[:MAX_SCAN_BYTES]
    texts: list[str] = [_unescape_pdf(m.group(2)) for m in _PDF_INFO.finditer(data)]
    total = sum(len(t) for t in texts)
    path_ops = 0
    for count, match in enumerate(_PDF_STREAM.finditer(data)):
        if count >= MAX_STREAMS or total >= MAX_TEXT_CHARS:
            break
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        raw = data[start:end]
        header = data[max(0, match.start() - 300) : match.start()]
        if b"/FlateDecode" in header:
            try:
                raw = zlib.decompressobj().decompress(raw, MAX_INFLATED)
            except zlib.error:
                continue
        elif b"/Filter" in header:
            continue  # images and other encodings: no text there
        path_ops += len(_PDF_PATH_OPS.findall(raw[:MAX_INFLATED]))
        for shown in _PDF_STRING.finditer(raw):
            for literal in _PDF_LITERAL.finditer(shown.group(0)):
                piece = _unescape_pdf(literal.group(1))
                texts.append(piece)
                total += len(piece)
            texts.append(" ")
    largest = 0.0
    pages = 0
    for box in _PDF_MEDIABOX.finditer(data):
        pages += 1
        try:
            x0, y0, x1, y1 = (float(v) for v in box.groups())
        except ValueError:
            continue
        largest = max(largest, abs(x1 - x0), abs(y1 - y0))
    text = re.sub(r"\s+", " ", "".join(texts)).strip()[:MAX_TEXT_CHARS]
    return PdfFacts(text=text, largest_page_points=largest, pages=pages, path_ops=path_ops)


def _xml_text(xml: bytes) -> str:
    text = re.sub(rb"<[^>]+>", b" ", xml).decode("utf-8", errors="ignore")
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return re.sub(r"\s+", " ", text).strip()


def office_text(data: bytes) -> str:
    """Text of a DOCX/XLSX/PPTX (document body, shared strings, sheet names, slide text), bounded."""
    parts: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = info.filename
                wanted = (
                    name in ("word/document.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "docProps/core.xml")
                    or (name.startswith("word/header") and name.endswith(".xml"))
                    or (name.startswith("ppt/slides/slide") and name.endswith(".xml"))
                    or (name.startswith("xl/worksheets/sheet") and name.endswith(".xml"))
                )
                if not wanted or info.file_size > MAX_ZIP_ENTRY:
                    continue
                with archive.open(info) as handle:
                    chunk = handle.read(MAX_ZIP_ENTRY)
                if name == "xl/workbook.xml":
                    parts.extend(m.decode("utf-8", "ignore") for m in re.findall(rb'<sheet[^>]*name="([^"]*)"', chunk))
                else:
                    parts.append(_xml_text(chunk))
                if sum(len(p) for p in parts) >= MAX_TEXT_CHARS:
                    break
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return ""
    return re.sub(r"\s+", " ", " ".join(parts)).strip()[:MAX_TEXT_CHARS]


# ----- images -----------------------------------------------------------------------------------------


class ImageFacts(BaseModel):
    width: int
    height: int
    white_ratio: float
    """Share of near-white pixels (paper)."""
    grey_ratio: float
    """Share of pixels without colour (saturation below ~0.12)."""
    colours: int
    """Distinct colours after reducing each channel to 4 bits, on a thumbnail."""
    solid_ink_ratio: float = 0.0
    """Share of the non-white pixels whose four neighbours are non-white too: ~0 for thin lines on paper,
    high for filled shapes (a dark chair photographed on a white studio background)."""

    @property
    def drawing_like(self) -> bool:
        return (
            self.white_ratio >= 0.55 and self.grey_ratio >= 0.9 and self.colours <= 160 and self.solid_ink_ratio < 0.4
        )


def image_facts(data: bytes) -> ImageFacts | None:
    """Pixel statistics on a 128-px thumbnail; None when Pillow is missing or cannot decode the image (HEIC)."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow comes with fpdf2
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > 80_000_000:
                return None
            image.draft("RGB", (256, 256))
            thumb = image.convert("RGB")
            thumb.thumbnail((128, 128))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    raw = thumb.tobytes()
    if not raw:
        return None
    white = grey = 0
    reduced: set[tuple[int, int, int]] = set()
    ink: list[bool] = []
    for index in range(0, len(raw) - 2, 3):
        r, g, b = raw[index], raw[index + 1], raw[index + 2]
        high, low = max(r, g, b), min(r, g, b)
        ink.append(low < 225)
        if low >= 225:
            white += 1
        if high == 0 or (high - low) / high < 0.12 or high - low < 16:
            grey += 1
        reduced.add((r >> 4, g >> 4, b >> 4))
    count = len(raw) // 3
    return ImageFacts(
        width=width,
        height=height,
        white_ratio=white / count,
        grey_ratio=grey / count,
        colours=len(reduced),
        solid_ink_ratio=_solid_ink_ratio(ink, thumb.width, thumb.height),
    )


def _solid_ink_ratio(ink: list[bool], width: int, height: int) -> float:
    inked = solid = 0
    for y in range(height):
        row = y * width
        for x in range(width):
            if not ink[row + x]:
                continue
            inked += 1
            if (
                0 < x < width - 1
                and 0 < y < height - 1
                and ink[row + x - 1]
                and ink[row + x + 1]
                and ink[row + x - width]
                and ink[row + x + width]
            ):
                solid += 1
    return solid / inked if inked else 0.0


# ----- the decision -----------------------------------------------------------------------------------


def _decide(tender: list[str], plan: list[str], drawing: list[str]) -> MediaCategory | None:
    if tender and len(tender) >= len(plan):
        return "tender"
    if plan:
        return "floor_plan"
    if drawing:
        return "drawing"
    if tender:
        return "tender"
    return None


def classify_media(
    data: bytes,
    *,
    content_type: str,
    family: str,
    file_name: str | None = None,
    caption: str | None = None,
) -> Classification:
    """Category of one downloaded file. Voice notes and videos are named by family; documents and images
    by their words, contents and shape."""
    if family == "audio":
        return Classification(category="voice")
    if family == "video":
        return Classification(category="video", signals=["family:video"])
    name = normalise_name(file_name)
    words = f"{name} {caption or ''}"
    signals: list[str] = []
    tender = [f"name:{w}" for w in _hits(_TENDER, words)]
    plan = [f"name:{w}" for w in _hits(_PLAN, words) + (_hits(_PLAN_NAME, name) if name else [])]
    drawing = [f"name:{w}" for w in _hits(_DRAWING, words)]
    excerpt: str | None = None
    text = ""
    if content_type == "application/pdf":
        facts = pdf_facts(data)
        text = facts.text
        if facts.largest_page_points >= 1190:  # A3 landscape is 1191 x 842 points
            drawing.append("pdf:A3+")
        if facts.path_ops >= 400 and len(facts.text) < 400:
            drawing.append("pdf:vector-drawing")
    elif content_type.startswith("application/vnd.openxmlformats"):
        text = office_text(data)
    elif content_type in ("text/plain", "text/csv"):
        text = data[:MAX_TEXT_CHARS].decode("utf-8", errors="ignore")
    elif content_type in ("image/vnd.dwg", "image/vnd.dxf"):
        drawing.append(f"type:{content_type}")
    if text:
        excerpt = text[:500]
        tender += [f"text:{w}" for w in _hits(_TENDER, text)]
        plan += [f"text:{w}" for w in _hits(_PLAN, text)]
        drawing += [f"text:{w}" for w in _hits(_DRAWING, text)]
    if family == "image":
        facts_image = image_facts(data)
        if facts_image is not None and facts_image.drawing_like:
            drawing.append("image:drawing-like")
    signals = tender + plan + drawing
    category = _decide(tender, plan, drawing)
    if category is None:
        category = "photo" if family == "image" else "document" if family == "document" else "other"
    reason = REASON_CODES.get(category)
    return Classification(
        category=category,
        route_to_manager=reason is not None,
        reason_code=reason,
        signals=signals,
        text_excerpt=excerpt,
    )
