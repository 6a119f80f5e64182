"""`panah cases remind` and `panah cases import FILE`: the casework jobs an administrator runs.

- `remind [--days N] [--date YYYY-MM-DD]`: email each member their overdue deadlines and those
  due within N days (7), in the member's language. Run it daily (cron, systemd timer); it sends
  at most one email per member and day, so running it twice is harmless.
- `import FILE --organisation SLUG --by EMAIL [--dry-run] [--mapping JSON]`: import people and
  cases from CSV or XLSX, all or nothing, with a report of every row that fails.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from panah.cases.importing import import_cases
from panah.cases.reminders import send_reminders
from panah.core import reminders
from panah.core.commands import member_by_email, organisation_by_slug


class Command(BaseCommand):
    help = "Casework jobs: deadline reminders and spreadsheet imports."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="remind|import")
        remind = sub.add_parser("remind", help="Email each member their deadlines due soon.")
        remind.add_argument("--days", type=int, default=7, help="due within this many days (7)")
        reminders.add_arguments(remind)
        imp = sub.add_parser("import", help="Import people and cases from a CSV or XLSX file.")
        imp.add_argument("file")
        imp.add_argument("--organisation", metavar="SLUG", required=True)
        imp.add_argument("--by", metavar="EMAIL", required=True, help="the member importing")
        imp.add_argument("--dry-run", action="store_true", help="check and report only")
        imp.add_argument(
            "--mapping",
            help='JSON: field -> column header, e.g. {"external_reference": "File no."}',
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "remind":
            self.remind(options)
        else:
            self.import_file(options)

    def remind(self, options) -> None:
        today, orgs = reminders.command_options(options)
        self.stdout.write(
            f"Reminders for deadlines due by {today + dt.timedelta(days=options['days'])}:"
        )
        result = send_reminders(
            today=today, days=options["days"], organisations=orgs, echo=self.stdout.write
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sent} email(s) sent ({result.deadlines} deadlines); "
                f"{result.already_sent} member(s) already reminded today."
            )
        )

    def import_file(self, options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            mapping = json.loads(options["mapping"]) if options["mapping"] else {}
        except ValueError:
            raise CommandError(
                '--mapping must be JSON, e.g. \'{"registered_on": "Date"}\'.'
            ) from None
        if not isinstance(mapping, dict):
            raise CommandError("--mapping must be a JSON object: field -> column header.")
        organisation = organisation_by_slug(options["organisation"])
        user = member_by_email(organisation, options["by"])
        started = time.perf_counter()
        with scope(organisation=organisation):
            report = import_cases(
                organisation=organisation,
                by=user,
                file=path,  # streamed from the disk, within importing.LIMITS
                filename=path.name,
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=lambda n: self.stdout.write(f"  {n} rows created ..."),
            )
        seconds = time.perf_counter() - started
        for error in report.errors:
            self.stderr.write(str(error))
        if report.more_errors:
            self.stderr.write(f"... and {report.more_errors} more.")
        if report.error_count:
            raise CommandError(
                f"{report.error_count} error(s) in {report.rows} rows: nothing was imported."
            )
        verb = "would be created (dry run)" if report.dry_run else "created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.rows} rows read: {report.created} cases {verb}, "
                f"{report.already_imported} already imported, in {seconds:.1f} s."
            )
        )
