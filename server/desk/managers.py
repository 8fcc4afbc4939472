"""Managers: accounts seeded from the demo data, scrypt password hashes, sessions and bearer tokens in Postgres.

Session and bearer tokens are random (secrets.token_urlsafe); only their sha256 is stored, so a database
leak does not hand out live sessions. Each session carries its own CSRF token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from psycopg import AsyncConnection

from agent.policies.routing import ManagerProfile

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32

SessionKind = Literal["cookie", "bearer"]
Access = Literal["manager", "head_of_sales", "admin"]
"""What an account may do; each level includes the ones before it (an admin may do what a head of sales may)."""
ACCESS_LEVELS: tuple[Access, ...] = ("manager", "head_of_sales", "admin")


def has_access(granted: Access, needed: Access) -> bool:
    return ACCESS_LEVELS.index(granted) >= ACCESS_LEVELS.index(needed)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_DKLEN)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(key).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant time; an unknown account still costs one scrypt so timing does not tell accounts apart."""
    if not stored:
        hash_password(password, salt=b"\0" * 16)
        return False
    try:
        scheme, n, r, p, salt_b64, key_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, key = base64.b64decode(salt_b64), base64.b64decode(key_b64)
        candidate = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(key), maxmem=128 * 1024 * 1024
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, key)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Manager:
    id: str
    name: str
    email: str
    role: str | None
    languages: list[str]
    access: Access = "manager"


@dataclass(frozen=True)
class Session:
    manager: Manager
    kind: SessionKind
    csrf_token: str


UPSERT_SQL = """
INSERT INTO managers (id, name, email, role, access, zoho_crm_user_id, telegram_chat_id, languages, specialties,
                      specialty_category_ids, working_hours, leave, is_active, max_open_chats, notes, password_hash)
VALUES (%(id)s, %(name)s, %(email)s, %(role)s, %(access)s, %(crm)s, %(chat)s, %(languages)s, %(specialties)s,
        %(category_ids)s, %(hours)s, %(leave)s, %(active)s, %(max_open)s, %(notes)s, %(password_hash)s)
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, email = EXCLUDED.email, role = EXCLUDED.role, access = EXCLUDED.access,
    zoho_crm_user_id = EXCLUDED.zoho_crm_user_id,
    telegram_chat_id = EXCLUDED.telegram_chat_id, languages = EXCLUDED.languages, specialties = EXCLUDED.specialties,
    specialty_category_ids = EXCLUDED.specialty_category_ids, working_hours = EXCLUDED.working_hours,
    leave = EXCLUDED.leave, is_active = EXCLUDED.is_active, max_open_chats = EXCLUDED.max_open_chats,
    notes = EXCLUDED.notes, updated_at = now(),
    password_hash = COALESCE(managers.password_hash, EXCLUDED.password_hash)
"""


async def seed_managers(
    conn: AsyncConnection[Any], managers: Sequence[Mapping[str, Any]], *, demo_password: str | None
) -> int:
    """Insert or refresh the managers; new accounts get `demo_password` (hashed), existing ones keep theirs."""
    existing = {
        row["id"]
        for row in await (await conn.execute("SELECT id FROM managers WHERE password_hash IS NOT NULL")).fetchall()
    }
    new = [str(r["manager_id"]) for r in managers if str(r["manager_id"]) not in existing] if demo_password else []
    # scrypt is deliberately slow: hash in threads (it releases the GIL), off the event loop
    hashes = dict(
        zip(
            new, await asyncio.gather(*(asyncio.to_thread(hash_password, str(demo_password)) for _ in new)), strict=True
        )
    )
    for record in managers:
        manager_id = str(record["manager_id"])
        password_hash = hashes.get(manager_id)
        await conn.execute(
            UPSERT_SQL,
            {
                "id": manager_id,
                "name": record["name"],
                "email": record["email"],
                "role": record.get("role"),
                "access": record.get("access") or "manager",
                "crm": record.get("zoho_crm_user_id"),
                "chat": record.get("telegram_chat_id"),
                "languages": list(record.get("languages") or []),
                "specialties": list(record.get("specialties") or []),
                "category_ids": [str(c) for c in record.get("specialty_category_ids") or []],
                "hours": json.dumps(record.get("working_hours") or {}),
                "leave": json.dumps(record.get("leave") or []),
                "active": bool(record.get("is_active", True)),
                "max_open": int(record.get("max_open_chats") or 30),
                "notes": record.get("notes") or None,
                "password_hash": password_hash,
            },
        )
    return len(managers)


