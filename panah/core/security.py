"""Session security: re-authentication, the emergency lock and alerts on unusual reading.

- `recent_authentication_required`: exports, erasures and key operations need the password and
  the second factor given again within the last PANAH_REAUTH_MINUTES minutes.
- Emergency lock: an admin shuts the whole organisation at once (stolen phone, raid); every
  member's session ends and only admins may log in, to see the unlock page. Two different admins
  must approve before it opens again.
- Read bursts: a member reading more than PANAH_READ_ALERT_COUNT sensitive records within
  PANAH_READ_ALERT_MINUTES minutes alerts the organisation's admins, once per window.
- Sessions by user: each login records its session's stored key (a hash of the id) against the
  user, so removal and the lock end exactly that user's sessions without reading anyone else's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token
from django_scopes import scopes_disabled

from . import audit
from .db import run_sql
from .models import (
    READ_BURST_ACTION,
    AuditEntry,
    Invitation,
    Membership,
    Organisation,
    Role,
    UnlockApproval,
    User,
    UserSession,
)
from .sessions import stored_key

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable)

# --- Re-authentication --------------------------------------------------------------------

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


def reauthenticate(*, request: HttpRequest, password: str, code: str) -> bool:
    """Check the user's password and second-factor code again; remember success in the session.

    The password goes through `authenticate`, so repeated failures lock the account as at login.
    """
    user = request.user
    organisation = getattr(request, "organisation", None)
    checked = authenticate(request, username=user.get_username(), password=password)
    # The code is only tried (and, for a recovery code, used up) after a right password.
    device = match_token(user, code) if checked is not None and checked.pk == user.pk else None
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

    Put it under the view's access decorator: `@permission_required(...)` then this. A POST
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


# --- Audit export -------------------------------------------------------------------------


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


# --- Emergency lock -----------------------------------------------------------------------


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


# --- Sessions of a user -------------------------------------------------------------------


def record_session(*, request: HttpRequest, user: User) -> None:
    """Remember that the request's session is `user`'s, so that it can be ended by user.

    Called at every login (the `user_logged_in` signal), the one moment a session gains a user
    or a new key. Also forgets the user's records whose session has ended meanwhile.
    """
    from django.contrib.sessions.models import Session

    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        # Logging in over another user's session empties it and gives it its key only when
        # it is first saved (at the end of the response): save it now to know the key.
        session.save()
    # The row's key, a hash of the cookie's id (core.sessions): the id itself is never stored.
    UserSession.objects.update_or_create(
        session_id=stored_key(session.session_key), defaults={"user": user}
    )
    # Looked up by key (the user's few records), so a login never reads the whole table.
    keys = list(UserSession.objects.filter(user=user).values_list("session_id", flat=True))
    live = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    gone = set(keys) - set(live.values_list("session_key", flat=True))
    if gone:
        UserSession.objects.filter(user=user, session_id__in=gone).delete()


def end_sessions_of(user_ids: Iterable[int]) -> int:
    """Delete every stored session of these users; returns how many were still open.

    Only the sessions recorded at their login are touched (`UserSession`): nothing else is read
    or decoded, however many sessions other people have open.
    """
    from django.contrib.sessions.models import Session

    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    recorded = UserSession.objects.filter(user_id__in=user_ids)
    sessions = Session.objects.filter(session_key__in=recorded.values("session_id"))
    still_open = sessions.filter(expire_date__gt=timezone.now()).count()
    sessions.delete()  # their records go with them
    recorded.delete()  # records whose session was already gone
    return still_open


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


# --- Read bursts --------------------------------------------------------------------------


def note_read(entry: AuditEntry, *, request: HttpRequest | None = None) -> bool:
    """Count a recorded read; alert the admins once when the member's reads become a burst.

    Returns True when this read raised an alert. Called by `audit.record_read`.
    """
    threshold = settings.READ_ALERT_COUNT
    if threshold <= 0 or entry.actor_id is None or entry.organisation_id is None:
        return False
    since = entry.at - timedelta(minutes=settings.READ_ALERT_MINUTES)
    # Counted no further than the threshold: below it (nearly always) that is all it takes.
    counted = _reads_unless_alerted(entry, since, limit=threshold)
    if counted is None or counted < threshold:
        return False
    reads = _reads_since(entry, since)
    organisation = entry.organisation
    member = entry.actor
    audit.record(
        READ_BURST_ACTION,
        organisation=organisation,
        object_type="core.user",
        object_id=entry.actor_id,
        request=request,
        data={
            "reads": reads,
            "minutes": settings.READ_ALERT_MINUTES,
            "threshold": threshold,
            "last_entry": entry.pk,
        },
    )
    transaction.on_commit(
        lambda: _email_read_burst(organisation=organisation, member=member, reads=reads)
    )
    return True


# Run on every audited read: plain SQL, as building the ORM's queries cost several times what
# the database took to answer them.
def _reads_query(entry: AuditEntry, since) -> tuple[str, list]:
    """The member's reads in the entry's organisation since `since`, one row each: counted
    from the member's read chain there (every read goes to it), found by the (actor, at) index."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    sql = f"SELECT 1 FROM {table} WHERE actor_id = %s AND at >= %s AND chain = %s"  # noqa: S608 (table name)
    return sql, [
        entry.actor_id,
        connection.ops.adapt_datetimefield_value(since),
        audit.read_chain_name(entry.organisation_id, entry.actor_id),
    ]


