"""Manager accounts an admin runs: create, list, disable (and enable), reset a password. Used by the admin API
(server/web/api/admin.py) and by `noor managers` (server/cli.py), so both behave the same.

Passwords are hashed like every other (server/desk/managers.py, scrypt). A password not given is generated and
returned once: it is never stored in the clear and cannot be read back. Disabling an account ends its sessions,
refuses its sign-ins and takes it out of escalation routing; enabling it gives back sign-in and routing.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, errors
from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.desk.managers import Access, hash_password, verify_password

MIN_PASSWORD_CHARS = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account operation refused, with a message for the person who asked."""


class NoSuchAccount(AccountError):
    pass


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    email: str = Field(min_length=3, max_length=200)
    access: Access = "manager"
    title: str | None = Field(default=None, max_length=120, description="Job title shown to people")
    telegram_chat_id: int | None = Field(default=None, description="Where Telegram alerts for this account go")
    languages: list[str] = Field(default_factory=lambda: ["en"])
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_CHARS, max_length=200, description="None: one is generated"
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value.lower()


class Account(BaseModel):
    id: str
    name: str
    email: str
    access: Access
    title: str | None
    telegram_chat_id: int | None
    languages: list[str]
    can_sign_in: bool
    disabled_at: datetime | None
    created_at: datetime


class IssuedPassword(BaseModel):
    """An account and the password it was just given: shown once, to whoever created or reset it."""

    account: Account
    password: str


ACCOUNT_COLUMNS = (
    "id, name, email, access, role AS title, telegram_chat_id, languages, password_hash IS NOT NULL AND"
    " disabled_at IS NULL AS can_sign_in, disabled_at, created_at"
)

NEXT_ID_SQL = """
SELECT 'mgr_' || lpad((COALESCE(max(substring(id FROM '^mgr_([0-9]+)$')::int), 0) + 1)::text, 2, '0') AS id
  FROM managers
"""


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _account(row: dict[str, Any]) -> Account:
    return Account.model_validate(dict(row))


async def list_accounts(conn: AsyncConnection[Any]) -> list[Account]:
    rows = await (await conn.execute(f"SELECT {ACCOUNT_COLUMNS} FROM managers ORDER BY id")).fetchall()
    return [_account(row) for row in rows]


async def get_account(conn: AsyncConnection[Any], login: str) -> Account:
    """By manager id or e-mail (case-insensitive)."""
    row = await (
        await conn.execute(
            f"SELECT {ACCOUNT_COLUMNS} FROM managers WHERE id = %s OR lower(email) = lower(%s)", (login, login)
        )
    ).fetchone()
    if row is None:
        raise NoSuchAccount(f"no account {login!r}")
    return _account(row)


async def create_account(conn: AsyncConnection[Any], new: NewAccount) -> IssuedPassword:
    """A new account with the next free id ("mgr_08"). An e-mail already in use is refused (nothing changes)."""
    password = new.password or generate_password()
    password_hash = await asyncio.to_thread(hash_password, password)
    for _ in range(3):  # two creations at once may pick the same id: the loser takes the next one
        next_id = await (await conn.execute(NEXT_ID_SQL)).fetchone()
        assert next_id is not None
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO managers (id, name, email, role, access, telegram_chat_id, languages, password_hash)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        next_id["id"],
                        new.name,
                        new.email,
                        new.title,
                        new.access,
                        new.telegram_chat_id,
                        new.languages,
                        password_hash,
                    ),
                )
        except errors.UniqueViolation as exc:
            if exc.diag.constraint_name == "managers_email":
                raise AccountError(f"an account with e-mail {new.email} already exists") from None
            continue
        return IssuedPassword(account=await get_account(conn, next_id["id"]), password=password)
    raise AccountError("could not pick a free account id; try again")


async def set_disabled(conn: AsyncConnection[Any], login: str, disabled: bool) -> Account:
    """Disable (sessions end, no sign-in, no new escalations routed to it) or enable an account; repeating
    either is harmless."""
    account = await get_account(conn, login)
    async with conn.transaction():
        if disabled:
            await conn.execute(
                "UPDATE managers SET disabled_at = COALESCE(disabled_at, now()), is_active = false, updated_at = now()"
                " WHERE id = %s",
                (account.id,),
            )
            await conn.execute("DELETE FROM manager_sessions WHERE manager_id = %s", (account.id,))
        else:
            await conn.execute(
                "UPDATE managers SET disabled_at = NULL, is_active = true, updated_at = now()"
                " WHERE id = %s AND disabled_at IS NOT NULL",
                (account.id,),
            )
    return await get_account(conn, account.id)


async def reset_password(conn: AsyncConnection[Any], login: str, password: str | None = None) -> IssuedPassword:
    """A new password (generated when not given); every session of the account ends."""
    if password is not None and len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    account = await get_account(conn, login)
    password = password or generate_password()
    password_hash = await asyncio.to_thread(hash_password, password)
    async with conn.transaction():
        await conn.execute(
            "UPDATE managers SET password_hash = %s, updated_at = now() WHERE id = %s", (password_hash, account.id)
        )
        await conn.execute("DELETE FROM manager_sessions WHERE manager_id = %s", (account.id,))
    return IssuedPassword(account=await get_account(conn, account.id), password=password)


async def revoke_password(conn: AsyncConnection[Any], password: str) -> list[str]:
    """The accounts that sign in with `password` (the public demo one, left by a demo run on this database) no
    longer can: their password is cleared and their sessions end, until an admin resets it. Their ids."""
    rows = await (
        await conn.execute("SELECT id, password_hash FROM managers WHERE password_hash IS NOT NULL ORDER BY id")
    ).fetchall()
    matches = await asyncio.gather(*(asyncio.to_thread(verify_password, password, r["password_hash"]) for r in rows))
    revoked = [row["id"] for row, match in zip(rows, matches, strict=True) if match]
    async with conn.transaction():
        await conn.execute(
            "UPDATE managers SET password_hash = NULL, updated_at = now() WHERE id = ANY(%s)", (revoked,)
        )
        await conn.execute("DELETE FROM manager_sessions WHERE manager_id = ANY(%s)", (revoked,))
    return revoked
