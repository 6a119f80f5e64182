"""Read paths of the core app, always scoped to one organisation."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import AuditEntry, Invitation, Membership, Organisation, Role, RoleGrant, User


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    """Current members with their roles, by name (three queries whatever their number)."""
    return (
        Membership.objects.filter(organisation=organisation, removed_at__isnull=True)
        .select_related("user")
        .prefetch_related(Prefetch("grants", queryset=RoleGrant.objects.all()))
        .order_by("user__display_name", "user__email")
    )


def open_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not yet used, revoked or expired."""
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def audit_entries(
    organisation: Organisation,
    *,
    member: Membership | None = None,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The organisation's audit entries, writes and reads together, newest first, narrowed by
    the given filters. Sequences count within a chain (writes, or one member's reads), so the
    order is by time."""
    qs = AuditEntry.objects.filter(organisation=organisation).select_related("actor")
    if member is not None:
        qs = qs.filter(actor_id=member.user_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def organisation_admins(organisation: Organisation) -> list[User]:
    """The organisation's current, active administrators."""
    with scopes_disabled():
        return list(
            User.objects.filter(
                is_active=True,
                memberships__organisation=organisation,
                memberships__removed_at__isnull=True,
                memberships__grants__role=Role.ADMIN,
            )
            .distinct()
            .order_by("display_name", "email")
        )
