"""Where an officer's unlocked key lives between requests (docs/security.md, "Sealed tier").

The private key travels in an HttpOnly, SameSite=Strict cookie, encrypted under a random secret
kept in the officer's server-side session (panah.safety.sealing.wrap_for_session). Neither the
database (which holds the session) nor the cookie alone opens it; ending the session (logout,
idle timeout, the emergency lock) makes the cookie noise. Nothing is cached or logged.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_variables
from nacl.public import PrivateKey

from . import sealing
from .models import OfficerKey
from .services import active_officer_key


def cookie_name() -> str:
    return "__Host-panah_safety" if settings.SESSION_COOKIE_SECURE else sealing.COOKIE_NAME


@sensitive_variables()
def unlocked(request: HttpRequest) -> tuple[OfficerKey, PrivateKey] | None:
    """The member's officer key and its private half, if they unlocked it in this session."""
    value = request.session.get(sealing.SESSION_FIELD)
    cookie = request.COOKIES.get(cookie_name())
    if not value or not cookie or not request.user.is_authenticated:
        return None
    officer_key = active_officer_key(request.organisation, request.user)
    if officer_key is None or str(officer_key.pk) != value.get("officer_key"):
        return None
    private = sealing.unwrap_from_session(value, cookie, user_id=request.user.pk)
    if private is None or bytes(private.public_key) != bytes(officer_key.public_key):
        return None
    return officer_key, private


@sensitive_variables()
def remember(
    request: HttpRequest, response: HttpResponse, officer_key: OfficerKey, private: PrivateKey
) -> None:
    """Keep the unlocked key for the rest of this session only."""
    session_value, cookie = sealing.wrap_for_session(
        private, user_id=request.user.pk, officer_key_id=officer_key.pk
    )
    request.session[sealing.SESSION_FIELD] = session_value
    response.set_cookie(
        cookie_name(),
        cookie,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
        path="/",
    )


def forget(request: HttpRequest, response: HttpResponse) -> None:
    """Lock the key again: the session's secret and the cookie both go."""
    request.session.pop(sealing.SESSION_FIELD, None)
    response.delete_cookie(cookie_name(), path="/", samesite="Strict")
