"""Small helpers shared by the core tests: authenticator codes and snapshots of the tables."""

from __future__ import annotations

import time

from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import TOTP
from django_scopes import scopes_disabled

from panah.core.models import (
    AuthenticatorDevice,
    Invitation,
    Membership,
    Organisation,
    RecoveryCode,
    RoleGrant,
    User,
)

PASSWORD = "correct horse battery staple 42"  # the conftest accounts' password


def totp_code(device: AuthenticatorDevice, *, offset: int = 0) -> str:
    """The code the member's authenticator app shows now (or `offset` steps away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: AuthenticatorDevice) -> str:
    """A six-digit code that the device refuses (none of the codes its tolerance accepts)."""
    accepted = {totp_code(device, offset=o) for o in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def confirmed_device(user: User) -> AuthenticatorDevice:
    return AuthenticatorDevice.objects.get(user=user, confirmed=True)


def unthrottle(user: User) -> None:
    """Forget earlier failed codes, as if the throttling delay had passed."""
    AuthenticatorDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def reauthenticate(client: Client, device: AuthenticatorDevice, password: str = PASSWORD):
    """Give the password and the device's code again (as before an export); the response."""
    return client.post("/account/confirm/", {"password": password, "code": totp_code(device)})


def password_login(client: Client, email: str, password: str = PASSWORD, **extra):
    """Submit the login form; returns the response."""
    return client.post("/login/", {"username": email, "password": password, **extra})


def snapshot() -> dict[str, list]:
    """Every row a refused action must leave as it was (audit entries excepted)."""
    with scopes_disabled():
        return {
            "users": list(User.objects.order_by("pk").values()),
            "organisations": list(Organisation.objects.order_by("pk").values()),
            "memberships": list(Membership.objects.order_by("pk").values()),
            "grants": list(RoleGrant.objects.order_by("pk").values()),
            "invitations": list(Invitation.objects.order_by("pk").values()),
            "devices": list(
                AuthenticatorDevice.objects.order_by("pk").values(
                    "pk", "user_id", "sealed_seed", "confirmed"
                )
            ),
            "recovery_codes": sorted(RecoveryCode.objects.values_list("digest", flat=True)),
            "sessions": sorted(Session.objects.values_list("session_key", flat=True)),
        }


def messages_of(response) -> list[str]:
    """The flash messages a rendered response carries."""
    return [str(m) for m in response.context["messages"]] if response.context else []
