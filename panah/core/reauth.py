"""Re-authentication: exports, erasures and key operations need the password and the second
factor given again within the last PANAH_REAUTH_MINUTES minutes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from . import audit, passkeys

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable)


REAUTH_SESSION_KEY = "panah_reauthenticated_at"


def reauth_minutes() -> int:
    """How long a re-authentication counts (PANAH_REAUTH_MINUTES)."""
    return settings.REAUTH_MINUTES


def recently_authenticated(request: HttpRequest) -> bool:
    """True when this session gave the password and the second factor again recently.

    Logging in does not count: a session cookie stolen just after login still cannot export.
    """
    at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(at, int | float):
        return False
    age = time.time() - at
    return 0 <= age <= reauth_minutes() * 60


def reauthenticate(
    *, request: HttpRequest, password: str, code: str = "", assertion: str = ""
) -> bool:
    """Check the user's password and a second factor again; remember success in the session.

    The second factor is a passkey's answer (`assertion`) or a code; a member who must use a
    passkey and has one may type only a recovery code (panah.core.passkeys). The password goes
    through `authenticate`, so repeated failures lock the account as at login.
    """
    user = request.user
    organisation = getattr(request, "organisation", None)
    checked = authenticate(request, username=user.get_username(), password=password)
    device = None
    # The second factor is only tried (a recovery code used up) after a right password.
    if checked is not None and checked.pk == user.pk:
        if assertion:
            try:
                device = passkeys.verify_assertion(request=request, raw=assertion)
            except passkeys.PasskeyError:
                device = None
        elif code:
            app = not (passkeys.must_use_passkey(request) and passkeys.has_passkey(user))
            device = passkeys.match_code(user, code, app=app)
    if device is None:
        audit.record(
            "account.reauthentication_failed",
            organisation=organisation,
            actor=user,
            request=request,
        )
        return False
    request.session[REAUTH_SESSION_KEY] = time.time()
    audit.record("account.reauthenticated", organisation=organisation, actor=user, request=request)
    return True


def recent_authentication_required(view: View) -> View:
    """Send the user to confirm their password and second factor unless they did so recently.

    Put it under the view's access decorator: `@needs_permission(...)` then this. A POST
    that arrives too late is not carried out; the user comes back to the page and sends it again.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_verified():
            return redirect("core:login")
        if not recently_authenticated(request):
            target = reverse("core:reauthenticate")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    wrapper.panah_recent_authentication = True
    return wrapper
