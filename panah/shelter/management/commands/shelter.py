"""`panah shelter remind [--date YYYY-MM-DD] [--organisation SLUG]`: e-mail each shelter
coordinator the placements ending within a week with no next place, in their language. Run it
daily with `panah cases remind`; it sends at most one e-mail per member and day, so running it
twice is harmless."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from panah.core import reminders
from panah.shelter.reminders import send_shelter_reminders


class Command(BaseCommand):
    help = "Shelter jobs: reminders of placements ending without a next place."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="remind")
        remind = sub.add_parser(
            "remind", help="E-mail shelter coordinators the placements ending without a next place."
        )
        reminders.add_arguments(remind)

    def handle(self, *args, subcommand: str, **options):
        today, organisations = reminders.command_options(options)
        result = send_shelter_reminders(
            today=today, organisations=organisations, echo=self.stdout.write
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sent} email(s) sent ({result.placements} placements); "
                f"{result.already_sent} member(s) already reminded today."
            )
        )
