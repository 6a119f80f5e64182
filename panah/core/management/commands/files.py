"""`panah files sweep [--dry-run] [--grace-minutes N]`: remove encrypted files nothing needs.

For a timer or cron (deploy/systemd/panah-sweep.timer, docs/operations.md). It removes

- encrypted files no record names: a document's file is written before its record commits,
  so a process killed in between leaves one behind (unreadable, but taking space);
- the apps' temporary files past their time: the evidence import's encrypted uploads waiting
  longer than 24 hours (panah.core.sweep lists what each app registered).

A file younger than the grace period (60 minutes by default) is always kept: it may belong to
a record being saved right now. `--dry-run` lists what would go and removes nothing. The
output ends with one summary line; file names are random and say nothing about anyone, so
the listing may go to the journal. The work, and the audit entry of a run that removed
something, are panah.core.sweep.sweep_all's. Nothing runs while a restore is under way. Exit
status 1 when a file could not be removed or part of the sweep was refused.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from panah.core.crypto.files import SweepResult
from panah.core.sweep import (
    DEFAULT_GRACE_MINUTES,
    ORPHANS,
    RestoreInProgress,
    sweep_all,
    sweepers,
)


def _size(n: float) -> str:
    if n < 1000:
        return f"{int(n)} bytes"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            break
    return f"{n:.1f} {unit}"


def _age(seconds: float) -> str:
    if seconds < 2 * 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


class Command(BaseCommand):
    help = (
        "Remove encrypted files nothing needs any more: leftovers of interrupted writes, "
        "expired uploads."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="sweep")
        sweep = sub.add_parser(
            "sweep",
            help="Remove files no record names and expired temporary uploads (for a timer).",
        )
        sweep.add_argument(
            "--dry-run", action="store_true", help="Only list what would be removed."
        )
        sweep.add_argument(
            "--grace-minutes",
            type=int,
            default=DEFAULT_GRACE_MINUTES,
            metavar="N",
            help="Keep every file younger than N minutes, since it may be being saved "
            f"(default {DEFAULT_GRACE_MINUTES}).",
        )
        # Also after the subcommand, where a cron line puts it (`panah files sweep -v 0`).
        sweep.add_argument(
            "-v",
            "--verbosity",
            type=int,
            choices=[0, 1, 2, 3],
            default=argparse.SUPPRESS,
            help="0: only errors; 1: one summary line (default); 2: every file too.",
        )

    def handle(self, *args, **options) -> None:
        if options["action"] == "sweep":
            self.sweep(
                dry_run=options["dry_run"],
                grace_minutes=options["grace_minutes"],
                verbosity=options["verbosity"],
            )

    def sweep(self, *, dry_run: bool, grace_minutes: int, verbosity: int) -> None:
        if grace_minutes < 1:
            raise CommandError(
                f"--grace-minutes must be at least 1 (not {grace_minutes}): a file written "
                "moments ago may belong to a record being saved. Leftovers are removed without "
                "delay only when the server starts (deploy/gunicorn.conf.py), when nothing can "
                "be in flight."
            )
        try:
            report = sweep_all(grace_seconds=grace_minutes * 60, dry_run=dry_run)
        except RestoreInProgress as exc:
            raise CommandError(str(exc)) from None
        # A dry run is for reading: it lists. A timer's run lists at -v 2 and says one line.
        if verbosity >= 2 or (dry_run and verbosity >= 1):
            for sweeper in sweepers():
                result = report.results.get(sweeper.name)
                if result is None or not result.removed:
                    continue
                self.stdout.write(f"{sweeper.description}:")
                for swept in result.removed:
                    self.stdout.write(
                        f"  {swept.path}  {_size(swept.size)}, {_age(swept.age_seconds)} old"
                    )
        if verbosity >= 1:
            self.stdout.write(
                **self._summary(report.results, dry_run=dry_run, grace_minutes=grace_minutes)
            )
        failed = [(name, p, why) for name, r in report.results.items() for p, why in r.failed]
        for name, path, why in failed:
            self.stderr.write(self.style.ERROR(f"{name}: could not remove {path}: {why}."))
        for name, reason in report.refused.items():
            self.stderr.write(self.style.ERROR(f"{name}: {reason}"))
        if failed:
            raise CommandError(
                f"{len(failed)} file(s) could not be removed. Run the sweep as the user Panah "
                "runs as (panah), who owns the files."
            )
        if report.refused:
            raise CommandError("Part of the sweep was refused (above); nothing of it was removed.")

    def _summary(self, results: dict[str, SweepResult], *, dry_run: bool, grace_minutes: int):
        count = sum(len(r.removed) for r in results.values())
        size = sum(r.size for r in results.values())
        # Only unnamed files are kept for the grace period's sake; an upload within its
        # 24 hours is simply still waiting, which is nothing to report.
        orphans = results.get(ORPHANS.name)
        young = orphans.kept_young if orphans else 0
        kinds = ", ".join(f"{name}: {len(r.removed)}" for name, r in results.items() if r.removed)
        kept = (
            f" Kept {young} file(s) no record names yet, younger than {grace_minutes} minutes "
            "(they may be being saved)."
            if young
            else ""
        )
        if count == 0:
            return {"msg": "Nothing to remove." + kept}
        if dry_run:
            return {
                "msg": f"Dry run: {count} file(s), {_size(size)}, would be removed ({kinds}); "
                f"nothing was removed.{kept}"
            }
        return {
            "msg": f"Removed {count} file(s), {_size(size)} ({kinds}).{kept}",
            "style_func": self.style.SUCCESS,
        }
