"""The database half of a backup: a consistent snapshot, what it holds, and its restore.

- SQLite: the online backup API copies the live database page by page inside one read
  transaction (writers carry on); the facts (counts, file names, keys) are read from the copy.
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot, `pg_dump -Fc --snapshot`
  dumps exactly that state, and the facts are read in the same transaction, so the file list
  and the dump agree. The restore runs `pg_restore` into `psql --single-transaction`, with the
  old schema dropped first and the ledger's erasures applied last: the live database holds
  either the old state or the whole restored one, never a mix.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections

from panah.core.crypto.rotation import data_key_holders

from .container import BackupError
from .ledger import Erasure

CORE_TABLES = ("core_organisation", "core_user")


@dataclass
class Facts:
    """What a database snapshot holds, read from the snapshot itself (never a value)."""

    vendor: str
    server_version: str
    tables: dict[str, int] = field(default_factory=dict)
    migrations: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    organisation_keys: list[dict[str, Any]] = field(default_factory=list)
    erased: list[Erasure] = field(default_factory=list)


def file_tables() -> list[str]:
    """Tables whose rows name an encrypted file (a `stored_file` column)."""
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if any(f.name == "stored_file" for f in m._meta.concrete_fields)
    )


def key_holder_tables() -> list[str]:

    return sorted(m._meta.db_table for m in data_key_holders())


def _quote(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise BackupError(f"Unexpected table name {name!r}.")
    return f'"{name}"'


def read_facts(cursor, vendor: str, server_version: str, tables: list[str]) -> Facts:
    """Counts, migrations, referenced files, organisation keys and erased rows of a snapshot."""
    facts = Facts(vendor, server_version)
    present = set(tables)
    for table in sorted(present):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (names checked)
        facts.tables[table] = cursor.fetchone()[0]
    if "django_migrations" in present:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        facts.migrations = [(a, n) for a, n in cursor.fetchall()]
    for table in file_tables():
        if table in present:
            cursor.execute(
                f"SELECT stored_file FROM {_quote(table)} WHERE stored_file <> ''"  # noqa: S608
            )
            facts.files.extend(name for (name,) in cursor.fetchall())
    facts.files.sort()
    if "core_organisationkey" in present:
        cursor.execute(
            "SELECT k.key_id, k.master_key_id, k.organisation_id, k.retired_at IS NULL "
            "FROM core_organisationkey k ORDER BY k.id"
        )
        facts.organisation_keys = [
            {"key_id": k, "master_key_id": m, "organisation_id": o, "active": bool(a)}
            for k, m, o, a in cursor.fetchall()
        ]
    for table in key_holder_tables():
        if table in present:
            cursor.execute(
                f"SELECT id, data_key_id FROM {_quote(table)} "  # noqa: S608
                "WHERE data_key_wrapped IS NULL"
            )
            facts.erased.extend(Erasure(table, str(pk), kid or "") for pk, kid in cursor.fetchall())
    return facts


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_snapshot(dest: Path, using: str = "default") -> Facts:
    """Copy the live SQLite database to `dest` with the online backup API; the copy's facts."""
    connection = connections[using]
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return sqlite_facts(dest)


def sqlite_facts(path: Path) -> Facts:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = db.cursor()
        problems = cursor.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise BackupError(
                "The database copy fails SQLite's integrity check: "
                + "; ".join(str(p[0]) for p in problems[:5])
            )
        tables = [
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return read_facts(cursor, "sqlite", sqlite3.sqlite_version, tables)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The database in the archive cannot be read: {exc}.") from None
    finally:
        db.close()


def sqlite_apply_erasures(path: Path, erasures: list[Erasure]) -> int:
    """Destroy the listed data keys in a staged SQLite copy; returns how many rows changed."""
    db = sqlite3.connect(path)
    changed = 0
    try:
        tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        with db:
            for erasure in erasures:
                if erasure.table not in tables:
                    continue
                cursor = db.execute(
                    f"UPDATE {_quote(erasure.table)} SET data_key_wrapped = NULL "  # noqa: S608
                    "WHERE id IN (?, ?) AND data_key_wrapped IS NOT NULL",
                    (_sqlite_pk(erasure.pk), erasure.pk),
                )
                changed += cursor.rowcount
    finally:
        db.close()
    return changed


def _sqlite_pk(pk: str) -> str:
    try:
        return uuid.UUID(pk).hex  # Django stores UUIDs in SQLite as 32 hex digits
    except ValueError:
        return pk


def sqlite_swap_in(staged: Path, using: str = "default") -> None:
    """Replace the live database's whole content with the staged copy, in one write transaction.

    The backup API writes every page under one lock: a reader sees the old database or the new
    one; if it fails the live database is left as it was.
    """
    connection = connections[using]
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(f"The restored database could not replace the live one: {exc}.") from None
    finally:
        source.close()
    connection.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    mapping = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in mapping.items() if v})
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed on this machine, and a PostgreSQL backup needs it. Install "
            "the PostgreSQL client of the server's version (Debian: apt-get install "
            "postgresql-client) and try again."
        )
    return path


