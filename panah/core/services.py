"""Every write of the core app: one function per user intention, in a transaction, audited."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from . import audit, recovery_codes
from .models import (
    AuthenticatorDevice,
    Invitation,
    Membership,
    Organisation,
    RecoveryCode,
    RecoveryCodeDevice,
    Role,
    RoleGrant,
    User,
)
from .user_sessions import end_sessions_of

RECOVERY_CODE_COUNT = recovery_codes.CODE_COUNT

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    """What is stored of an invitation token: its SHA-256, so a dump yields no usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_organisation(
    *,
    name: str,
    founder: User,
    request: HttpRequest | None = None,
    from_command_line: bool = False,
) -> Organisation:
    """Create an organisation with its founder as administrator.

    From the command line no member acts: the entry names no actor and says so.
    """
    name = name.strip()
    if not name or len(name) > Organisation._meta.get_field("name").max_length:
        raise ValidationError(_("Give the organisation a name of at most 200 characters."))
    base = slugify(name)[:40] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    org = Organisation.objects.create(name=name, slug=slug)
    membership = Membership.objects.create(organisation=org, user=founder)
    RoleGrant.objects.create(membership=membership, organisation=org, role=Role.ADMIN)
    audit.record(
        "organisation.created",
        organisation=org,
        actor=None if from_command_line else founder,
        obj=org,
        request=request,
        data={"founder": founder.pk, "via": "command line"} if from_command_line else {},
    )
    return org


@dataclass(frozen=True)
class FirstAdministrator:
    """The organisation made by `panah organisation create` and its administrator's account."""

    organisation: Organisation
    admin: User
    account_created: bool


@transaction.atomic
def set_up_organisation(*, name: str, admin_email: str) -> FirstAdministrator:
    """Create an organisation from the command line with EMAIL's account as its administrator.

    A new account has no usable password: its owner chooses one through a one-time link
    (`password_setup_path`), then enrols a second factor at first login.
    """
    email = admin_email.strip().lower()
    validate_email(email)
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email, None, display_name=email.split("@")[0])
    org = create_organisation(name=name, founder=user, from_command_line=True)
    return FirstAdministrator(org, user, created)


