"""`panah shelter remind [--date YYYY-MM-DD] [--organisation SLUG]`: e-mail each shelter
coordinator the placements ending within a week with no next place, in their language. Run it
daily with `panah cases remind`; it sends at most one e-mail per member and day, so running it
twice is harmless."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from panah.core.models import Organisation
from panah.shelter.reminders import send_shelter_reminders


class Command(BaseCommand):
    help = "Shelter jobs: reminders of placements ending without a next place."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="remind")
        remind = sub.add_parser(
            "remind", help="E-mail shelter coordinators the placements ending without a next place."
        )
        remind.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")
        remind.add_argument("--organisation", metavar="SLUG", help="only this organisation")

    def handle(self, *args, subcommand: str, **options):
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("--date takes a date written YYYY-MM-DD.") from None
        organisations = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation has the slug {options['organisation']!r}.")
            organisations = [organisation]
        result = send_shelter_reminders(
            today=today or timezone.localdate(), organisations=organisations,
            echo=self.stdout.write,
        )  # fmt: skip
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.sent} email(s) sent ({result.placements} placements); "
                f"{result.already_sent} member(s) already reminded today."
            )
        )
