"""What the management commands of every app share: finding the organisation named on the
command line, with one error message wherever it is not found."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Organisation


def organisation_by_slug(slug: str) -> Organisation:
    """The organisation whose slug is `slug` (from --organisation), or a CommandError."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise CommandError(f"No organisation has the slug {slug!r}.")
    return organisation