def _alert_query(entry: AuditEntry, since) -> tuple[str, list]:
    """The read-burst alerts about the entry's member since `since`."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    # The action is written into the SQL, not passed as a parameter, so that SQLite sees the
    # query matches the condition of the partial index on alerts (models.AuditEntry).
    sql = (
        f"SELECT 1 FROM {table} WHERE action = '{READ_BURST_ACTION}' AND organisation_id = %s"  # noqa: S608 (a constant)
        " AND object_type = %s AND object_id = %s AND at >= %s"
    )
    return sql, [
        entry.organisation_id,
        "core.user",
        str(entry.actor_id),
        connection.ops.adapt_datetimefield_value(since),
    ]


def _reads_unless_alerted(entry: AuditEntry, since, *, limit: int) -> int | None:
    """None if the member was already alerted about since `since`; else their reads since
    then, counted no further than `limit`. One statement: the count is not even taken when
    an alert exists (a member in a burst reads on and on)."""
    alerts, alert_params = _alert_query(entry, since)
    reads, read_params = _reads_query(entry, since)
    sql = (
        f"SELECT CASE WHEN EXISTS ({alerts}) THEN NULL"  # noqa: S608 (built above)
        f" ELSE (SELECT COUNT(*) FROM ({reads} LIMIT %s) AS recent) END"
    )
    return run_sql(sql, [*alert_params, *read_params, limit])[0][0]


def _reads_since(entry: AuditEntry, since) -> int:
    """How many reads the entry's member recorded in its organisation since `since`."""
    reads, params = _reads_query(entry, since)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({reads}) AS recent", params)  # noqa: S608
        return cursor.fetchone()[0]


def _email_read_burst(*, organisation: Organisation, member: User, reads: int) -> None:
    """Tell each admin, in their own language, who read unusually much."""
    context = {
        "organisation": organisation,
        "member": member,
        "reads": reads,
        "minutes": settings.READ_ALERT_MINUTES,
        "audit_path": reverse("core:audit_trail"),
    }
    for admin in organisation_admins(organisation):
        with translation.override(admin.language):
            subject = _("Panah: unusual reading of records in %(organisation)s") % {
                "organisation": organisation.name
            }
            body = render_to_string("core/security/email_read_burst.txt", context)
        try:
            send_mail(subject, body, None, [admin.email])
        except Exception:
            # An unreachable mail server must not break the page being read; the alert is
            # in the audit trail either way.
            logger.exception("Could not send a read-burst alert to admin %s", admin.pk)