def password_setup_path(user: User) -> str:
    """The path of a one-time link to choose a password (Django's reset token: it stops working
    once a password is set, or after PASSWORD_RESET_TIMEOUT)."""

    return reverse(
        "core:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation and its one-time link token (shown once, never stored)."""

    invitation: Invitation
    token: str


@transaction.atomic
def invite_member(
    *,
    organisation: Organisation,
    email: str,
    roles: list[str],
    invited_by: User,
    request: HttpRequest | None = None,
) -> IssuedInvitation:
    """Invite someone by a single-use link that expires after PANAH_INVITATION_DAYS days."""
    roles = sorted(set(roles))
    unknown = set(roles) - set(Role.values)
    if not roles or unknown:
        raise ValidationError(_("Choose at least one role."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email.strip().lower(),
        roles=roles,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    audit.record(
        "member.invited",
        organisation=organisation,
        actor=invited_by,
        obj=invitation,
        request=request,
        data={"roles": roles},
    )
    return IssuedInvitation(invitation, token)


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link token belongs to, whatever its state (None if unknown)."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("organisation")
            .filter(token_hash=token_hash(token))
            .first()
        )


class InvitationForAnotherAccount(ValidationError):
    """The signed-in account's email address is not the one the invitation was sent to."""


def _unusable_invitation() -> ValidationError:
    return ValidationError(
        _("This invitation link is not valid any more. Ask your administrator for a new one.")
    )


def accept_invitation(
    *,
    token: str,
    user: User | None = None,
    email: str = "",
    display_name: str = "",
    password: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Use an invitation: join as `user`, or create the account first. Works once, before expiry.

    Only the account of the invited email address may use it: a link forwarded, leaked or
    opened while signed in as someone else must not make that someone a member (and perhaps an
    admin). Such an attempt changes nothing, is noted in the organisation's audit trail (the link
    may be in wrong hands) and raises `InvitationForAnotherAccount`.
    """
    if user is not None:
        invitation = find_invitation(token)
        if invitation is None or not invitation.is_usable:
            raise _unusable_invitation()
        # The address of an invitation never changes, so this check needs no lock; it runs
        # outside the transaction below so that the refusal's audit entry is kept.
        if not invitation.is_addressed_to(user):
            audit.record(
                "member.invitation_refused",
                organisation=invitation.organisation,
                actor=user,
                obj=invitation,
                request=request,
                data={"reason": "other_address"},
            )
            raise InvitationForAnotherAccount(
                _(
                    "This invitation was sent to another email address than the one you are "
                    "logged in with."
                ),
                code="other_address",
            )
    return _accept_invitation(
        token=token, user=user, display_name=display_name, password=password, request=request
    )


@transaction.atomic
def _accept_invitation(
    *,
    token: str,
    user: User | None,
    display_name: str,
    password: str,
    request: HttpRequest | None,
) -> Membership:
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None or not invitation.is_usable:
            raise _unusable_invitation()
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise ValidationError(_("An account with this email exists already: log in first."))
            user = User(email=invitation.email, display_name=display_name)
            password_validation.validate_password(password, user)
            user.set_password(password)
            user.save()
        membership, _created = Membership.objects.get_or_create(
            organisation=invitation.organisation, user=user
        )
        if membership.removed_at is not None:
            membership.removed_at = None
            membership.save(update_fields=["removed_at"])
        for role in invitation.roles:
            RoleGrant.objects.get_or_create(
                membership=membership, organisation=invitation.organisation, role=role
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    audit.record(
        "member.joined",
        organisation=invitation.organisation,
        actor=user,
        obj=membership,
        request=request,
        data={"invitation": invitation.pk, "roles": invitation.roles},
    )
    return membership


@transaction.atomic
def revoke_invitation(
    *, invitation: Invitation, by: User, request: HttpRequest | None = None
) -> None:
    """Make an unused invitation link worthless."""
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        "member.invitation_revoked",
        organisation=invitation.organisation,
        actor=by,
        obj=invitation,
        request=request,
    )


@transaction.atomic
def change_member_roles(
    *, membership: Membership, roles: list[str], by: User, request: HttpRequest | None = None
) -> None:
    """Replace a member's roles. An organisation always keeps at least one administrator."""
    roles = sorted(set(roles))
    if not roles or set(roles) - set(Role.values):
        raise ValidationError(_("Choose at least one role."))
    org = membership.organisation
    if Role.ADMIN not in roles and _is_last_admin(membership):
        raise ValidationError(_("The organisation must keep at least one administrator."))
    RoleGrant.objects.filter(membership=membership).exclude(role__in=roles).delete()
    for role in roles:
        RoleGrant.objects.get_or_create(membership=membership, organisation=org, role=role)
    audit.record(
        "member.roles_changed",
        organisation=org,
        actor=by,
        obj=membership,
        request=request,
        data={"roles": roles},
    )


def _is_last_admin(membership: Membership) -> bool:
    # Lock the organisation row first: two admins demoting each other at the same moment must
    # not both see the other as the remaining administrator.
    Organisation.objects.select_for_update().values_list("pk", flat=True).get(
        pk=membership.organisation_id
    )
    admins = RoleGrant.objects.filter(
        organisation=membership.organisation,
        role=Role.ADMIN,
        membership__removed_at__isnull=True,
    )
    return admins.filter(membership=membership).exists() and admins.count() == 1


@transaction.atomic
def remove_member(*, membership: Membership, by: User, request: HttpRequest | None = None) -> None:
    """End a membership. The member's next request in this organisation is refused."""
    if _is_last_admin(membership):
        raise ValidationError(_("The organisation must keep at least one administrator."))
    membership.removed_at = timezone.now()
    membership.save(update_fields=["removed_at"])
    RoleGrant.objects.filter(membership=membership).delete()
    end_sessions(membership.user)
    audit.record(
        "member.removed",
        organisation=membership.organisation,
        actor=by,
        obj=membership,
        request=request,
    )


def end_sessions(user: User) -> int:
    """Delete every stored session of this user; returns how many were still open."""

    return end_sessions_of([user.pk])


def start_totp_enrolment(*, user: User) -> AuthenticatorDevice:
    """An unconfirmed authenticator for the user to scan; it counts only once confirmed."""
    AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
    return AuthenticatorDevice.objects.create(
        user=user, name=_("Authenticator app"), confirmed=False
    )


@transaction.atomic
def confirm_totp_enrolment(
    *, user: User, device: AuthenticatorDevice, request: HttpRequest | None = None
) -> list[str]:
    """Confirm the authenticator and issue fresh one-time recovery codes (returned once).

    The member's previous authenticator, if any, stops working only now. The change is written
    to the trail of each of the member's organisations, where their admins see it, and mailed
    to the member: if someone else did it, the member learns at once.
    """
    replaced, _counts = (
        AuthenticatorDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = issue_recovery_codes(user=user)
    action = "account.second_factor_replaced" if replaced else "account.second_factor_enrolled"
    organisations = list(
        Organisation.objects.filter(
            memberships__user=user, memberships__removed_at__isnull=True
        ).distinct()
    )
    # An account in no organisation (a superuser) has only the system chain.
    for organisation in organisations or [None]:
        audit.record(action, organisation=organisation, actor=user, obj=device, request=request)
    transaction.on_commit(lambda: _email_second_factor_changed(user=user, replaced=bool(replaced)))
    return codes


def _email_second_factor_changed(*, user: User, replaced: bool, passkey: bool = False) -> None:
    """Tell the member, in their language, that an authenticator or passkey was set up."""

    with translation.override(user.language):
        if passkey:
            subject = _("Panah: a new passkey was registered on your account")
        else:
            subject = _("Panah: a new authenticator app was set up on your account")
        body = render_to_string(
            "core/email/second_factor_changed.txt",
            {"user": user, "replaced": replaced, "passkey": passkey},
        )
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:
        # An unreachable mail server must not undo the change; the audit trail has it.
        logger.exception("Could not tell user %s about their new authenticator", user.pk)


def note_second_factor_failure(*, user: User, request: HttpRequest | None = None) -> None:
    """Record a wrong second-factor code: the password was right, so it may be known to others."""
    audit.record("account.second_factor_failed", organisation=None, actor=user, request=request)


def note_password_set(*, user: User, request: HttpRequest | None = None) -> None:
    """Record that a password was chosen through a reset or set-up link (other sessions end)."""
    audit.record("account.password_set", organisation=None, actor=user, request=request)


@transaction.atomic
def issue_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones (returned once).

    Only their keyed hashes are stored (panah.core.recovery_codes): the codes exist in clear
    only in this return value, shown to the member once.
    """
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = recovery_codes.new_codes(RECOVERY_CODE_COUNT)
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=d) for d in recovery_codes.digests(user.pk, codes)
    )
    return codes


def set_language(*, user: User, language: str) -> None:
    """Remember the user's language for pages and for emails sent to them."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def account_exists(email: str) -> bool:
    """Whether someone already has an account under this email address."""
    return User.objects.filter(email__iexact=email).exists()


def send_invitation_email(*, invitation: Invitation, link: str) -> None:
    """Send the invitation link in the inviting admin's language (the invitee's is unknown)."""

    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS}
    send_mail(
        subject=_("Invitation to join %(name)s on Panah") % {"name": invitation.organisation.name},
        message=render_to_string("core/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def record_audit_export(
    *,
    organisation: Organisation,
    by: User,
    filters: dict,
    rows: int,
    request: HttpRequest | None = None,
) -> None:
    """Note in the trail that a member exported (part of) it, with the filters used."""
    used = {}
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if isinstance(value, models.Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        used[name] = value
    audit.record(
        "audit.exported",
        organisation=organisation,
        actor=by,
        request=request,
        data={"filters": used, "rows": rows},
    )
