"""Authentication backend: Django's model backend, with the per-request user look-up precompiled."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .precompiled import PrecompiledQuery

_USER_BY_ID = PrecompiledQuery(
    lambda user_id: get_user_model()._default_manager.filter(pk=user_id), -7_000_001
)


class ModelBackend(DjangoModelBackend):
    """Password authentication as Django does it; `get_user` runs on every signed-in request."""

    def get_user(self, user_id):
        """The active user with this id, read from the database now, or None."""
        try:
            user = _USER_BY_ID.first(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
