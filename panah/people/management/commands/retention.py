"""`panah retention apply [--dry-run] [--yes] [--organisation SLUG]`: erase what is past retention.

Always prints first what it would erase (counts and person ids per organisation, never a
name). Erases (crypto-shredding through panah.people.erasure) only without --dry-run, and only
after --yes or a typed "yes" on a terminal; without a terminal and without --yes it refuses.
The periods are settings (PANAH_RETENTION_PERSON_MONTHS); the rules are in panah.people.retention.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panah.core.commands import organisation_by_slug
from panah.core.models import Organisation
from panah.people import retention


class Command(BaseCommand):
    help = "Erase the records whose retention period has ended, after showing what would go."
    # Tests hand in their own input; a real run reads the terminal.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="apply")
        apply = sub.add_parser("apply", help="Show, then erase, the records past retention.")
        apply.add_argument("--dry-run", action="store_true", help="Only show what would be erased.")
        apply.add_argument("--yes", action="store_true", help="Erase without asking.")
        apply.add_argument("--organisation", metavar="SLUG", help="Only this organisation.")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "apply":
            self.apply(
                slug=options.get("organisation"),
                dry_run=options["dry_run"],
                yes=options["yes"],
                stdin=options.get("stdin") or sys.stdin,
            )

    def apply(self, *, slug: str | None, dry_run: bool, yes: bool, stdin) -> None:
        organisations = (
            [organisation_by_slug(slug)] if slug else Organisation.objects.order_by("slug")
        )
        plans = retention.plan(organisations)
        total = sum(len(p.person_ids) for p in plans)
        months = settings.RETENTION_PERSON_MONTHS
        if plans:
            self.stdout.write(
                f"People with no activity for {months} months (since {plans[0].cutoff:%Y-%m-%d}):"
            )
        for plan in plans:
            self.stdout.write(f"{plan.organisation.slug}: {len(plan.person_ids)} people")
            for person_id in plan.person_ids:
                self.stdout.write(f"  person {person_id}")
        if total == 0:
            self.stdout.write("Nothing to erase.")
            return
        if dry_run:
            self.stdout.write(f"Dry run: {total} people would be erased; nothing was erased.")
            return
        if not yes:
            if not stdin.isatty():
                raise CommandError(
                    "Refusing to erase without confirmation: no terminal to ask on. "
                    "Run again with --yes, or with --dry-run to only look."
                )
            self.stdout.write(f'Type "yes" to erase these {total} people for good: ', ending="")
            self.stdout.flush()
            if stdin.readline().strip().lower() != "yes":
                raise CommandError("Not confirmed: nothing was erased.")
        erased = retention.apply(plans, progress=self._progress)
        kept = total - len(erased)
        self.stdout.write(
            f"Erased {len(erased)} people (reason: retention_expired)."
            + (f" {kept} became active since the listing and were kept." if kept else ""),
            self.style.SUCCESS,
        )

    def _progress(self, done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            self.stdout.write(f"  erased {done}/{total}")