def _major(version_text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_text)
    return int(match.group(1)) if match else 0


def check_pg_tool(name: str, server_version_num: int) -> str:
    """The tool's path; BackupError if missing or older than the server (it would refuse)."""
    path = _tool(name)
    output = subprocess.run(  # noqa: S603 (fixed arguments)
        [path, "--version"], capture_output=True, text=True, check=False
    ).stdout
    tool_major = _major(output.split(")")[-1] if ")" in output else output)
    server_major = server_version_num // 10000
    if tool_major and tool_major < server_major:
        raise BackupError(
            f"{name} is version {tool_major} but the database server is version {server_major}; "
            f"install postgresql-client-{server_major}."
        )
    return path


def pg_snapshot(dest: Path, using: str = "default") -> Facts:
    """`pg_dump -Fc` of one exported snapshot into `dest`, and the facts read in that snapshot."""
    import psycopg  # noqa: PLC0415 (psycopg is slow to import; only this path needs it)

    settings_dict = connections[using].settings_dict
    env = _pg_env(settings_dict)
    conn = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        autocommit=False,
    )
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        cursor = conn.cursor()
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')")
        snapshot, version_num = cursor.fetchone()
        pg_dump = check_pg_tool("pg_dump", int(version_num))
        result = subprocess.run(  # noqa: S603 (fixed arguments)
            [pg_dump, "-Fc", f"--snapshot={snapshot}", "-f", str(dest), settings_dict["NAME"]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [t for (t,) in cursor.fetchall()]
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        facts = read_facts(cursor, "postgresql", server_version, tables)
    finally:
        conn.rollback()
        conn.close()
    return facts


def pg_check_dump(path: Path) -> int:
    """List the dump's table of contents (proves pg_restore can read it); how many entries."""
    pg_restore = _tool("pg_restore")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [pg_restore, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"The PostgreSQL dump in the archive is unreadable: {result.stderr}")
    return sum(1 for line in result.stdout.splitlines() if line and not line.startswith(";"))


def pg_restore_into_live(
    dump: Path, erasures: list[Erasure], workdir: Path, using: str = "default"
) -> int:
    """Replace the live database's schema with the dump's, in one transaction; erasures applied.

    Returns how many rows had a data key destroyed again.
    """
    connection = connections[using]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')")
        version_num = int(cursor.fetchone()[0])
    connections[using].close()
    pg_restore = check_pg_tool("pg_restore", version_num)
    psql = _tool("psql")
    prelude = workdir / "prelude.sql"
    prelude.write_text(
        "SET lock_timeout = '15s';\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    )
    closing = workdir / "erasures.sql"
    # pg_restore's script empties search_path, so the names are schema-qualified.
    lines = []
    for erasure in erasures:
        lines.append(
            f"UPDATE public.{_quote(erasure.table)} SET data_key_wrapped = NULL "  # noqa: S608
            f"WHERE id::text = '{_pg_literal(erasure.pk)}' AND data_key_wrapped IS NOT NULL;"
        )
    closing.write_text("\n".join(lines) + "\n")
    env = _pg_env(connection.settings_dict)
    dump_proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [pg_restore, "--no-owner", "--no-privileges", "-f", "-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        psql_result = subprocess.run(  # noqa: S603 (fixed arguments)
            [psql, "-X", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-f", str(prelude), "-f", "-", "-f", str(closing), connection.settings_dict["NAME"]],
            stdin=dump_proc.stdout,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )  # fmt: skip
    finally:
        dump_proc.stdout.close()
        dump_stderr = dump_proc.stderr.read().decode(errors="replace")
        dump_proc.stderr.close()
        dump_proc.wait()
    if dump_proc.returncode != 0 or psql_result.returncode != 0:
        reason = (dump_stderr.strip() or psql_result.stderr.strip()).splitlines()
        raise BackupError(
            "The PostgreSQL restore failed and was rolled back; the live database is as it "
            "was. " + ("; ".join(reason[-3:]) if reason else "")
        )
    return sum(int(n) for n in re.findall(r"^UPDATE (\d+)$", psql_result.stdout, re.MULTILINE))


def _pg_literal(text: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z_-]+", text):
        raise BackupError(f"Unexpected row id {text!r} in the erasure ledger.")
    return text


# --- both ---------------------------------------------------------------------------------------


def vendor(using: str = "default") -> str:
    return connections[using].vendor


def live_counts(using: str = "default") -> dict[str, int]:
    """Organisations and users in the live database (0 when it was never migrated)."""
    connection = connections[using]
    present = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in CORE_TABLES:
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
            else:
                counts[table] = 0
    return counts
