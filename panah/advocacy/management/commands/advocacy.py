"""`panah advocacy remind [--days N] [--date YYYY-MM-DD] [--organisation SLUG]`: email each
member their advocacy tasks and follow-ups overdue or due within N days (3). Run it daily; it
sends at most one email per member and day, so running it twice is harmless."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from panah.advocacy.reminders import send_task_reminders
from panah.core import reminders


class Command(BaseCommand):
    help = "Advocacy jobs: task and follow-up reminders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="remind")
        remind = sub.add_parser("remind", help="Email each member their tasks due soon.")
        remind.add_argument("--days", type=int, default=3, help="due within this many days (3)")
        reminders.add_arguments(remind)

    def handle(self, *args, subcommand: str, **options):
        today, organisations = reminders.command_options(options)
        result = send_task_reminders(
            today=today, days=options["days"], organisations=organisations,
            echo=self.stdout.write,
        )  # fmt: skip
        self.stdout.write(
            f"{result.sent} email(s) sent for {result.tasks} task(s); "
            f"{result.already_sent} already sent today."
        )
