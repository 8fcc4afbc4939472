"""Real types from magic bytes, and floor plan / drawing / tender / photo from names, contents and pixels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.media import samples
from tools.media import classify_media, sniff
from tools.media.classify import image_facts, normalise_name, office_text, pdf_facts

MEDIA = Path(__file__).parents[3] / "evals" / "media"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40


@pytest.mark.parametrize(
    ("data", "filename", "kind", "content_type", "family"),
    [
        (samples.OGG_OPUS_HEAD, None, "audio", "audio/ogg", "audio"),
        (samples.MP3_ID3, None, "audio", "audio/mpeg", "audio"),
        (b"\xff\xfb\x90\x00" * 8, None, "audio", "audio/mpeg", "audio"),
        (samples.M4A_HEAD, None, None, "audio/mp4", "audio"),
        (samples.MP4_HEAD, None, "audio", "audio/mp4", "audio"),
        (samples.MP4_HEAD, None, "video", "video/mp4", "video"),
        (samples.WAV_HEAD, None, None, "audio/wav", "audio"),
        (samples.HEIC_HEAD, "IMG_0001.HEIC", "image", "image/heic", "image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "x.bin", "document", "application/pdf", "document"),
        (OLE, "boq.xls", "document", "application/vnd.ms-excel", "document"),
        (b"AC1032" + b"\x00" * 40, "plan.dwg", "document", "image/vnd.dwg", "document"),
        (b"item,qty\nchair,10\n", "boq.csv", "document", "text/csv", "document"),
        (b"\x00\x01\x02\x03garbage", None, "document", "application/octet-stream", "other"),
    ],
)
def test_sniff_from_magic_bytes(
    data: bytes, filename: str | None, kind: str | None, content_type: str, family: str
) -> None:
    sniffed = sniff(data, filename, kind)
    assert (sniffed.content_type, sniffed.family) == (content_type, family)


def test_sniff_generated_files() -> None:
    assert sniff(samples.photo("JPEG")).content_type == "image/jpeg"
    assert sniff(samples.photo("PNG")).content_type == "image/png"
    assert sniff(samples.photo("WEBP")).content_type == "image/webp"
    assert sniff(samples.pdf(["hello"])).content_type == "application/pdf"
    docx = sniff(samples.docx(["hello"]))
    assert docx.content_type.endswith("wordprocessingml.document")
    assert docx.extension == ".docx"
    xlsx = sniff(samples.xlsx("Sheet1", ["a"]))
    assert xlsx.content_type.endswith("spreadsheetml.sheet")
    # a JPEG is never mistaken for MP3 frame sync, whatever the message type says
    assert sniff(samples.photo("JPEG"), kind="audio").content_type == "image/jpeg"


def test_text_extraction_is_cheap_and_bounded() -> None:
    facts = pdf_facts(samples.pdf(["Request for Quotation", "50 x Mesh chair (black)"], title="RFQ 2291"))
    assert "Request for Quotation" in facts.text
    assert "RFQ 2291" in facts.text
    assert facts.pages == 1
    assert facts.largest_page_points < 1000
    assert pdf_facts(samples.floor_plan_pdf()).largest_page_points >= 1190
    assert "Bill of Quantities" in office_text(samples.docx(["Bill of Quantities", "Item 1"]))
    assert "BOQ" in office_text(samples.xlsx("BOQ", ["Workstation", "Qty"]))
    assert office_text(b"PK\x03\x04not a zip") == ""
    assert pdf_facts(b"%PDF-1.4 stream\nx\x9c garbage endstream").text == ""
    assert normalise_name("Floor_Plan-Office.v2.pdf") == "floor plan office v2 pdf"


def _classify(data: bytes, name: str | None, caption: str | None = None) -> tuple[str, bool, str | None]:
    sniffed = sniff(data, name)
    result = classify_media(
        data, content_type=sniffed.content_type, family=sniffed.family, file_name=name, caption=caption
    )
    return result.category, result.route_to_manager, result.reason_code


def test_floor_plan_pdf_by_name() -> None:
    plain = samples.pdf(["Dear team, please see attached."])
    assert _classify(plain, "floor-plan-office.pdf") == ("floor_plan", True, "floor_plan")
    assert _classify(plain, "FloorPlan_L3.pdf")[0] == "floor_plan"
    assert _classify(plain, "مخطط المكتب.pdf")[0] == "floor_plan"
    assert _classify(plain, "планировка офиса.pdf")[0] == "floor_plan"


def test_drawing_by_page_size_or_pixels() -> None:
    assert _classify(samples.floor_plan_pdf(), "scan0042.pdf") == ("drawing", True, "drawing")
    assert _classify(samples.pdf(["Ground works"], size="A3", landscape=True), "doc.pdf")[0] == "drawing"
    assert _classify(samples.floor_plan_pdf(), "scan0042.pdf", caption="the floor plan")[0] == "floor_plan"
    assert _classify(samples.drawing_png(), "IMG-20260914-WA0003.png") == ("drawing", True, "drawing")
    assert _classify(samples.drawing_png(), "IMG-20260914-WA0003.png", caption="our new office layout")[0] == (
        "floor_plan"
    )


def test_tender_documents() -> None:
    rfq = samples.pdf(["Request for Quotation", "Item  Description  Qty", "1  Mesh task chair  50"])
    assert _classify(rfq, "document.pdf") == ("tender", True, "tender_document")
    assert _classify(samples.pdf(["hello"]), "RFQ-2291-Treejar.pdf")[0] == "tender"
    assert _classify(samples.docx(["Bill of Quantities", "Loose furniture"]), "project.docx")[0] == "tender"
    assert _classify(samples.xlsx("BOQ", ["Workstation 1600", "Qty"]), "sheet.xlsx")[0] == "tender"
    assert _classify(samples.pdf(["Invitation to Bid - fit-out"]), "itb.pdf")[0] == "tender"


def test_photos_and_ordinary_documents() -> None:
    assert _classify(samples.photo("JPEG"), "IMG-20260914-WA0001.jpg") == ("photo", False, None)
    assert _classify(samples.photo("WEBP"), None) == ("photo", False, None)
    assert _classify(samples.HEIC_HEAD, "IMG_0001.HEIC") == ("photo", False, None)  # undecodable: a photo
    assert _classify(samples.pdf(["Trade licence", "Valid until 2027"]), "trade-licence.pdf") == (
        "document",
        False,
        None,
    )
    assert _classify(samples.OGG_OPUS_HEAD, "voice.ogg")[0] == "voice"
    facts = image_facts(samples.photo())
    assert facts is not None
    assert not facts.drawing_like


def test_a_dark_chair_on_a_white_background_is_a_photo_not_a_drawing() -> None:
    # Grey on white like a drawing, but filled shapes instead of thin lines: a catalogue-style product shot.
    assert _classify(samples.studio_photo(), "IMG-20260914-WA0002.jpg") == ("photo", False, None)
    assert _classify((MEDIA / "chair_black_mesh.jpg").read_bytes(), "chair.jpg") == ("photo", False, None)
    assert _classify(samples.drawing_png(), "IMG-20260914-WA0003.png")[0] == "drawing"
    assert _classify((MEDIA / "floor_plan.png").read_bytes(), "IMG-20260914-WA0004.png")[0] == "drawing"
