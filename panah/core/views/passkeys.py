"""Passkeys and security keys: the member's list, registering one, removing one.

The browser side is panah/static/panah/passkeys.js: it asks a `begin` URL for a challenge,
lets the browser talk to the passkey, and posts the answer in an ordinary form field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
)

from .. import passkeys
from ..access import passkey_setup, password_only, signed_in
from ..models import Passkey
from ..reauth import recent_authentication_required, recently_authenticated


def _needs_reauthentication(request: HttpRequest) -> bool:
    # As for the authenticator app: adding a second key to an account that has one needs the
    # password and a second factor again, so an unattended signed-in browser is not enough.
    return passkeys.has_passkey(request.user) and not recently_authenticated(request)


def _reauthenticate(request: HttpRequest) -> HttpResponse:
    target = reverse("core:reauthenticate")
    return redirect(f"{target}?{urlencode({'next': reverse('core:passkeys')})}")


@passkey_setup
@signed_in
def passkey_list(request: HttpRequest) -> HttpResponse:
    """The member's passkeys; register one; confirm the session with one."""
    user = request.user
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            try:
                passkey = passkeys.verify_assertion(
                    request=request, raw=request.POST.get("assertion", "")
                )
            except passkeys.PasskeyError as exc:
                error = exc.messages[0]
            else:
                otp_login(request, passkey)
                messages.success(request, _("Signed in with your passkey."))
                return redirect("core:dashboard")
        elif action == "register":
            if _needs_reauthentication(request):
                return _reauthenticate(request)
            try:
                passkey, codes = passkeys.add_passkey(
                    request=request, raw=request.POST.get("credential", "")
                )
            except passkeys.PasskeyError as exc:
                error = exc.messages[0]
            else:
                # The ceremony just proved the member holds this key on this site's origin.
                otp_login(request, passkey)
                messages.success(request, _("Your passkey is registered."))
                if codes:
                    return render(request, "core/recovery_codes.html", {"codes": codes})
                return redirect("core:passkeys")
    required = passkeys.must_use_passkey(request)
    return render(
        request,
        "core/passkeys.html",
        {
            "passkeys": Passkey.objects.filter(user=user, confirmed=True).order_by("created_at"),
            "required": required,
            "roles": passkeys.passkey_roles_label(request),
            "confirm_needed": required
            and passkeys.has_passkey(user)
            and not passkeys.signed_in_with_passkey(request),
            "error": error,
            "needs_reauth": _needs_reauthentication(request),
        },
        status=400 if error else 200,
    )


@passkey_setup
@signed_in
@recent_authentication_required
@require_POST
def remove_passkey(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of the member's own passkeys (after the password and a second factor again)."""
    passkey = Passkey.objects.filter(user=request.user, pk=pk).first()
    if passkey is None:
        raise Http404
    try:
        passkeys.remove_passkey(request=request, passkey=passkey)
    except passkeys.PasskeyError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The passkey is removed. It no longer signs you in."))
    return redirect("core:passkeys")


_begin_registration = BeginCredentialRegistrationView.as_view()


@passkey_setup
@signed_in
@require_POST
def registration_begin(request: HttpRequest) -> HttpResponse:
    """A challenge for the browser to create a passkey on (JSON)."""
    if _needs_reauthentication(request):
        return _reauthenticate(request)
    return _begin_registration(request)


_begin_assertion = BeginCredentialAuthenticationView.as_view()


@password_only
@require_POST
def assertion_begin(request: HttpRequest) -> HttpResponse:
    """A challenge for one of the member's passkeys to sign (JSON), at login or confirmation."""
    return _begin_assertion(request)
