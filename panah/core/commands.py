"""What the management commands of every app share: finding the organisation and the member
named on the command line, with one error message each wherever they are not found."""

from __future__ import annotations

from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from .models import Membership, Organisation, User


def organisation_by_slug(slug: str) -> Organisation:
    """The organisation whose slug is `slug` (from --organisation), or a CommandError."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandError(f"No organisation has the slug {slug!r}.")
    return organisation


def member_by_email(organisation: Organisation, email: str) -> User:
    """The current member of `organisation` with this e-mail address (from --by), or a
    CommandError."""
    with scopes_disabled():
        membership = (
            Membership.objects.filter(
                organisation=organisation,
                user__email__iexact=email.strip(),
                removed_at__isnull=True,
            )
            .select_related("user")
            .first()
        )
    if membership is None:
        raise CommandError(f"{email} is not a member of {organisation.slug}.")
    return membership.user
