"""The retention job: superseded LangGraph checkpoints, and customers' files and quotation PDFs past their age.

- Checkpoints: each conversation's thread keeps its latest ``checkpoints_kept`` checkpoints per namespace
  (server/storage/checkpoints.py). A thread is pruned only under its conversation's advisory lock (the
  dispatcher's claim, so never while a turn runs) and never while a turn of it is unfinished (a worker died
  mid-turn: the next one resumes from those checkpoints).
- Files: media downloaded more than ``media_retention_days`` ago and PDFs of quotations unchanged for
  ``document_retention_days`` are deleted from storage; their rows keep ``media.expired_at`` /
  ``quotes.pdf_expired_at`` (and the messages that sent the PDF ``file_expired_at``), so the inbox says "file
  expired" and the routes answer 410. Media is content-addressed: an object a newer
  message still uses stays until that message expires too. The object goes first, then the row is marked, so
  a pass that stops half-way is finished by the next one.
"""

from __future__ import annotations

import logging
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from server.components.documents import DocumentLinks
from server.loops import WokenLoop
from server.storage.checkpoints import Pruned, prune_checkpoints
from server.worker.dispatcher import LOCK_NAMESPACE
from tools.media import MediaStore

log = logging.getLogger(__name__)

BATCH = 100
RETENTION_LOCK = LOCK_NAMESPACE | 0xFFFF_FFFF  # above every conversation id the dispatcher locks
DAY = 24 * 3600

THREADS_TO_PRUNE_SQL = """
SELECT c.id, c.thread_id FROM conversations c
 WHERE c.id > %(after)s
   AND EXISTS (SELECT 1 FROM checkpoints k WHERE k.thread_id = c.thread_id
                GROUP BY k.checkpoint_ns HAVING count(*) > %(keep)s)
 ORDER BY c.id LIMIT %(batch)s
"""

UNFINISHED_TURN_SQL = "SELECT 1 FROM turns WHERE conversation_id = %s AND finished_at IS NULL LIMIT 1"

EXPIRED_MEDIA_SQL = """
SELECT m.storage_key, array_agg(m.id) AS ids,
       NOT EXISTS (SELECT 1 FROM media newer WHERE newer.storage_key = m.storage_key AND newer.expired_at IS NULL
                      AND newer.downloaded_at >= now() - make_interval(secs => %(seconds)s)) AS unused
  FROM media m
 WHERE m.storage_key IS NOT NULL AND m.expired_at IS NULL
   AND m.downloaded_at < now() - make_interval(secs => %(seconds)s)
 GROUP BY m.storage_key LIMIT %(batch)s
"""

EXPIRED_DOCUMENTS_SQL = """
SELECT quote_id, thread_id FROM quotes
 WHERE pdf_path IS NOT NULL AND pdf_expired_at IS NULL AND updated_at < now() - make_interval(secs => %(seconds)s)
 ORDER BY updated_at LIMIT %(batch)s
"""


class RetentionJob(WokenLoop):
    """Prunes checkpoints and deletes expired files (see the module); ``0`` turns a part off."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        media: MediaStore,
        documents: DocumentLinks,
        *,
        checkpoints_kept: int,
        media_retention_days: float,
        document_retention_days: float,
        poll_interval_seconds: float = 3600.0,
    ) -> None:
        super().__init__("retention", poll_interval_seconds)
        self.pool = pool
        self.media = media
        self.documents = documents
        self.checkpoints_kept = checkpoints_kept
        self.media_retention_days = media_retention_days
        self.document_retention_days = document_retention_days

    async def run_pass(self) -> bool:
        async with self.pool.connection() as lock:  # one worker process at a time does the pass
            taken = await (await lock.execute("SELECT pg_try_advisory_lock(%s) AS ok", (RETENTION_LOCK,))).fetchone()
            if not taken or not taken["ok"]:
                return False
            try:
                return await self._pass()
            finally:
                await lock.execute("SELECT pg_advisory_unlock(%s)", (RETENTION_LOCK,))

    async def _pass(self) -> bool:
        if self.checkpoints_kept:
            pruned = await self.prune_checkpoints()
            if pruned.checkpoints:
                log.info("pruned %s checkpoints, %s writes, %s blobs", pruned.checkpoints, pruned.writes, pruned.blobs)
        media = await self.expire_media() if self.media_retention_days else 0
        documents = await self.expire_documents() if self.document_retention_days else 0
        if media or documents:
            log.info("retention deleted %s media files and %s quotation PDFs", media, documents)
        return media == BATCH or documents == BATCH  # more are due: go on at once

    async def prune_checkpoints(self) -> Pruned:
        total = Pruned()
        after = 0
        while True:
            async with self.pool.connection() as conn:
                threads = await (
                    await conn.execute(
                        THREADS_TO_PRUNE_SQL, {"after": after, "keep": self.checkpoints_kept, "batch": BATCH}
                    )
                ).fetchall()
                for thread in threads:
                    async with conn.transaction():
                        claimed = await (
                            await conn.execute(
                                "SELECT pg_try_advisory_xact_lock(%s) AS ok", (LOCK_NAMESPACE | thread["id"],)
                            )
                        ).fetchone()
                        if not claimed or not claimed["ok"]:
                            continue  # a turn runs now; the next pass prunes it
                        if await (await conn.execute(UNFINISHED_TURN_SQL, (thread["id"],))).fetchone():
                            continue
                        total.add(await prune_checkpoints(conn, thread["thread_id"], self.checkpoints_kept))
            if len(threads) < BATCH:
                return total
            after = threads[-1]["id"]

    async def expire_media(self) -> int:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(EXPIRED_MEDIA_SQL, {"seconds": self.media_retention_days * DAY, "batch": BATCH})
            ).fetchall()
            for row in rows:
                if row["unused"]:
                    await self.media.delete(row["storage_key"])
                await conn.execute(
                    "UPDATE media SET expired_at = now(), updated_at = now() WHERE id = ANY(%s)", (row["ids"],)
                )
        return len(rows)

    async def expire_documents(self) -> int:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    EXPIRED_DOCUMENTS_SQL, {"seconds": self.document_retention_days * DAY, "batch": BATCH}
                )
            ).fetchall()
            for row in rows:
                await self.documents.delete(row["quote_id"])
                async with conn.transaction():
                    await conn.execute(
                        "UPDATE quotes SET pdf_expired_at = now() WHERE quote_id = %s", (row["quote_id"],)
                    )
                    await self._mark_messages(conn, row["quote_id"], row["thread_id"])
        return len(rows)

    async def _mark_messages(self, conn: AsyncConnection[Any], quote_id: str, thread_id: str) -> None:
        """The messages that sent this PDF say it expired (their links carry the quote id, signed)."""
        sent = await (
            await conn.execute(
                "SELECT m.id, m.content_uri FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE c.thread_id = %s AND m.direction = 'out' AND m.content_uri IS NOT NULL"
                " AND m.file_expired_at IS NULL",
                (thread_id,),
            )
        ).fetchall()
        ids = [m["id"] for m in sent if self.documents.linked_document(m["content_uri"]) == quote_id]
        await conn.execute("UPDATE messages SET file_expired_at = now() WHERE id = ANY(%s)", (ids,))
