"""Which encrypted files exist on disk and which rows name them."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django_scopes import scopes_disabled

from panah.core.crypto.files import EncryptedFileStore, SweepResult


def files_dir() -> Path:
    """The folder of the encrypted files (settings.ENCRYPTED_FILES_DIR)."""
    return EncryptedFileStore().location


def stored_files(location: Path | None = None) -> dict[str, Path]:
    """Every encrypted file under the files folder, by its random name."""
    return EncryptedFileStore(location).stored()


def referenced_files(using: str = "default") -> set[str]:
    """The file names every `stored_file` column of the live database holds."""
    names: set[str] = set()
    with scopes_disabled():
        for model in apps.get_models():
            if any(f.name == "stored_file" for f in model._meta.concrete_fields):
                names.update(
                    model._base_manager.using(using)
                    .exclude(stored_file="")
                    .values_list("stored_file", flat=True)
                )
    return names


def orphaned_files(using: str = "default") -> list[Path]:
    """Files on disk that no row names (left by a crash between writing a file and committing)."""
    referenced = referenced_files(using)
    return sorted(p for name, p in stored_files().items() if name not in referenced)


def missing_files(using: str = "default") -> list[str]:
    """Names rows hold but no file on disk answers to."""
    return sorted(referenced_files(using) - set(stored_files()))


class SweepRefused(Exception):
    """Nothing was removed: the database names no file at all, so it may be the wrong one."""


def sweep_orphaned_files(
    *, min_age_seconds: float = 0, using: str = "default", dry_run: bool = False
) -> SweepResult:
    """Delete encrypted files no row names (a dry run only lists them).

    A service writes a file before its row commits; a process killed in between leaves the
    file behind, unreadable (its row, which names the key context, never existed) but taking
    space. Files younger than `min_age_seconds` are kept: their row may still be committing.
    Run with 0 only when no request can be in flight (the server's start, see
    deploy/gunicorn.conf.py); `panah files sweep` keeps an hour's grace by default.

    SweepRefused when the database names no file at all while older files are on disk.
    """
    store = EncryptedFileStore()
    named: set[str] = set()

    def in_use() -> set[str]:
        named.update(referenced_files(using))
        return named

    # The folder is listed before the rows are read (EncryptedFileStore.sweep): a file whose
    # row commits in between is then simply not seen. A first pass only looks: a database that
    # names no file beside a folder of files is more likely the wrong database (a mistyped
    # PANAH_DATABASE_URL, a fresh one) than one whose every file is a leftover, and removing
    # every document on that guess cannot be undone short of a restore.
    found = store.sweep(older_than=min_age_seconds, in_use=in_use, dry_run=True)
    if found.removed and not named:
        raise SweepRefused(
            f"The database names no encrypted file, yet {len(found.removed)} file(s) older "
            f"than the grace period are in {store.location}: is PANAH_DATABASE_URL the "
            "database these files belong to? Nothing was removed. (If it is, they are "
            "leftovers of writes interrupted before any record named a file, and can be "
            "deleted by hand.)"
        )
    if dry_run or not found.removed:
        return found
    return store.sweep(
        older_than=min_age_seconds, in_use=lambda: referenced_files(using), dry_run=False
    )
