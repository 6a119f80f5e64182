"""Logging in with a password and a second factor, logging out, resetting a password."""

from __future__ import annotations

import base64
import math
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from .. import passkeys, services
from ..access import password_only, public
from ..forms import LoginForm, SecondFactorForm
from ..language import set_language_cookie
from ..models import AuthenticatorDevice, RecoveryCodeDevice
from ..reauth import recently_authenticated

SETUP_DEVICE_KEY = "panah_totp_setup_device"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            services.set_language(user=user, language=chosen)
        else:
            set_language_cookie(response, user.language)
        return response

    def get_success_url(self):
        nxt = self.get_redirect_url()
        target = reverse_lazy("core:two_factor")
        return f"{target}?next={nxt}" if nxt else str(target)


login = public(LoginView.as_view())


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes shows after too many failed logins."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "core/locked_out.html",
        {"minutes": minutes},
        status=429,
    )


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return str(reverse_lazy("core:dashboard"))


@password_only
def two_factor(request: HttpRequest) -> HttpResponse:
    """Second step of logging in: a passkey, a code from the authenticator app or a recovery code.

    A member whose role requires a passkey and who has one cannot use the app's code: only the
    passkey, or a recovery code for a lost one (panah.core.passkeys says why).
    """
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    has_app = AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()
    has_key = passkeys.has_passkey(user)
    if not has_app and not has_key:
        return redirect("core:two_factor_setup")
    codes_from_app = has_app and not (has_key and _must_use_passkey(request))
    form = SecondFactorForm(
        request.POST if request.method == "POST" and "assertion" not in request.POST else None
    )
    wait = _seconds_to_wait(user) if request.method == "POST" else 0
    passkey_error = ""
    if request.method == "POST" and "assertion" in request.POST:
        try:
            passkey = passkeys.verify_assertion(request=request, raw=request.POST["assertion"])
        except passkeys.PasskeyError as exc:
            passkey_error = exc.messages[0]
        else:
            otp_login(request, passkey)
            return redirect(_safe_next(request))
    elif wait:
        # Each wrong code doubles the wait (django-otp); without this the right code, sent too
        # soon, would be answered "not right".
        form.add_error(
            None,
            ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then try again.",
                "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                wait,
            )
            % {"seconds": wait},
        )
    elif request.method == "POST" and form.is_valid():
        device = passkeys.match_code(user, form.cleaned_data["code"], app=codes_from_app)
        if device is not None:
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = device.codes.count()
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. %(left)d is left; each works only once.",
                        "You used a recovery code. %(left)d are left; each works only once.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(_safe_next(request))
        services.note_second_factor_failure(user=user, request=request)
        form.add_error(
            "code",
            _(
                "That code is not right. Codes change every 30 seconds; recovery codes work only once."
            )
            if codes_from_app
            else _("That recovery code is not right, or was already used."),
        )
    return render(
        request,
        "core/two_factor.html",
        {
            "form": form,
            "next": _safe_next(request),
            "has_key": has_key,
            "codes_from_app": codes_from_app,
            "passkey_error": passkey_error,
        },
    )


def _must_use_passkey(request: HttpRequest) -> bool:
    # The organisation middleware lists memberships only for members; at the second step of
    # logging in it has run, so request.memberships is there (empty for a superuser).
    return passkeys.must_use_passkey(request)


def _seconds_to_wait(user) -> int:
    """Seconds until any of the user's devices accepts a code again (0: it would now)."""
    waits = []
    # Only the devices that take typed codes; a passkey is never throttled this way.
    for device in devices_for_user(user):
        if not isinstance(device, AuthenticatorDevice | RecoveryCodeDevice):
            continue
        allowed, info = device.verify_is_allowed()
        if allowed:
            return 0
        until = (info or {}).get("locked_until")
        waits.append(math.ceil((until - timezone.now()).total_seconds()) if until else 1)
    return max(1, min(waits)) if waits else 0


@password_only
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app.

    A member who has one must pass it, then give the password and a code again (as for an
    export), before replacing it: a signed-in device left unlocked must not be enough to take
    the second factor over. The old app keeps working until the new one is confirmed.
    """
    user = request.user
    if AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists():
        if not user.is_verified():
            return redirect("core:two_factor")
        if not recently_authenticated(request):
            target = reverse("core:reauthenticate")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
    device = AuthenticatorDevice.objects.filter(
        user=user, confirmed=False, pk=request.session.get(SETUP_DEVICE_KEY)
    ).first()
    if device is None:
        device = services.start_totp_enrolment(user=user)
        request.session[SETUP_DEVICE_KEY] = device.pk
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.confirm_totp_enrolment(user=user, device=device, request=request)
            del request.session[SETUP_DEVICE_KEY]
            otp_login(request, device)
            return render(request, "core/recovery_codes.html", {"codes": codes})
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try again.")
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    secret = _grouped_base32(device)
    return render(
        request,
        "core/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret},
    )


def _grouped_base32(device: AuthenticatorDevice) -> str:

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@password_only
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, _("You are logged out."))
    return redirect("core:login")


password_reset = public(
    auth_views.PasswordResetView.as_view(
        template_name="core/password_reset.html",
        email_template_name="core/email/password_reset.txt",
        subject_template_name="core/email/password_reset_subject.txt",
        success_url=reverse_lazy("core:password_reset_done"),
    )
)
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="core/password_reset_done.html")
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.note_password_set(user=form.user, request=self.request)
        return response


password_reset_confirm = public(PasswordResetConfirmView.as_view())
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="core/password_reset_complete.html")
)