async def set_password(conn: AsyncConnection[Any], manager_id: str, password: str) -> bool:
    cursor = await conn.execute(
        "UPDATE managers SET password_hash = %s, updated_at = now() WHERE id = %s RETURNING id",
        (await asyncio.to_thread(hash_password, password), manager_id),
    )
    changed = await cursor.fetchone() is not None
    if changed:  # a new password ends every session
        await conn.execute("DELETE FROM manager_sessions WHERE manager_id = %s", (manager_id,))
    return changed


async def authenticate(conn: AsyncConnection[Any], login: str, password: str) -> Manager | None:
    """By e-mail (case-insensitive) or manager id."""
    row = await (
        await conn.execute(
            "SELECT id, name, email, role, languages, access, password_hash FROM managers"
            " WHERE (lower(email) = lower(%s) OR id = %s) AND disabled_at IS NULL",
            (login.strip(), login.strip()),
        )
    ).fetchone()
    valid = await asyncio.to_thread(verify_password, password, row["password_hash"] if row else None)
    if not valid or row is None:
        return None
    return Manager(row["id"], row["name"], row["email"], row["role"], list(row["languages"]), row["access"])


async def create_session(
    conn: AsyncConnection[Any],
    manager_id: str,
    *,
    kind: SessionKind = "cookie",
    lifetime: timedelta,
    user_agent: str | None = None,
) -> tuple[str, str]:
    """A new session: returns (token, csrf_token). The token goes to the client, its hash to the database."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    await conn.execute(
        "INSERT INTO manager_sessions (token_hash, manager_id, kind, csrf_token, expires_at, user_agent)"
        " VALUES (%s, %s, %s, %s, now() + %s, %s)",
        (token_hash(token), manager_id, kind, csrf, lifetime, (user_agent or "")[:200] or None),
    )
    # expired sessions are swept as new ones are made
    await conn.execute("DELETE FROM manager_sessions WHERE expires_at < now() - interval '1 day'")
    return token, csrf


async def load_session(conn: AsyncConnection[Any], token: str, kind: SessionKind) -> Session | None:
    row = await (
        await conn.execute(
            """
            UPDATE manager_sessions s SET last_seen_at = now()
              FROM managers m
             WHERE s.token_hash = %s AND s.kind = %s AND s.expires_at > now() AND m.id = s.manager_id
               AND m.disabled_at IS NULL
            RETURNING m.id, m.name, m.email, m.role, m.languages, m.access, s.csrf_token
            """,
            (token_hash(token), kind),
        )
    ).fetchone()
    if row is None:
        return None
    manager = Manager(row["id"], row["name"], row["email"], row["role"], list(row["languages"]), row["access"])
    return Session(manager, kind, row["csrf_token"])


async def end_session(conn: AsyncConnection[Any], token: str) -> None:
    await conn.execute("DELETE FROM manager_sessions WHERE token_hash = %s", (token_hash(token),))


async def manager_profiles(conn: AsyncConnection[Any]) -> list[ManagerProfile]:
    rows = await (
        await conn.execute(
            "SELECT id, name, languages, specialties, specialty_category_ids, working_hours, leave, is_active,"
            " max_open_chats, telegram_chat_id FROM managers ORDER BY id"
        )
    ).fetchall()
    return [ManagerProfile.from_record(dict(row)) for row in rows]


async def open_loads(conn: AsyncConnection[Any]) -> dict[str, int]:
    """Open escalated threads per manager (the routing load)."""
    rows = await (
        await conn.execute(
            "SELECT manager_id, count(*) AS n FROM escalations"
            " WHERE resolved_at IS NULL AND manager_id IS NOT NULL GROUP BY manager_id"
        )
    ).fetchall()
    return {row["manager_id"]: int(row["n"]) for row in rows}
