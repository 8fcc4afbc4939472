"""Pruning LangGraph's Postgres checkpoints (its saver keeps every checkpoint forever).

A thread's latest ``keep`` checkpoints in each checkpoint namespace stay, with their pending writes and every
blob they reference (``checkpoint -> 'channel_versions'``): resume reads the latest checkpoint, Studio shows it
and the few before it. Older checkpoints, their writes and the blobs no remaining checkpoint references go.
Callers prune a thread only while no turn of it runs (the dispatcher right after a turn, under the
conversation's claim; the retention job under the same advisory lock, and never mid-turn).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

_SUPERSEDED = """
SELECT checkpoint_ns, checkpoint_id FROM (
    SELECT checkpoint_ns, checkpoint_id,
           row_number() OVER (PARTITION BY checkpoint_ns ORDER BY checkpoint_id DESC) AS newer
      FROM checkpoints WHERE thread_id = %(thread)s
) ranked WHERE newer > %(keep)s
"""

PRUNE_WRITES_SQL = f"""
DELETE FROM checkpoint_writes w USING ({_SUPERSEDED}) old
 WHERE w.thread_id = %(thread)s AND w.checkpoint_ns = old.checkpoint_ns AND w.checkpoint_id = old.checkpoint_id
"""

PRUNE_CHECKPOINTS_SQL = f"""
DELETE FROM checkpoints c USING ({_SUPERSEDED}) old
 WHERE c.thread_id = %(thread)s AND c.checkpoint_ns = old.checkpoint_ns AND c.checkpoint_id = old.checkpoint_id
"""

PRUNE_BLOBS_SQL = """
DELETE FROM checkpoint_blobs b
 WHERE b.thread_id = %(thread)s
   AND NOT EXISTS (SELECT 1 FROM checkpoints c
                    WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
                      AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)
"""


@dataclass
class Pruned:
    checkpoints: int = 0
    writes: int = 0
    blobs: int = 0

    def add(self, other: Pruned) -> None:
        self.checkpoints += other.checkpoints
        self.writes += other.writes
        self.blobs += other.blobs


async def prune_checkpoints(conn: AsyncConnection[Any], thread_id: str, keep: int) -> Pruned:
    """Drop a thread's superseded checkpoints (see the module); ``keep`` ≥ 1. One transaction."""
    if keep < 1:
        raise ValueError("keep at least the latest checkpoint: resume needs it")
    params = {"thread": thread_id, "keep": keep}
    async with conn.transaction():
        writes = (await conn.execute(PRUNE_WRITES_SQL, params)).rowcount
        checkpoints = (await conn.execute(PRUNE_CHECKPOINTS_SQL, params)).rowcount
        blobs = (await conn.execute(PRUNE_BLOBS_SQL, params)).rowcount
    return Pruned(checkpoints, writes, blobs)
