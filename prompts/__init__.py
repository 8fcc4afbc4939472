"""Prompt texts live here as files, loaded by name; the version recorded on each reply is the file's hash."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    version: str


def _version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@cache
def load_prompt(name: str) -> Prompt:
    """A Markdown prompt, e.g. `load_prompt("system")` reads prompts/system.md."""
    text = (resources.files("prompts") / f"{name}.md").read_text(encoding="utf-8")
    return Prompt(name=name, text=text, version=f"{name}@{_version(text)}")


@cache
def load_templates(language: str) -> tuple[dict[str, Any], str]:
    """The offline model's reply templates for one language, and their version."""
    text = (resources.files("prompts") / "offline" / f"{language}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text), f"offline-{language}@{_version(text)}"
