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


LANGUAGE_NAMES: dict[str, str] = {"en": "English", "ar": "Arabic", "ru": "Russian"}


@cache
def load_system_prompt(language: str) -> Prompt:
    """Noor's persona and sales rules (system.md) with the language's variant (system.<language>.md).

    The version (recorded on each assistant message) changes when either file changes, e.g. "system.ar@1a2b…".
    """
    rules = load_prompt("system")
    variant = load_prompt(f"system.{language}")
    text = rules.text.format(language_name=LANGUAGE_NAMES[language]).rstrip() + "\n\n" + variant.text.strip() + "\n"
    name = f"system.{language}"
    return Prompt(name=name, text=text, version=f"{name}@{_version(rules.text + variant.text)}")


@cache
def load_templates(language: str) -> tuple[dict[str, Any], str]:
    """The offline model's reply templates for one language, and their version."""
    text = (resources.files("prompts") / "offline" / f"{language}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text), f"offline-{language}@{_version(text)}"


@cache
def load_texts(name: str) -> tuple[dict[str, dict[str, str]], str]:
    """Short texts per language from prompts/<name>.toml (`followups`, `buttons`), and the file's version."""
    text = (resources.files("prompts") / f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text), f"{name}@{_version(text)}"
