"""Prompt versions as the transcript recorded them: every bot message stores the version of the prompt that wrote
it (prompts/__init__.py: "<name>@<hash of the file>"). Per version: the replies and conversations it wrote in, the
average quality of those conversations' reviews, and how many of their quotations became orders. The versions the
files hold now are marked current."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from pydantic import BaseModel

from prompts import load_system_prompt, load_templates

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
         WHERE c.id = ANY(array_agg(u.conversation_id)) AND qu.status = 'created')::int AS orders
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


def current_versions() -> set[str]:
    versions = {load_system_prompt(language).version for language in LANGUAGES}
    return versions | {load_templates(language)[1] for language in LANGUAGES}


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
        )
        for row in rows
    ]
