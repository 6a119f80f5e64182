"""Which encrypted files exist on disk and which rows name them."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django_scopes import scopes_disabled

from panah.core.crypto.files import EncryptedFileStore

_NAME = re.compile(r"^[0-9a-f]{32}$")


def files_dir() -> Path:
    return EncryptedFileStore().location


def stored_files(location: Path | None = None) -> dict[str, Path]:
    """Every encrypted file under the files folder, by its random name."""
    location = location or files_dir()
    found = {}
    if location.is_dir():
        for path in location.glob("??/*"):
            if _NAME.match(path.name) and path.parent.name == path.name[:2] and path.is_file():
                found[path.name] = path
    return found


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


def sweep_orphaned_files(*, min_age_seconds: float = 0, using: str = "default") -> list[str]:
    """Delete encrypted files no row names; returns their names.

    A service writes a file before its row commits; a process killed in between leaves the
    file behind, unreadable (its row, which names the key context, never existed) but taking
    space. Files younger than `min_age_seconds` are kept: their row may still be committing.
    Run with 0 only when no request can be in flight (the server's start, see
    deploy/gunicorn.conf.py).
    """
    import time

    on_disk = stored_files()  # listed before the rows are read: a file added after is not seen
    referenced = referenced_files(using)
    now = time.time()
    removed = []
    for name, path in sorted(on_disk.items()):
        if name in referenced:
            continue
        try:
            if now - path.stat().st_mtime < min_age_seconds:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(name)
    return removed
