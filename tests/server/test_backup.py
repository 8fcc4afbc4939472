"""`noor backup` / `noor restore` on real Postgres with pg_dump and pg_restore: a conversation and its quotation
survive the round trip into a fresh database; a non-empty database is refused without --force; a missing
pg_dump gets a clear answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from server.storage.backup import BackupError, find_tool, server_major
from tests.support import db


def noor(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOOR_DATABASE_URL": database_url, "NOOR_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "server", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def seed(url: str) -> None:
    with psycopg.connect(url) as conn:
        conversation = conn.execute(
            "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name)"
            " VALUES ('channel', '971500016301', 'channel:971500016301', 'Sara Khan') RETURNING id"
        ).fetchone()
        assert conversation is not None
        for direction, author, text in (
            ("in", "customer", "Quotation for 4 x MC-AIRO-MB-BLK please"),
            ("out", "bot", "Here is your quotation: 1,820.70 AED incl. VAT"),
        ):
            conn.execute(
                "INSERT INTO messages (conversation_id, direction, author, text, status)"
                " VALUES (%s, %s, %s, %s, 'answered')",
                (conversation[0], direction, author, text),
            )
        conn.execute(
            "INSERT INTO quotes (quote_id, thread_id, seq, status, totals, pdf_path)"
            " VALUES ('WA-971500016301-Q1', 'channel:971500016301', 1, 'created', '{\"total\": \"1820.70\"}',"
            " 'WA-971500016301-Q1.pdf')"
        )


def conversation_and_quote(url: str) -> tuple[list[tuple[str, str]], tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        messages = conn.execute(
            "SELECT m.author, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.chat_id = '971500016301' ORDER BY m.id"
        ).fetchall()
        quote = conn.execute("SELECT quote_id, status, totals->>'total' FROM quotes").fetchone()
    assert quote is not None
    return [(str(a), str(t)) for a, t in messages], (str(quote[0]), str(quote[1]), str(quote[2]))


def test_a_backup_restores_into_a_fresh_database(
    database_url: str, test_databases: db.TestDatabases, tmp_path: Path
) -> None:
    seed(database_url)
    file = tmp_path / "backups" / "noor.dump"
    made = noor("backup", str(file), database_url=database_url, data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "backed up to" in made.stdout
    assert file.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format

    fresh = test_databases.empty()
    restored = noor("restore", str(file), database_url=fresh, data_dir=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert conversation_and_quote(fresh) == (
        [
            ("customer", "Quotation for 4 x MC-AIRO-MB-BLK please"),
            ("bot", "Here is your quotation: 1,820.70 AED incl. VAT"),
        ],
        ("WA-971500016301-Q1", "created", "1820.70"),
    )

    # the same database again: refused without --force, replaced with it
    refused = noor("restore", str(file), database_url=fresh, data_dir=tmp_path)
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    assert "--force" in refused.stderr
    with psycopg.connect(fresh) as conn:
        conn.execute("DELETE FROM quotes")
    forced = noor("restore", str(file), "--force", database_url=fresh, data_dir=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert conversation_and_quote(fresh)[1] == ("WA-971500016301-Q1", "created", "1820.70")


def test_a_missing_backup_file_or_pg_dump_gets_a_clear_answer(database_url: str, tmp_path: Path) -> None:
    missing = noor("restore", str(tmp_path / "nope.dump"), database_url=database_url, data_dir=tmp_path)
    assert missing.returncode != 0
    assert "no backup file at" in missing.stderr
    with pytest.raises(BackupError, match=r"pg_dump is not installed: .*postgresql-client-"):
        find_tool("pg_dump", server_major(database_url), [tmp_path])
    assert not list(tmp_path.glob("*.dump"))
