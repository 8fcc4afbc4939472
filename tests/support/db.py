"""Real Postgres for tests: the local server if it answers, else the embedded one; a fresh database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from server.storage.database import (
    LOCAL_SERVER_URL,
    embedded_server_url,
    local_server_answers,
    make_pool,
    server_admin_url,
)
from server.storage.migrations import apply_migrations

TEST_DATA_DIR = Path(os.environ.get("NOOR_TEST_DATA_DIR", ".data/test"))


def test_server_url(database: str) -> str:
    configured = os.environ.get("NOOR_TEST_DATABASE_URL")
    if configured:
        info = psycopg.conninfo.conninfo_to_dict(configured)
        info["dbname"] = database
        return psycopg.conninfo.make_conninfo("", **info)
    if local_server_answers():
        return LOCAL_SERVER_URL.format(database=database)
    return embedded_server_url(TEST_DATA_DIR, database)


def with_database(url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo("", **info)


class TestDatabases:
    """A migrated template database, cloned into a fresh database for each test that asks for one."""

    def __init__(self) -> None:
        self.template_name = f"noor_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template_url = test_server_url(self.template_name)
        self.created: list[str] = []

    def create_template(self) -> None:
        with psycopg.connect(server_admin_url(self.template_url), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template_name)))

        async def migrate() -> None:
            pool = make_pool(self.template_url, min_size=1, max_size=2)
            await pool.open()
            try:
                await apply_migrations(pool)
            finally:
                await pool.close()

        asyncio.run(migrate())

    def fresh(self) -> str:
        name = f"noor_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server_admin_url(self.template_url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(self.template_name)
                )
            )
        self.created.append(name)
        return with_database(self.template_url, name)

    def empty(self) -> str:
        """A database with no schema at all, as a fresh production database starts."""
        name = f"noor_e_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server_admin_url(self.template_url), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return with_database(self.template_url, name)

    def drop_all(self) -> None:
        with psycopg.connect(server_admin_url(self.template_url), autocommit=True) as conn:
            for name in [*self.created, self.template_name]:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
