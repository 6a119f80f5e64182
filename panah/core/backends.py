"""Authentication backend: Django's model backend (named in settings and in forced logins)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class ModelBackend(DjangoModelBackend):
    """Password authentication exactly as Django does it."""
