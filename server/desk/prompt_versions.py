"""Prompt versions as the transcript recorded them, and the versions workers run with.

Every bot message stores the version of the prompt that wrote it ("<name>@<hash of its text>", prompts/__init__.py).
Per version: the replies and conversations it wrote in, the average quality of those conversations' reviews, and how
many of their quotations became orders. The versions the files hold now are marked current; the versions in effect
(the one activated, else the file's) are marked active.

The text of every version is kept in prompt_texts: workers record the files' texts at start
(`record_current_texts`) and an admin adds new ones (`add_version`), so two versions can be compared (`diff`) and
any stored one activated (`activate`, table active_prompts) and rolled back (`rollback`); both are audited in
prompt_activations. A worker checks before each turn whether anything was activated since its last look (`sync`:
one indexed `max(id)`), so the turn after an activation already runs with it, no restart and no listener needed.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from pydantic import BaseModel

from prompts import PROMPT_NAMES, Prompt, PromptSource, check_text, file_prompt, version_of

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
    """What the file in prompts/ holds now."""
    active: bool
    """What the workers run with now: the version activated, else the file's."""
    replies: int
    conversations: int
    first_used: datetime | None
    last_used: datetime | None
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


class UnknownPrompt(LookupError):
    pass


class PromptRefused(ValueError):
    """A text or an activation refused, with a message for the person who asked (nothing changed)."""


class NothingToRollBack(PromptRefused):
    pass


class NewVersion(BaseModel):
    version: str
    name: str
    created: bool
    """False: this text was stored already (under the same version)."""


class PromptState(BaseModel):
    name: str
    file_version: str
    version: str
    """The version in effect: the one activated, else the file's."""
    activated: bool
    activated_by: str | None = None
    activated_at: datetime | None = None
    can_roll_back: bool


class Activation(BaseModel):
    id: int
    name: str
    from_version: str | None
    """None: the file's text was in use."""
    to_version: str | None
    """None: back to the file's text."""
    undoes: int | None
    """A roll back: the activation it undid."""
    activated_by: str | None
    activated_by_name: str | None
    activated_at: datetime


def current_versions() -> set[str]:
    """The versions the prompt files hold now."""
    return {file_prompt(name).version for name in PROMPT_NAMES}


async def record_current_texts(conn: AsyncConnection[Any]) -> None:
    """Keep the text of the versions the files hold (once per version)."""
    for name in PROMPT_NAMES:
        prompt = file_prompt(name)
        await conn.execute(
            "INSERT INTO prompt_texts (version, name, text) VALUES (%s, %s, %s) ON CONFLICT (version) DO NOTHING",
            (prompt.version, prompt.name, prompt.text),
        )


def _known(name: str) -> None:
    if name not in PROMPT_NAMES:
        raise UnknownPrompt(f"no prompt {name!r}; prompts: {', '.join(PROMPT_NAMES)}")


async def add_version(conn: AsyncConnection[Any], name: str, text: str) -> NewVersion:
    """Store a new text of prompt `name` under its version (the same text twice is the same version)."""
    _known(name)
    try:
        check_text(name, text)
    except ValueError as exc:
        raise PromptRefused(f"{name}: {exc}") from None
    version = version_of(name, text)
    cursor = await conn.execute(
        "INSERT INTO prompt_texts (version, name, text) VALUES (%s, %s, %s) ON CONFLICT (version) DO NOTHING"
        " RETURNING version",
        (version, name, text),
    )
    return NewVersion(version=version, name=name, created=await cursor.fetchone() is not None)


# activations (not roll backs) that no roll back undid yet: what a roll back can undo, latest first
UNDOABLE = "a.undoes IS NULL AND NOT EXISTS (SELECT 1 FROM prompt_activations r WHERE r.undoes = a.id)"
LAST_UNDOABLE_SQL = f"""
SELECT a.id, a.from_version FROM prompt_activations a WHERE a.name = %s AND {UNDOABLE} ORDER BY a.id DESC LIMIT 1
"""


async def _in_effect(conn: AsyncConnection[Any], name: str) -> str | None:
    row = await (await conn.execute("SELECT version FROM active_prompts WHERE name = %s", (name,))).fetchone()
    return None if row is None else str(row["version"])


async def _switch(
    conn: AsyncConnection[Any], name: str, old: str | None, new: str | None, manager_id: str | None, undoes: int | None
) -> None:
    if new is None:
        await conn.execute("DELETE FROM active_prompts WHERE name = %s", (name,))
    else:
        await conn.execute(
            "INSERT INTO active_prompts (name, version, activated_by) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE"
            " SET version = EXCLUDED.version, activated_by = EXCLUDED.activated_by, activated_at = now()",
            (name, new, manager_id),
        )
    await conn.execute(
        "INSERT INTO prompt_activations (name, from_version, to_version, undoes, activated_by)"
        " VALUES (%s, %s, %s, %s, %s)",
        (name, old, new, undoes, manager_id),
    )


