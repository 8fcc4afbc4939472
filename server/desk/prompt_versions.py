"""Prompt versions as the transcript recorded them: every bot message stores the version of the prompt that wrote
it (prompts/__init__.py: "<name>@<hash of the file>"). Per version: the replies and conversations it wrote in, the
average quality of those conversations' reviews, and how many of their quotations became orders. The versions the
files hold now are marked current.

Workers record the text of the versions they run with (`record_current_texts`, table prompt_texts), so two
versions can be compared (`diff`) after the files moved on."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from pydantic import BaseModel

from prompts import Prompt, load_system_prompt, load_templates

LANGUAGES = ("en", "ar", "ru")

VERSIONS_SQL = """
WITH used AS (
    SELECT prompt_version AS version, conversation_id, count(*) AS replies, min(created_at) AS first_used,
           max(created_at) AS last_used
      FROM messages WHERE author = 'bot' AND prompt_version IS NOT NULL GROUP BY 1, 2
)
SELECT u.version, sum(u.replies)::int AS replies, count(*)::int AS conversations, min(u.first_used) AS first_used,
       max(u.last_used) AS last_used,
       (SELECT avg(q.share) FROM quality_reviews q
         WHERE q.conversation_id = ANY(array_agg(u.conversation_id)) AND q.reviewer = %(reviewer)s) AS quality,
       (SELECT count(*) FROM quotes qu JOIN conversations c ON c.thread_id = qu.thread_id
         WHERE c.id = ANY(array_agg(u.conversation_id)) AND qu.totals IS NOT NULL)::int AS quotations,
       (SELECT count(*) FROM quotes qu JOIN conversations c ON c.thread_id = qu.thread_id
         WHERE c.id = ANY(array_agg(u.conversation_id)) AND qu.status = 'created')::int AS orders,
       EXISTS (SELECT 1 FROM prompt_texts p WHERE p.version = u.version) AS text_stored
  FROM used u GROUP BY u.version ORDER BY max(u.last_used) DESC
"""


class PromptVersion(BaseModel):
    version: str
    name: str
    current: bool
    replies: int
    conversations: int
    first_used: datetime
    last_used: datetime
    average_quality: float | None
    quotations: int
    orders: int
    quote_to_order: float | None
    text_stored: bool


class PromptDiff(BaseModel):
    old: str
    new: str
    diff: str
    """Unified diff of the two texts ('' when they are the same)."""


class UnknownVersion(LookupError):
    pass


def current_texts() -> dict[str, tuple[str, str]]:
    """version → (name, text) of what the prompt files hold now."""
    texts: dict[str, tuple[str, str]] = {}
    for language in LANGUAGES:
        prompt: Prompt = load_system_prompt(language)
        texts[prompt.version] = (prompt.name, prompt.text)
        templates, version = load_templates(language)
        texts[version] = (f"offline-{language}", repr(templates))
    return texts


def current_versions() -> set[str]:
    return set(current_texts())


async def record_current_texts(conn: AsyncConnection[Any]) -> None:
    """Keep the text of the versions this process runs with (once per version)."""
    for version, (name, text) in current_texts().items():
        await conn.execute(
            "INSERT INTO prompt_texts (version, name, text) VALUES (%s, %s, %s) ON CONFLICT (version) DO NOTHING",
            (version, name, text),
        )


async def diff(conn: AsyncConnection[Any], old: str, new: str) -> PromptDiff:
    rows = await (
        await conn.execute("SELECT version, text FROM prompt_texts WHERE version = ANY(%s)", ([old, new],))
    ).fetchall()
    texts = {row["version"]: row["text"] for row in rows}
    for version in (old, new):
        if version not in texts:
            raise UnknownVersion(f"the text of {version!r} was never recorded")
    lines = difflib.unified_diff(
        texts[old].splitlines(keepends=True), texts[new].splitlines(keepends=True), fromfile=old, tofile=new
    )
    return PromptDiff(old=old, new=new, diff="".join(lines))


async def prompt_versions(conn: AsyncConnection[Any], reviewer: str = "offline") -> list[PromptVersion]:
    current = current_versions()
    rows = await (await conn.execute(VERSIONS_SQL, {"reviewer": reviewer})).fetchall()
    return [
        PromptVersion(
            version=row["version"],
            name=row["version"].split("@")[0],
            current=row["version"] in current,
            replies=row["replies"],
            conversations=row["conversations"],
            first_used=row["first_used"],
            last_used=row["last_used"],
            average_quality=None if row["quality"] is None else round(float(row["quality"]), 4),
            quotations=row["quotations"],
            orders=row["orders"],
            quote_to_order=round(row["orders"] / row["quotations"], 4) if row["quotations"] else None,
            text_stored=row["text_stored"],
        )
        for row in rows
    ]
