"""`panah organisation ...`: organisations from the command line.

- `create NAME --admin EMAIL [--base-url URL]`: how a fresh installation gets its first
  organisation. An existing account becomes its administrator; otherwise the account is created
  without a password and a one-time link to choose one is printed (send it through a channel
  you trust). At first login the administrator enrols a second factor like everyone else.
- `list`: every organisation with its number of members.
- `setup-link EMAIL [--base-url URL]`: a fresh password link for an account that never chose a
  password (the first one expired).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django_scopes import scopes_disabled

from panah.core import services
from panah.core.models import Organisation, User

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Create and list organisations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        create = sub.add_parser(
            "create", help="Create an organisation and give it its first administrator."
        )
        create.add_argument("name", metavar="NAME", help="the organisation's name")
        create.add_argument(
            "--admin", metavar="EMAIL", required=True, help="its administrator's email address"
        )
        create.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"the address Panah is served at, for the printed link (default {DEFAULT_BASE_URL})",
        )
        sub.add_parser("list", help="List the organisations and their numbers of members.")
        link = sub.add_parser(
            "setup-link", help="Print a new password link for an account that has none yet."
        )
        link.add_argument("email", metavar="EMAIL")
        link.add_argument("--base-url", default=DEFAULT_BASE_URL)

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "create":
            self.create(options["name"], options["admin"], options["base_url"])
        elif subcommand == "list":
            self.list()
        elif subcommand == "setup-link":
            self.setup_link(options["email"], options["base_url"])

    def create(self, name: str, email: str, base_url: str) -> None:
        try:
            made = services.set_up_organisation(name=name, admin_email=email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        org, admin = made.organisation, made.admin
        self.stdout.write(
            self.style.SUCCESS(f'Created the organisation "{org.name}" ({org.slug}).')
        )
        if made.account_created:
            self.stdout.write(f"Created the account {admin.email}, its administrator.")
        else:
            self.stdout.write(f"{admin.email} (an existing account) is its administrator.")
        if not admin.has_usable_password():
            self._print_link(admin, base_url)

    def list(self) -> None:
        with scopes_disabled():
            orgs = Organisation.objects.annotate(
                members=Count("memberships", filter=Q(memberships__removed_at__isnull=True))
            ).order_by("name")
            if not orgs:
                self.stdout.write("No organisation yet. Create one with: panah organisation create")
            for org in orgs:
                self.stdout.write(f"{org.slug:<30} {org.members:>5} members  {org.name}")

    def setup_link(self, email: str, base_url: str) -> None:
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        if user.has_usable_password():
            raise CommandError(
                f"{user.email} has chosen a password already; they can reset it from the login page."
            )
        self._print_link(user, base_url)

    def _print_link(self, user: User, base_url: str) -> None:
        days = settings.PASSWORD_RESET_TIMEOUT // 86400
        link = base_url.rstrip("/") + services.password_setup_path(user)
        self.stdout.write(
            f"\nSend {user.email} this link, through a channel you trust. It lets them choose a "
            f"password, works once and expires in {days} days:\n\n  {link}\n\n"
            "After the password they set up their second factor. If the link expires: "
            f"panah organisation setup-link {user.email}"
        )
