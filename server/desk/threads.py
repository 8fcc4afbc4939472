"""The managers' view of conversations (the inbox and its REST API read it): thread lists with unread counts,
a thread's detail with its transcript, quote and CRM ids, and the escalations list."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection

from server.storage.followups import list_followups

ThreadFilter = Literal["escalated", "mine", "all"]
_FILTERS: dict[str, str] = {
    "escalated": "(e.id IS NOT NULL OR c.mode = 'human')",
    "mine": "c.assigned_manager_id = %(me)s",
    "all": "true",
}

LIST_SQL = """
SELECT c.id, c.chat_id, c.channel_id, c.customer_name, c.mode, c.mode_reason, c.language, c.assigned_manager_id,
       am.name AS assigned_manager_name, c.updated_at, c.created_at,
       e.id AS escalation_id, e.reason AS escalation_reason, e.status AS escalation_status,
       e.created_at AS escalated_at, e.episode AS escalation_episode,
       last.id AS last_message_id, last.text AS last_text, last.author AS last_author, last.kind AS last_kind,
       last.created_at AS last_at,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in'
           AND m.id > COALESCE(r.last_read_message_id, 0)) AS unread
  FROM conversations c
  LEFT JOIN escalations e ON e.conversation_id = c.id AND e.resolved_at IS NULL
  LEFT JOIN managers am ON am.id = c.assigned_manager_id
  LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.manager_id = %(me)s
  LEFT JOIN LATERAL (SELECT id, text, author, kind, created_at FROM messages
                      WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) last ON true
 WHERE {where}
 ORDER BY (e.id IS NOT NULL OR c.mode = 'human') DESC, COALESCE(last.created_at, c.updated_at) DESC, c.id DESC
 LIMIT %(limit)s
