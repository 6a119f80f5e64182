"""What `panah files sweep` removes: encrypted files nothing needs any more.

Two kinds, one removal code (panah.core.crypto.files.EncryptedFileStore.sweep):

- *Orphaned files*: a document's file is written before its row commits, so a process killed
  in between leaves a file no row names (panah.core.backup.files.sweep_orphaned_files).
- *Temporary files* of the apps, kept for hours between the steps of a task (the evidence
  import's uploads). Core does not know the apps (dependencies point towards core), so each
  app registers the sweep of its own temporary files here from its AppConfig.ready().

Every kind keeps files younger than the grace period: a file being written now must survive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError

from panah.core import audit
from panah.core.backup.files import SweepRefused, files_dir, sweep_orphaned_files
from panah.core.crypto.files import SweepResult

DEFAULT_GRACE_MINUTES = 60


@dataclass(frozen=True)
class Sweeper:
    """One kind of file to sweep: `sweep(grace_seconds=..., dry_run=...)` does the work."""

    name: str
    description: str
    sweep: Callable[..., SweepResult]


_registered: dict[str, Sweeper] = {}


def register(name: str, description: str, sweep: Callable[..., SweepResult]) -> None:
    """Add (or replace, by name) a kind of temporary file for `panah files sweep` to remove.

    `sweep` is called with keyword arguments `grace_seconds` (never remove a younger file)
    and `dry_run` (remove nothing, say what would go).
    """
    _registered[name] = Sweeper(name, description, sweep)


def _sweep_orphans(*, grace_seconds: float, dry_run: bool) -> SweepResult:

    return sweep_orphaned_files(min_age_seconds=grace_seconds, dry_run=dry_run)


ORPHANS = Sweeper(
    "orphaned-files", "encrypted files no record names (an interrupted write)", _sweep_orphans
)


def sweepers() -> list[Sweeper]:
    """Every kind of file to sweep: orphaned files first, then the apps' in name order."""
    return [ORPHANS, *(_registered[name] for name in sorted(_registered))]


def restore_in_progress() -> list[Path]:
    """Staging folders of a restore that has not finished (or was interrupted).

    `panah restore` puts the restored files in place before the restored database: between
    the two, the files folder holds files no row of the old database names. A sweep then would
    delete restored documents, so none runs while such a folder exists.
    """

    parent = files_dir().parent
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.glob(".panah-restore-*") if p.is_dir())


@dataclass
class SweepReport:
    """What one `sweep_all` did: a result per kind that ran, a reason per kind that did not."""

    results: dict[str, SweepResult] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def removed(self) -> dict[str, int]:
        """Files of each kind that went (or would go, in a dry run); kinds with none left out."""
        return {name: len(r.removed) for name, r in self.results.items() if r.removed}


class RestoreInProgress(Exception):
    """Nothing was swept: a restore's staging folder exists beside the files folder."""


def sweep_all(*, grace_seconds: float, dry_run: bool = False) -> SweepReport:
    """Run every kind of sweep; audit what was removed (`files.swept`, counts only).

    A kind that refuses (panah.core.backup.files.SweepRefused) or cannot read the database
    removes nothing and is reported; the others still run. RestoreInProgress, before anything,
    while a restore's staging folder exists.
    """

    staging = restore_in_progress()
    if staging:
        raise RestoreInProgress(
            f"A restore is under way ({staging[0]} exists): nothing was swept, since the "
            "restored files are in place before the restored database. If no restore is "
            "running, that folder was left by an interrupted one: delete it, then sweep again."
        )
    report = SweepReport()
    for sweeper in sweepers():
        try:
            report.results[sweeper.name] = sweeper.sweep(
                grace_seconds=grace_seconds, dry_run=dry_run
            )
        except SweepRefused as exc:
            report.refused[sweeper.name] = str(exc)
        except DatabaseError as exc:
            report.refused[sweeper.name] = (
                f"the database cannot say which files it names ({exc}); none was removed."
            )
    if report.removed and not dry_run:
        try:
            audit.record(
                "files.swept",
                organisation=None,
                data={"removed": report.removed, "grace_minutes": round(grace_seconds / 60)},
            )
        except DatabaseError as exc:
            report.refused["audit"] = (
                f"the files were removed, but the audit trail could not record it ({exc})."
            )
    return report
