"""Brute-force protection for sign-in: after `max_per_account` failures for one login, or `max_per_ip` from one
address, within `window`, sign-in is refused until the oldest of them leaves the window, without the password
being checked (so guessing goes no faster than the limit, and a locked-out account tells an attacker nothing).

Failures live in Postgres, so every API process counts the same ones. A successful sign-in clears its account's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection

from server.desk.managers import Manager, authenticate

#: Failures older than this are deleted as new ones are recorded.
FORGET_AFTER = timedelta(days=1)


class LoginThrottled(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class LoginThrottle:
    max_per_account: int
    max_per_ip: int
    window: timedelta

    async def blocked_for(self, conn: AsyncConnection[Any], account: str, ip: str | None) -> int | None:
        """Seconds until a sign-in for `account` from `ip` may be tried again, or None when it may be now."""
        row = await (
            await conn.execute(
                """
                SELECT now() AS now,
                       count(*) FILTER (WHERE account = %(account)s) AS by_account,
                       min(failed_at) FILTER (WHERE account = %(account)s) AS account_oldest,
                       count(*) FILTER (WHERE ip = %(ip)s) AS by_ip,
                       min(failed_at) FILTER (WHERE ip = %(ip)s) AS ip_oldest
                FROM login_failures
                WHERE failed_at > now() - %(window)s AND (account = %(account)s OR ip = %(ip)s)
                """,
                {"account": account, "ip": ip, "window": self.window},
            )
        ).fetchone()
        assert row is not None
        waits = []
        if row["by_account"] >= self.max_per_account:
            waits.append(row["account_oldest"] + self.window - row["now"])
        if ip is not None and row["by_ip"] >= self.max_per_ip:
            waits.append(row["ip_oldest"] + self.window - row["now"])
        return max(1, math.ceil(max(waits).total_seconds())) if waits else None

    async def sign_in(self, conn: AsyncConnection[Any], login: str, password: str, ip: str | None) -> Manager | None:
        """`authenticate` behind the throttle: raises LoginThrottled while blocked, records the outcome otherwise."""
        account = login.strip().lower()
        wait = await self.blocked_for(conn, account, ip)
        if wait is not None:
            raise LoginThrottled(wait)
        manager = await authenticate(conn, login, password)
        if manager is None:
            await conn.execute("INSERT INTO login_failures (account, ip) VALUES (%s, %s)", (account, ip))
            await conn.execute("DELETE FROM login_failures WHERE failed_at < now() - %s", (FORGET_AFTER,))
        else:
            await conn.execute("DELETE FROM login_failures WHERE account = %s", (account,))
        return manager
