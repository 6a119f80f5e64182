"""Alerts on unusual reading: a member reading more than PANAH_READ_ALERT_COUNT sensitive records
within PANAH_READ_ALERT_MINUTES minutes alerts the organisation's admins, once per window.

The audit trail sends `read_recorded` inside the read's transaction; this module listens
(connected in CoreConfig.ready), so the append primitive knows nothing of alert policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import audit
from .db import run_sql
from .models import (
    READ_BURST_ACTION,
    AuditEntry,
    Organisation,
    User,
)
from .queries import organisation_admins

logger = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable)


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


@receiver(audit.read_recorded)
def _count_read(sender, *, entry: AuditEntry, request: HttpRequest | None, **kwargs) -> None:
    note_read(entry, request=request)
