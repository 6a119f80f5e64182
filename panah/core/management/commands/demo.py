"""`panah demo`: load the synthetic demo data, or print a demo account's second-factor code."""

from django.core.management.base import BaseCommand, CommandError

from panah.core import demo


class Command(BaseCommand):
    help = "Load synthetic demo data (demo mode only), or print a demo account's current code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", metavar="EMAIL", help="print the current second-factor code of EMAIL"
        )

    def handle(self, *args, code=None, **options):
        try:
            if code:
                self.stdout.write(demo.current_code(code))
                return
            accounts = demo.load_demo()
            demo.load_demo_records(progress=self.stdout.write)
        except (demo.DemoRefused, LookupError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"\nEvery demo account's password: {demo.DEMO_PASSWORD}")
        self.stdout.write("Second-factor code of an account (changes every 30 s):")
        self.stdout.write("  PANAH_MODE=demo .venv/bin/panah demo --code EMAIL\n")
        self.stdout.write("Demo accounts:")
        for account in accounts:
            where = "; ".join(
                f"{org}: {', '.join(str(r.label) if hasattr(r, 'label') else r for r in roles)}"
                for org, roles in account.organisations
            )
            self.stdout.write(f"  {account.email:<40} {where}")
