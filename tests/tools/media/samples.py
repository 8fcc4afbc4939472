"""Files customers send, made at test time: PDFs (fpdf2), DOCX/XLSX (zip + XML), photos and drawings (Pillow)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import numpy as np
from fpdf import FPDF
from PIL import Image, ImageDraw


def pdf(lines: list[str], *, title: str | None = None, size: str = "A4", landscape: bool = False) -> bytes:
    document = FPDF(orientation="L" if landscape else "P", format=size)
    if title:
        document.set_title(title)
    document.add_page()
    document.set_font("helvetica", size=12)
    for line in lines:
        document.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def floor_plan_pdf() -> bytes:
    """A3 landscape: walls, doors and desk outlines with room labels (what an office plan looks like)."""
    document = FPDF(orientation="L", format="A3")
    document.add_page()
    document.set_line_width(0.8)
    document.rect(20, 20, 380, 250)
    for x in range(60, 400, 40):
        document.line(x, 20, x, 120)
    for y in range(140, 270, 20):
        for x in range(30, 390, 30):
            document.rect(x, y, 20, 10)
    document.set_font("helvetica", size=10)
    document.text(30, 15, "Level 3 - Open office - Scale 1:100")
    document.text(200, 130, "Meeting room")
    return bytes(document.output())


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
            "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        }
    )


def xlsx(sheet: str, cells: list[str]) -> bytes:
    strings = "".join(f"<si><t>{escape(c)}</t></si>" for c in cells)
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
            "xl/workbook.xml": f'<?xml version="1.0"?><workbook><sheets><sheet name="{escape(sheet)}" sheetId="1"/>'
            "</sheets></workbook>",
            "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst>{strings}</sst>',
            "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet><sheetData/></worksheet>',
        }
    )


def photo(fmt: str = "JPEG", seed: int = 7) -> bytes:
    """A 'photo': a coloured, noisy scene (a red chair on a wooden floor, roughly)."""
    rng = np.random.default_rng(seed)
    scene = np.empty((240, 320, 3), dtype=np.int16)
    scene[:, :] = (200, 190, 170)
    scene[150:, :] = (150, 110, 70)
    scene[60:200, 110:210] = (180, 30, 40)
    noisy = np.clip(scene + rng.integers(-30, 31, size=scene.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy, "RGB").save(buffer, fmt)
    return buffer.getvalue()


def studio_photo(fmt: str = "JPEG") -> bytes:
    """A product shot: a black office chair, filled shapes in greys on a white studio background."""
    image = Image.new("RGB", (320, 320), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((110, 40, 210, 160), fill=(36, 36, 36))  # mesh back
    draw.rectangle((100, 165, 220, 190), fill=(24, 24, 24))  # seat
    draw.rectangle((155, 190, 165, 250), fill=(90, 90, 90))  # gas lift
    for x in (100, 130, 160, 190, 220):
        draw.line((160, 250, x, 283), fill=(60, 60, 60), width=4)
        draw.ellipse((x - 6, 277, x + 6, 289), fill=(10, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def drawing_png() -> bytes:
    """A floor plan drawn as thin black lines on white paper."""
    image = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 580), outline="black", width=3)
    for x in range(120, 780, 110):
        draw.line((x, 20, x, 250), fill="black", width=2)
    for y in range(300, 560, 40):
        for x in range(40, 760, 60):
            draw.rectangle((x, y, x + 40, y + 20), outline=(60, 60, 60), width=1)
    draw.text((40, 270), "OPEN OFFICE", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


OGG_OPUS_HEAD = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x01" + b"\x00" * 32
WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40
MP3_ID3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 16
M4A_HEAD = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00" + b"\x00" * 16
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 32
