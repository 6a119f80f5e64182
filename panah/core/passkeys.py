"""Passkeys and security keys (WebAuthn) as a second factor, through django-otp-webauthn.

A passkey answers a challenge with a signature over this site's own origin: a look-alike site
that relays the member's password and codes gets a signature for its own address, which the
server refuses. That is why members holding the roles in settings.PASSKEY_ROLES (administrators
and safety officers) must use one: once they have a passkey, an authenticator-app code no
longer signs them in (a recovery code still does, for a lost key), and until a session has used
a passkey they reach only the passkey page (middleware).

What is stored (core.Passkey): the credential id, the public key, the signature counter and
transports, and `binding`, an HMAC of those with the member's id under a key derived from the
secret key (outside the database): a row written into the database for someone else's account
is refused. No attestation and no name typed by the member are kept.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.utils import rewrite_exceptions

from . import audit
from .models import Organisation, Passkey, RecoveryCodeDevice, Role, User
from .services import _email_second_factor_changed, issue_recovery_codes

logger = logging.getLogger(__name__)

REGISTRATION_STATE = "otp_webauthn_register_state"
AUTHENTICATION_STATE = "otp_webauthn_authentication_state"
# A registration or assertion is a few kilobytes; anything much bigger is not one.
MAX_RESPONSE_CHARS = 64 * 1024
# Change only with a migration: every stored binding was made with this label.
_KEY_LABEL = b"panah passkey binding v1"


# --- Binding a passkey to its member -------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _binding_key(secret: str) -> bytes:
    # Domain separation: not the key of sessions, recovery codes or the audit chain.
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def binding_of(passkey: Passkey, *, secret: str | None = None) -> str:
    """HMAC-SHA256 tying the passkey's credential id and public key to its member."""
    key = _binding_key(secret if secret is not None else settings.SECRET_KEY)
    message = b"|".join(
        [
            f"user={passkey.user_id}".encode(),
            hashlib.sha256(bytes(passkey.credential_id)).hexdigest().encode(),
            hashlib.sha256(bytes(passkey.public_key)).hexdigest().encode(),
        ]
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def binding_holds(passkey: Passkey) -> bool:
    """Whether the stored binding matches, under the secret key or an earlier one still listed."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(passkey.binding, binding_of(passkey, secret=s)) for s in secrets)


# --- The library's helper, fitted to Panah ---------------------------------------------------


def relying_party_id(request: HttpRequest) -> str:
    """The host the member reached (Django checked it against ALLOWED_HOSTS), without port."""
    return request.get_host().rsplit(":", 1)[0] if "]" not in request.get_host() else ""


class Helper(WebAuthnHelper):
    """django-otp-webauthn's helper: origin from the request, the member's name, no attestation."""

    def get_allowed_origins(self) -> list[str]:
        # The one origin this request came to. A phishing site's pages sign their own origin,
        # which is not this one, so the signature is refused whatever else it relays.
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def get_credential_display_name(self, user: User) -> str:
        return user.display_name or user.get_username()

    def create_attestation(self, credential, attestation_object, client_data_json):
        # We ask for no attestation ("none"); nothing in it is needed later, so nothing is kept.
        return None

    def create_credential(self, user, response, parsed_credential, original_data):
        passkey = super().create_credential(user, response, parsed_credential, original_data)
        passkey.name = "passkey"
        passkey.confirmed = True
        return passkey


def helper_for(request: HttpRequest) -> Helper:
    """The WebAuthn helper for this request."""
    return Helper(request=request)


# --- Who must use one ---------------------------------------------------------------------


def must_use_passkey(request: HttpRequest) -> bool:
    """Whether the signed-in member holds a role that requires a passkey, in any organisation."""
    required = set(settings.PASSKEY_ROLES)
    if not required:
        return False
    memberships = getattr(request, "memberships", None) or []
    return any(required & set(m.role_set()) for m in memberships)


def has_passkey(user: User) -> bool:
    """Whether the user has a confirmed passkey."""
    return Passkey.objects.filter(user=user, confirmed=True).exists()


def signed_in_with_passkey(request: HttpRequest) -> bool:
    """Whether this session's second factor was a passkey."""
    return isinstance(getattr(request.user, "otp_device", None), Passkey)


def passkey_roles_label(request: HttpRequest) -> list[str]:
    """The names of the member's roles that require a passkey, for the page that explains it."""
    held = set()
    for membership in getattr(request, "memberships", None) or []:
        held |= set(membership.role_set())
    return [str(Role(r).label) for r in settings.PASSKEY_ROLES if r in held and r in Role.values]


def match_code(user: User, code: str, *, app: bool):
    """The device that accepts a typed `code`: the authenticator app (if `app`) or a recovery
    code. With `app` False (a member who must use their passkey) an app's code is refused."""

    if app:
        return match_token(user, code)
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    return device if device is not None and device.verify_token(code) else None


# --- Ceremonies ---------------------------------------------------------------------------


class PasskeyError(ValidationError):
    """A registration or assertion that was refused; the message is for the member."""


def _parse(raw: str) -> dict[str, Any]:
    if not raw or len(raw) > MAX_RESPONSE_CHARS:
        raise PasskeyError(_("Your browser sent no usable answer from the passkey. Try again."))
    try:
        data = json.loads(raw)
    except ValueError:
        raise PasskeyError(
            _("Your browser sent no usable answer from the passkey. Try again.")
        ) from None
    if not isinstance(data, dict):
        raise PasskeyError(_("Your browser sent no usable answer from the passkey. Try again."))
    return data


def _state(request: HttpRequest, key: str) -> dict:
    # Taken out of the session before anything else, and the session saved: a challenge is
    # answered once, never replayed.
    state = request.session.pop(key, None)
    request.session.save()
    if not state:
        raise PasskeyError(_("That request has expired. Press the button again."))
    return state


def verify_assertion(*, request: HttpRequest, raw: str) -> Passkey:
    """Check a passkey's signature on the challenge this session was given; the passkey used.

    Raises PasskeyError (audited as a failed second factor) when it does not check out.
    """
    user = request.user
    try:
        state = _state(request, AUTHENTICATION_STATE)
        data = _parse(raw)
        with rewrite_exceptions(logger=logger):
            passkey = helper_for(request).authenticate_complete(user=user, state=state, data=data)
        if not passkey.confirmed or passkey.user_id != user.pk:
            raise webauthn_errors.CredentialDisabled()
    except (PasskeyError, webauthn_errors.OTPWebAuthnApiError, KeyError, TypeError) as exc:
        audit.record(
            "account.passkey_failed",
            organisation=None,
            actor=user,
            request=request,
            data={"why": getattr(exc, "code", "") or type(exc).__name__},
        )
        if isinstance(exc, PasskeyError):
            raise
        raise PasskeyError(
            _("That passkey was not accepted. Use a passkey registered on this account.")
        ) from None
    return passkey


def _organisations_of(user: User) -> list[Organisation | None]:
    organisations = list(
        Organisation.objects.filter(
            memberships__user=user, memberships__removed_at__isnull=True
        ).distinct()
    )
    # An account in no organisation (a superuser) has only the system chain.
    return organisations or [None]


@transaction.atomic
def add_passkey(*, request: HttpRequest, raw: str) -> tuple[Passkey, list[str]]:
    """Register the passkey the browser created for this session's challenge.

    Written to the trail of each of the member's organisations and mailed to the member. A member
    without recovery codes gets ten (returned once); otherwise the list is empty.
    """

    user = request.user
    state = _state(request, REGISTRATION_STATE)
    data = _parse(raw)
    try:
        with rewrite_exceptions(logger=logger):
            passkey = helper_for(request).register_complete(user=user, state=state, data=data)
    except (webauthn_errors.OTPWebAuthnApiError, KeyError, TypeError) as exc:
        raise PasskeyError(
            _("The passkey could not be registered (%(why)s). Try again.")
            % {"why": getattr(exc, "detail", "") or type(exc).__name__}
        ) from None
    codes: list[str] = []
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    if recovery is None or not recovery.codes.exists():
        codes = issue_recovery_codes(user=user)
    for organisation in _organisations_of(user):
        audit.record("account.passkey_added", organisation=organisation, actor=user, obj=passkey,
                     request=request)  # fmt: skip
    transaction.on_commit(
        lambda: _email_second_factor_changed(user=user, replaced=False, passkey=True)
    )
    return passkey, codes


@transaction.atomic
def remove_passkey(*, request: HttpRequest, passkey: Passkey) -> None:
    """Remove one of the member's passkeys; a member who must use one keeps at least one."""
    user = request.user
    if passkey.user_id != user.pk:
        raise PasskeyError(_("That passkey is not yours."))
    others = Passkey.objects.filter(user=user, confirmed=True).exclude(pk=passkey.pk)
    if must_use_passkey(request) and not others.exists():
        raise PasskeyError(
            _("Your role requires a passkey: register another one before removing this one.")
        )
    audit_id = passkey.pk
    passkey.delete()
    for organisation in _organisations_of(user):
        audit.record("account.passkey_removed", organisation=organisation, actor=user,
                     object_type="core.passkey", object_id=audit_id, request=request)  # fmt: skip
