"""The emergency lock: an admin shuts the whole organisation at once (stolen phone, raid).

Every member's session ends and only admins may log in, to see the unlock page. Two different
admins must approve before it opens again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from . import audit
from .models import (
    AuditEntry,
    Invitation,
    Membership,
    Organisation,
    Role,
    UnlockApproval,
    User,
)
from .queries import organisation_admins
from .user_sessions import end_sessions_of

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable)


class LockReason(models.TextChoices):
    """Why an organisation was locked. A fixed list: the audit trail never holds free text."""

    DEVICE_LOST = "device_lost", gettext_lazy("A member's phone or computer was lost or stolen")
    RAID = "raid", gettext_lazy("A search, raid or seizure")
    ACCOUNT_COMPROMISED = "account_compromised", gettext_lazy("An account may be in wrong hands")
    OTHER = "other", gettext_lazy("Another emergency")


UNLOCK_APPROVALS_NEEDED = 2


def allowed_while_locked(view: View) -> View:
    """Mark a view an admin may open while their organisation is under emergency lock."""
    view.panah_while_locked = True
    return view


def is_admin(membership: Membership | None) -> bool:
    """Whether this membership holds the administrator role."""
    return membership is not None and Role.ADMIN in membership.role_set()


@transaction.atomic
def lock_organisation(
    *, organisation: Organisation, by: User, reason: str, request: HttpRequest | None = None
) -> int:
    """Lock the organisation at once: every member's session ends; returns how many ended.

    Until two different admins approve, members cannot log in and admins see only the unlock
    page. Open invitations are revoked.
    """
    if reason not in LockReason.values:
        raise ValidationError(_("Choose why you lock the organisation."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.locked_at is not None:
        raise ValidationError(_("The organisation is already locked."))
    organisation.locked_at = timezone.now()
    organisation.locked_by = by
    organisation.save(update_fields=["locked_at", "locked_by"])
    # Approvals from an earlier lock must not count towards lifting this one.
    UnlockApproval.objects.filter(organisation=organisation).delete()
    # An open invitation (perhaps in a seized mailbox) could otherwise bring in a new admin
    # whose approval would count towards unlocking.
    with scopes_disabled():
        revoked = Invitation.objects.filter(
            organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    with scopes_disabled():
        member_ids = list(
            Membership.objects.filter(
                organisation=organisation, removed_at__isnull=True
            ).values_list("user_id", flat=True)
        )
    ended = end_sessions_of(member_ids)
    audit.record(
        "organisation.locked",
        organisation=organisation,
        actor=by,
        obj=organisation,
        request=request,
        data={"reason": reason, "sessions_ended": ended, "invitations_revoked": revoked},
    )
    return ended


def unlock_approvals(organisation: Organisation) -> list[UnlockApproval]:
    """The approvals given so far to lift the organisation's lock, oldest first."""
    return list(
        UnlockApproval.objects.filter(organisation=organisation)
        .select_related("admin")
        .order_by("at")
    )


@transaction.atomic
def approve_unlock(
    *, organisation: Organisation, by: User, request: HttpRequest | None = None
) -> bool:
    """One admin's approval to lift the lock; the second different admin's lifts it (True)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.locked_at is None:
        raise ValidationError(_("The organisation is not locked."))
    admin_ids = {u.pk for u in organisation_admins(organisation)}
    if by.pk not in admin_ids:
        raise ValidationError(_("Only an administrator of the organisation can approve."))
    _approval, created = UnlockApproval.objects.get_or_create(organisation=organisation, admin=by)
    if created:
        audit.record(
            "organisation.unlock_approved",
            organisation=organisation,
            actor=by,
            obj=organisation,
            request=request,
        )
    # Only approvals of people who are still admins count.
    approvers = set(
        UnlockApproval.objects.filter(
            organisation=organisation, admin_id__in=admin_ids
        ).values_list("admin_id", flat=True)
    )
    if len(approvers) < UNLOCK_APPROVALS_NEEDED:
        return False
    locked_at = organisation.locked_at
    organisation.locked_at = None
    organisation.locked_by = None
    organisation.save(update_fields=["locked_at", "locked_by"])
    UnlockApproval.objects.filter(organisation=organisation).delete()
    audit.record(
        "organisation.unlocked",
        organisation=organisation,
        actor=by,
        obj=organisation,
        request=request,
        data={
            "approved_by": sorted(approvers),
            "locked_minutes": int((timezone.now() - locked_at).total_seconds() // 60),
        },
    )
    return True


def lock_reason(organisation: Organisation) -> str:
    """The reason code given when the organisation was last locked ("" if none is recorded)."""
    with scopes_disabled():
        entry = (
            AuditEntry.objects.filter(organisation=organisation, action="organisation.locked")
            .order_by("-sequence")
            .only("data")
            .first()
        )
    return (entry.data or {}).get("reason", "") if entry else ""


def record_refused_login(*, membership: Membership, request: HttpRequest) -> None:
    """Note in the organisation's trail that a member tried to log in while it was locked."""
    audit.record(
        "organisation.locked_login_refused",
        organisation=membership.organisation,
        actor=membership.user,
        request=request,
    )