async def activate(conn: AsyncConnection[Any], name: str, version: str, manager_id: str | None) -> PromptState:
    """From the next turn on, workers run prompt `name` with stored `version`. Activating the version in effect
    changes and audits nothing."""
    _known(name)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('prompts:' || %s))", (name,))
        stored = await conn.execute("SELECT name, text FROM prompt_texts WHERE version = %s", (version,))
        row = await stored.fetchone()
        if row is None or row["name"] != name:
            raise UnknownVersion(f"no stored version {version!r} of {name}; add its text first")
        try:
            check_text(name, row["text"])
        except ValueError as exc:
            raise PromptRefused(f"{version} cannot be activated: {exc}") from None
        in_effect = await _in_effect(conn, name)
        if in_effect != version:
            await _switch(conn, name, in_effect, version, manager_id, None)
    return await prompt_state(conn, name)


async def rollback(conn: AsyncConnection[Any], name: str, manager_id: str | None) -> PromptState:
    """Undo the latest activation of `name` not undone yet: back to the version it replaced (or the file's).
    Repeated, it walks further back; with nothing left to undo it is refused."""
    _known(name)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('prompts:' || %s))", (name,))
        last = await (await conn.execute(LAST_UNDOABLE_SQL, (name,))).fetchone()
        if last is None:
            raise NothingToRollBack(f"{name} runs with its file and nothing was activated to roll back")
        await _switch(conn, name, await _in_effect(conn, name), last["from_version"], manager_id, last["id"])
    return await prompt_state(conn, name)


async def prompt_states(conn: AsyncConnection[Any]) -> list[PromptState]:
    rows = {
        row["name"]: row
        for row in await (
            await conn.execute("SELECT name, version, activated_by, activated_at FROM active_prompts")
        ).fetchall()
    }
    undoable = {
        row["name"]
        for row in await (
            await conn.execute(f"SELECT DISTINCT a.name FROM prompt_activations a WHERE {UNDOABLE}")
        ).fetchall()
    }
    states = []
    for name in PROMPT_NAMES:
        row = rows.get(name)
        file_version = file_prompt(name).version
        states.append(
            PromptState(
                name=name,
                file_version=file_version,
                version=row["version"] if row else file_version,
                activated=row is not None,
                activated_by=row["activated_by"] if row else None,
                activated_at=row["activated_at"] if row else None,
                can_roll_back=name in undoable,
            )
        )
    return states


async def prompt_state(conn: AsyncConnection[Any], name: str) -> PromptState:
    return next(state for state in await prompt_states(conn) if state.name == name)


async def activations(conn: AsyncConnection[Any], limit: int = 100) -> list[Activation]:
    rows = await (
        await conn.execute(
            "SELECT a.id, a.name, a.from_version, a.to_version, a.undoes, a.activated_by,"
            " m.name AS activated_by_name, a.activated_at"
            " FROM prompt_activations a LEFT JOIN managers m ON m.id = a.activated_by ORDER BY a.id DESC LIMIT %s",
            (limit,),
        )
    ).fetchall()
    return [Activation.model_validate(dict(row)) for row in rows]


async def sync(conn: AsyncConnection[Any], source: PromptSource) -> bool:
    """Bring a worker's prompts in step with what is activated; True when they changed. Cheap when nothing did."""
    row = await (await conn.execute("SELECT coalesce(max(id), 0) AS generation FROM prompt_activations")).fetchone()
    generation = int(row["generation"]) if row else 0
    if generation == source.generation:
        return False
    rows = await (
        await conn.execute(
            "SELECT a.name, a.version, t.text FROM active_prompts a JOIN prompt_texts t ON t.version = a.version"
        )
    ).fetchall()
    source.activate([Prompt(name=r["name"], text=r["text"], version=r["version"]) for r in rows], generation)
    return True


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
    """The versions bot messages recorded (latest used first), then the stored ones never used yet."""
    current = current_versions()
    active = {state.version for state in await prompt_states(conn)}
    rows = await (await conn.execute(VERSIONS_SQL, {"reviewer": reviewer})).fetchall()
    used = [
        PromptVersion(
            version=row["version"],
            name=row["version"].split("@")[0],
            current=row["version"] in current,
            active=row["version"] in active,
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
    seen = {version.version for version in used}
    stored = await (
        await conn.execute("SELECT version, name FROM prompt_texts ORDER BY first_seen_at DESC, version")
    ).fetchall()
    unused = [
        PromptVersion(
            version=row["version"],
            name=row["name"],
            current=row["version"] in current,
            active=row["version"] in active,
            replies=0,
            conversations=0,
            first_used=None,
            last_used=None,
            average_quality=None,
            quotations=0,
            orders=0,
            quote_to_order=None,
            text_stored=True,
        )
        for row in stored
        if row["version"] not in seen
    ]
    return used + unused
