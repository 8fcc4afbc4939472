"""Test audio: an English sentence spoken by espeak-ng, encoded like a WhatsApp voice note (OGG/Opus).

Needs Debian's ``espeak-ng`` plus ``ffmpeg`` (Opus) or ``sox`` (Vorbis fallback):
``apt-get install -y espeak-ng sox libsox-fmt-all ffmpeg``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def missing_tools() -> str | None:
    """Why spoken test audio cannot be made here, or None when it can."""
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install -y espeak-ng sox libsox-fmt-all ffmpeg)"
    if shutil.which("ffmpeg") is None and shutil.which("sox") is None:
        return "neither ffmpeg nor sox is installed (apt-get install -y ffmpeg sox libsox-fmt-all)"
    return None


def speak_ogg(text: str, folder: Path, *, voice: str = "en-us") -> bytes:
    """Speak ``text`` and return OGG bytes (Opus via ffmpeg when available, else Vorbis via sox)."""
    wav = folder / "speech.wav"
    ogg = folder / "speech.ogg"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True, timeout=30)
    if shutil.which("ffmpeg"):
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(wav),
                "-ac",
                "1",
                "-ar",
                "16000",
                "-c:a",
                "libopus",
                "-b:a",
                "24k",
                "-application",
                "voip",
                str(ogg),
            ],
            check=True,
            timeout=60,
        )
    else:
        subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", str(ogg)], check=True, timeout=60)
    return ogg.read_bytes()
