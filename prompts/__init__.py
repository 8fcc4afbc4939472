"""Prompt texts live here as files, loaded by name; the version recorded on each reply is a hash of its text.

A `PromptSource` is what the models read their prompts from: the files, except where an admin activated another
stored version (server/desk/prompt_versions.py keeps a worker's source in step with the database)."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any


@dataclass(frozen=True)
class Prompt:
    name: str
    text: str
    version: str


def _version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def version_of(name: str, text: str) -> str:
    """The version of a prompt's text as the model receives it, e.g. "system.ar@1a2b3c4d5e6f"."""
    return f"{name}@{_version(text)}"


@cache
def load_prompt(name: str) -> Prompt:
    """A Markdown prompt, e.g. `load_prompt("system")` reads prompts/system.md."""
    text = (resources.files("prompts") / f"{name}.md").read_text(encoding="utf-8")
    return Prompt(name=name, text=text, version=version_of(name, text))


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
    return Prompt(name=name, text=text, version=version_of(name, text))


@cache
def _template_file(language: str) -> Prompt:
    """The offline model's reply templates for one language (prompts/offline/<language>.toml)."""
    text = (resources.files("prompts") / "offline" / f"{language}.toml").read_text(encoding="utf-8")
    name = f"offline-{language}"
    return Prompt(name=name, text=text, version=version_of(name, text))


@cache
def _parse_templates(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


PROMPT_NAMES: tuple[str, ...] = (
    *(f"system.{language}" for language in LANGUAGE_NAMES),
    "understand",
    "quality_judge",
    *(f"offline-{language}" for language in LANGUAGE_NAMES),
)
"""The prompts a version can be activated for: what the models send (the system prompt per language, the
understanding instructions, the quality judge's rubric) and the offline model's templates (TOML)."""


def file_prompt(name: str) -> Prompt:
    """What the files in prompts/ hold for one of PROMPT_NAMES."""
    if name.startswith("system."):
        return load_system_prompt(name.removeprefix("system."))
    if name.startswith("offline-"):
        return _template_file(name.removeprefix("offline-"))
    return load_prompt(name)


def check_text(name: str, text: str) -> None:
    """ValueError saying why `text` cannot serve as a version of prompt `name` (a turn must never fail on it)."""
    if name not in PROMPT_NAMES:
        raise ValueError(f"no prompt {name!r}; prompts: {', '.join(PROMPT_NAMES)}")
    if not text.strip():
        raise ValueError("the text is empty")
    if name == "quality_judge" and "{checklist}" not in text:
        raise ValueError("the judge's rubric must keep the {checklist} placeholder")
    if name.startswith("offline-"):
        try:
            templates = _parse_templates(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"not TOML: {exc}") from None
        files = _parse_templates(file_prompt(name).text)
        missing = sorted(set(files) - set(templates))
        if missing:
            raise ValueError(f"templates missing: {', '.join(missing)}")
        for key, template in templates.items():
            unknown = _placeholders(template) - _placeholders(files.get(key, ""))
            if unknown:
                raise ValueError(f"template {key!r} uses placeholders it is never given: {', '.join(sorted(unknown))}")


def _placeholders(template: object) -> set[str]:
    if not isinstance(template, str):
        return set()
    try:
        return {field for _, field, _, _ in Formatter().parse(template) if field is not None}
    except ValueError:
        return {"(an unbalanced brace)"}


class PromptSource:
    """The prompts one process runs with: the files, except the versions activated (`activate`, whole)."""

    def __init__(self) -> None:
        self._active: dict[str, Prompt] = {}
        self.generation = 0
        """The activation this source last took from the database (0: none); the server's bookkeeping."""

    def activate(self, prompts: Iterable[Prompt], generation: int) -> None:
        """These versions from now on; a prompt not among them goes back to its file."""
        self._active = {prompt.name: prompt for prompt in prompts}
        self.generation = generation

    def prompt(self, name: str) -> Prompt:
        return self._active.get(name) or file_prompt(name)

    def overrides(self) -> list[str]:
        """The versions in use instead of the files'."""
        return sorted(prompt.version for prompt in self._active.values())

    def system(self, language: str) -> Prompt:
        return self.prompt(f"system.{language}")

    def templates(self, language: str) -> tuple[dict[str, Any], str]:
        prompt = self.prompt(f"offline-{language}")
        return _parse_templates(prompt.text), prompt.version


@cache
def load_texts(name: str) -> tuple[dict[str, dict[str, str]], str]:
    """Short texts per language from prompts/<name>.toml (`followups`, `buttons`), and the file's version."""
    text = (resources.files("prompts") / f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text), version_of(name, text)
