"""The erasure ledger: which records' data keys were destroyed, kept outside the database.

Why it exists. Erasing a person destroys their wrapped data key in the database. A backup
taken before the erasure still holds that wrapped key, and the organisation key that opens it,
wrapped by a master key the keyring keeps (so that old backups stay readable). Restoring that
backup as it is would bring the person back. So every erasure is also written here, one JSON
line per destroyed key (table, row id, data key id, time: identifiers only, never a value), in a
file beside the keyring and outside every backup's reach to change; `panah restore` destroys
each listed key again in the restored copy before it goes live, and every new backup carries a
copy of the ledger so that a newer archive re-erases on its own.

The ledger is filled by `remember()` (the erasure service calls it in its transaction) and,
as a safety net, by `sync_from_database()`, which every backup and every forced restore runs
first: any row whose data key is already gone is added.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.crypto.rotation import data_key_holders


@dataclass(frozen=True)
class Erasure:
    """One destroyed data key: which table and row held it."""

    table: str
    pk: str
    data_key_id: str = ""
    at: str = ""

    def key(self) -> tuple[str, str]:
        return (self.table, canonical_pk(self.pk))

    def as_json(self) -> str:
        return json.dumps(
            {"table": self.table, "pk": canonical_pk(self.pk), "data_key_id": self.data_key_id,
             "at": self.at},
            sort_keys=True,
        )  # fmt: skip


def canonical_pk(value: object) -> str:
    """Row ids as one text form: UUIDs with dashes (SQLite stores them without)."""
    text = str(value)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def ledger_path() -> Path:
    """settings.ERASURE_LEDGER_FILE, or erased-keys.jsonl beside the master keyring."""
    configured = getattr(settings, "ERASURE_LEDGER_FILE", None)
    if configured:
        return Path(configured)
    return Path(settings.MASTER_KEY_FILE).parent / "erased-keys.jsonl"


def read(path: Path | None = None) -> list[Erasure]:
    """Every erasure in the ledger (an unfinished last line, from a crash, is skipped)."""
    path = path or ledger_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return parse(text)


def parse(text: str) -> list[Erasure]:
    found: dict[tuple[str, str], Erasure] = {}
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            erasure = Erasure(
                str(entry["table"]),
                canonical_pk(entry["pk"]),
                str(entry.get("data_key_id", "")),
                str(entry.get("at", "")),
            )
        except (ValueError, KeyError, TypeError):
            continue
        found.setdefault(erasure.key(), erasure)
    return list(found.values())


def append(erasures: Iterable[Erasure], path: Path | None = None) -> int:
    """Add erasures not yet listed (appended and synced to disk); returns how many were new."""
    path = path or ledger_path()
    known = {e.key() for e in read(path)}
    new = [e for e in erasures if e.key() not in known]
    if not new:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        # One write, so a crash leaves at most a torn last line, which `read` skips.
        os.write(fd, "".join(e.as_json() + "\n" for e in new).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return len(new)


def remember(*, table: str, pk: object, data_key_id: str = "") -> None:
    """Record that a row's data key is being destroyed; the erasure service calls this.

    Written at once, not on commit: a ledger entry for an erasure that then rolls back only
    means a restore would erase that record again, the safe side.
    """
    append([Erasure(table, canonical_pk(pk), data_key_id, timezone.now().isoformat())])


def sync_from_database(using: str = "default") -> int:
    """Add every row whose data key is already destroyed in the live database; returns how many."""

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    found = []
    with scopes_disabled(), transaction.atomic(using=using):
        for model in data_key_holders():
            if model._meta.db_table not in tables:
                continue
            rows = (
                model._base_manager.using(using)
                .filter(data_key_wrapped__isnull=True)
                .values_list("pk", "data_key_id")
            )
            found.extend(
                Erasure(model._meta.db_table, canonical_pk(pk), data_key_id or "")
                for pk, data_key_id in rows
            )
    return append(found) if found else 0
