"""`panah advocacy remind [--days N] [--date YYYY-MM-DD]`: email each member their advocacy
tasks and follow-ups overdue or due within N days (3). Run it daily; it sends at most one email
per member and day, so running it twice is harmless."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from panah.advocacy.reminders import send_task_reminders


class Command(BaseCommand):
    help = "Advocacy jobs: task and follow-up reminders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="remind")
        remind = sub.add_parser("remind", help="Email each member their tasks due soon.")
        remind.add_argument("--days", type=int, default=3, help="due within this many days (3)")
        remind.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")

    def handle(self, *args, subcommand: str, **options):
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date takes YYYY-MM-DD.") from None
        result = send_task_reminders(
            today=today or timezone.localdate(), days=options["days"], echo=self.stdout.write
        )
        self.stdout.write(
            f"{result.sent} email(s) sent for {result.tasks} task(s); "
            f"{result.already_sent} already sent today."
        )