"""


async def list_threads(
    conn: AsyncConnection[Any], manager_id: str, thread_filter: ThreadFilter = "escalated", limit: int = 100
) -> list[dict[str, Any]]:
    sql = LIST_SQL.format(where=_FILTERS[thread_filter])
    rows = await (await conn.execute(sql.encode(), {"me": manager_id, "limit": limit})).fetchall()
    return [dict(row) for row in rows]


async def thread_counts(conn: AsyncConnection[Any], manager_id: str) -> dict[str, int]:
    row = await (
        await conn.execute(
            """
            SELECT count(*) FILTER (WHERE e.id IS NOT NULL OR c.mode = 'human') AS escalated,
                   count(*) FILTER (WHERE c.assigned_manager_id = %(me)s) AS mine,
                   count(*) AS "all"
              FROM conversations c LEFT JOIN escalations e ON e.conversation_id = c.id AND e.resolved_at IS NULL
            """,
            {"me": manager_id},
        )
    ).fetchone()
    return {k: int(v) for k, v in dict(row or {}).items()}


async def thread_detail(conn: AsyncConnection[Any], conversation_id: int) -> dict[str, Any] | None:
    row = await (
        await conn.execute(
            "SELECT c.*, am.name AS assigned_manager_name FROM conversations c"
            " LEFT JOIN managers am ON am.id = c.assigned_manager_id WHERE c.id = %s",
            (conversation_id,),
        )
    ).fetchone()
    if row is None:
        return None
    detail = dict(row)
    escalations = await (
        await conn.execute(
            "SELECT e.*, m.name AS manager_name FROM escalations e LEFT JOIN managers m ON m.id = e.manager_id"
            " WHERE e.conversation_id = %s ORDER BY e.episode DESC",
            (conversation_id,),
        )
    ).fetchall()
    detail["escalations"] = [dict(e) for e in escalations]
    detail["escalation"] = next((dict(e) for e in escalations if e["resolved_at"] is None), None)
    handbacks = await (
        await conn.execute(
            "SELECT h.id, h.note, h.manager_id, m.name AS manager_name, h.created_at, h.consumed_at FROM handbacks h"
            " LEFT JOIN managers m ON m.id = h.manager_id WHERE h.conversation_id = %s ORDER BY h.id DESC",
            (conversation_id,),
        )
    ).fetchall()
    detail["handbacks"] = [dict(h) for h in handbacks]
    reviews = await (
        await conn.execute(
            "SELECT episode, reviewer, total, available, maximum, summary, rules, reviewed_at FROM quality_reviews"
            " WHERE conversation_id = %s ORDER BY episode DESC, reviewer",
            (conversation_id,),
        )
    ).fetchall()
    detail["reviews"] = [
        dict(r)
        | {"missed": [rule for rule in r["rules"] if rule["status"] == "judged" and rule["score"] < rule["max"]]}
        for r in reviews
    ]
    detail["followups"] = await list_followups(conn, conversation_id)
    detail.update(await _commerce(conn, str(detail["thread_id"])))
    return detail


async def _table_exists(conn: AsyncConnection[Any], name: str) -> bool:
    row = await (await conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (name,))).fetchone()
    return bool(row and row["present"])


async def _commerce(conn: AsyncConnection[Any], thread_id: str) -> dict[str, Any]:
    """Quotes and CRM links of the thread, from the quotes/CRM tables when they exist (migration 0007)."""
    found: dict[str, Any] = {"quotes": [], "crm_contact_id": None, "crm_deals": [], "customer": None}
    if await _table_exists(conn, "quotes"):
        rows = await (
            await conn.execute(
                "SELECT quote_id, status, totals, salesorder_id, salesorder_number, inventory_contact_id, updated_at"
                " FROM quotes WHERE thread_id = %s ORDER BY seq DESC LIMIT 10",
                (thread_id,),
            )
        ).fetchall()
        found["quotes"] = [dict(r) for r in rows]
    if await _table_exists(conn, "crm_contacts"):
        row = await (
            await conn.execute("SELECT contact_id FROM crm_contacts WHERE thread_id = %s", (thread_id,))
        ).fetchone()
        found["crm_contact_id"] = row["contact_id"] if row else None
    if await _table_exists(conn, "crm_deals"):
        rows = await (
            await conn.execute(
                "SELECT deal_id, deal_name, stage, amount, closed FROM crm_deals WHERE thread_id = %s"
                " ORDER BY opportunity DESC LIMIT 5",
                (thread_id,),
            )
        ).fetchall()
        found["crm_deals"] = [dict(r) for r in rows]
    if await _table_exists(conn, "customer_links"):
        row = await (
            await conn.execute("SELECT record FROM customer_links WHERE thread_id = %s", (thread_id,))
        ).fetchone()
        found["customer"] = row["record"] if row else None
    return found


async def thread_messages(
    conn: AsyncConnection[Any], conversation_id: int, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    rows = await (
        await conn.execute(
            """
            SELECT m.id, m.direction, m.author, m.manager_id, mg.name AS manager_name, m.kind, m.text, m.content_uri,
                   m.file_expired_at, m.status, m.created_at, o.status AS delivery_status
              FROM messages m
              LEFT JOIN managers mg ON mg.id = m.manager_id
              LEFT JOIN outbox o ON o.id = m.outbox_id
             WHERE m.conversation_id = %s AND m.id > %s
             ORDER BY m.id
             LIMIT %s
            """,
            (conversation_id, after_id, limit),
        )
    ).fetchall()
    return [dict(r) for r in rows]


async def list_escalations(
    conn: AsyncConnection[Any], *, status: Literal["open", "resolved", "all"] = "open", limit: int = 100
) -> list[dict[str, Any]]:
    where = {"open": "e.resolved_at IS NULL", "resolved": "e.resolved_at IS NOT NULL", "all": "true"}[status]
    rows = await (
        await conn.execute(
            f"""
            SELECT e.id, e.conversation_id, e.episode, e.reason, e.reasons, e.detail, e.summary, e.language,
                   e.manager_id, m.name AS manager_name, e.routing, e.status, e.created_at, e.taken_at, e.taken_by,
                   e.resolved_at, e.resolved_by, e.alert_status, e.alert_sent_at,
                   c.chat_id, c.customer_name, c.mode
              FROM escalations e JOIN conversations c ON c.id = e.conversation_id
              LEFT JOIN managers m ON m.id = e.manager_id
             WHERE {where}
             ORDER BY e.id DESC LIMIT %s
            """.encode(),
            (limit,),
        )
    ).fetchall()
    return [dict(r) for r in rows]
