"""What a downloaded file really is, from its magic bytes (never the MIME type a gateway claimed).

``sniff(data, filename=None, kind=None)`` names the content type, a file extension and a family
(audio, image, video, document, archive, other). ``kind`` is Wazzup's message type (``audio``, ``image``,
``video``, ``document``); it only breaks ties the bytes cannot (an MP4 container holding only sound is a
voice note when the message is ``audio``; a WebM likewise).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Literal

Family = Literal["audio", "image", "video", "document", "archive", "other"]

OCTET_STREAM = "application/octet-stream"

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AUDIO_MP4_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_OLE_EXTENSIONS = {
    "doc": ("application/msword", ".doc"),
    "xls": ("application/vnd.ms-excel", ".xls"),
    "ppt": ("application/vnd.ms-powerpoint", ".ppt"),
}
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str
    family: Family

    @property
    def known(self) -> bool:
        return self.content_type != OCTET_STREAM


def _extension(filename: str | None) -> str:
    if filename and "." in filename:
        return filename.rsplit(".", 1)[-1].lower()
    return ""


def _ftyp(data: bytes, kind: str | None) -> Sniffed:
    brand = data[8:12]
    # compatible brands follow the major brand and minor version, up to the end of the ftyp box
    box_size = int.from_bytes(data[0:4], "big")
    compatible = {data[i : i + 4] for i in range(16, min(box_size, 64, len(data)) - 3, 4)}
    if brand == b"avif" or (brand in {b"mif1", b"msf1"} and b"avif" in compatible):
        return Sniffed("image/avif", ".avif", "image")
    if brand in _HEIF_BRANDS:
        return Sniffed("image/heic", ".heic", "image")
    if brand in _AUDIO_MP4_BRANDS or kind == "audio":
        return Sniffed("audio/mp4", ".m4a", "audio")
    if brand == b"qt  ":
        return Sniffed("video/quicktime", ".mov", "video")
    if brand.startswith(b"3g"):
        return Sniffed("video/3gpp", ".3gp", "video")
    return Sniffed("video/mp4", ".mp4", "video")


def _zip(data: bytes, filename: str | None) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Sniffed("application/zip", ".zip", "archive")
    if "[Content_Types].xml" in names:
        for prefix, (content_type, extension) in _OOXML.items():
            if any(name.startswith(prefix) for name in names):
                return Sniffed(content_type, extension, "document")
    if "mimetype" in names and "content.xml" in names:
        return Sniffed("application/vnd.oasis.opendocument", "." + (_extension(filename) or "odt"), "document")
    return Sniffed("application/zip", ".zip", "archive")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # a multi-byte character cut at the end of the sample
    return True


def sniff(data: bytes, filename: str | None = None, kind: str | None = None) -> Sniffed:
    """The real type of ``data``; ``application/octet-stream`` when the bytes say nothing we know."""
    head = data[:64]
    if head[:4] == b"OggS":
        if b"OpusHead" in data[:256] or b"vorbis" in data[:256] or kind in (None, "audio"):
            return Sniffed("audio/ogg", ".ogg", "audio")
        return Sniffed("video/ogg", ".ogv", "video")
    if head[:3] == b"\xff\xd8\xff":
        return Sniffed("image/jpeg", ".jpg", "image")
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return Sniffed("image/png", ".png", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", ".webp", "image")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio/wav", ".wav", "audio")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image/gif", ".gif", "image")
    if head[4:8] == b"ftyp":
        return _ftyp(data, kind)
    if b"%PDF-" in data[:1024]:
        return Sniffed("application/pdf", ".pdf", "document")
    if head[:4] == b"PK\x03\x04":
        return _zip(data, filename)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        content_type, extension = _OLE_EXTENSIONS.get(_extension(filename), ("application/x-ole-storage", ".bin"))
        return Sniffed(content_type, extension, "document")
    if head[:4] == b"AC10":
        return Sniffed("image/vnd.dwg", ".dwg", "document")
    if head[:4] == b"fLaC":
        return Sniffed("audio/flac", ".flac", "audio")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        if kind == "audio":
            return Sniffed("audio/webm", ".webm", "audio")
        return Sniffed("video/webm", ".webm", "video")
    if head[:3] == b"ID3":
        return Sniffed("audio/mpeg", ".mp3", "audio")
    if head[:2] == b"BM" and len(data) > 26 and int.from_bytes(data[2:6], "little") == len(data):
        return Sniffed("image/bmp", ".bmp", "image")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image/tiff", ".tif", "image")
    if head[:5] == b"{\\rtf":
        return Sniffed("application/rtf", ".rtf", "document")
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:
            return Sniffed("audio/aac", ".aac", "audio")
        if head[1] & 0xE0 == 0xE0:
            return Sniffed("audio/mpeg", ".mp3", "audio")
    if _looks_like_text(data):
        extension = _extension(filename)
        if extension == "dxf" or data.lstrip()[:10].startswith(b"0\r\nSECTION") or data.lstrip()[:9] == b"0\nSECTION":
            return Sniffed("image/vnd.dxf", ".dxf", "document")
        if extension == "csv":
            return Sniffed("text/csv", ".csv", "document")
        return Sniffed("text/plain", ".txt", "document")
    return Sniffed(OCTET_STREAM, ".bin", "other")
