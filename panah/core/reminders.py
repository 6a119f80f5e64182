"""Daily reminder e-mails: at most one per member, organisation and day, in the member's language.

The part every reminder job shares (`panah cases remind`, `panah advocacy remind`, `panah
shelter remind`): who gets one (a current member, still active, holding one of the job's roles,
with something to hear of), once a day (the job's sent-record and its audit entry, written in
the same transaction as the e-mail is handed over; a record already there, from earlier or
from a run at the same moment, counts the member as already reminded), and the member's
language (the e-mail is written under it, in their digits). Each app passes its content in:
what is due for whom, how the e-mail reads, and its sent-record (a
`core.models.DailyReminderSent`). Core names no app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_scopes import scope

from . import audit
from .commands import organisation_by_slug
from .models import DailyReminderSent, Membership, Organisation, User
from .persian import plain_text_for_reader

# What is due for one member of the organisation (empty: no e-mail for them).
DueFor = Callable[[Membership], Sequence[Any]]


def add_arguments(parser) -> None:
    """The options every reminder command takes: --date and --organisation."""
    parser.add_argument("--date", help="pretend today is this date (YYYY-MM-DD)")
    parser.add_argument("--organisation", metavar="SLUG", help="only this organisation")


def command_options(options: dict) -> tuple[dt.date, list[Organisation] | None]:
    """The day (today unless --date) and the organisations (all unless --organisation)."""
    try:
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else None
    except ValueError:
        raise CommandError("--date takes a date written YYYY-MM-DD.") from None
    organisations = None
    if slug := options.get("organisation"):
        organisations = [organisation_by_slug(slug)]
    return today or timezone.localdate(), organisations


@dataclass
class DailyResult:
    """What a run did: e-mails sent, members already reminded today, lines in the e-mails sent."""

    sent: int = 0
    already_sent: int = 0
    items: int = 0


def send_daily(
    *,
    today: dt.date,
    sent_record: type[DailyReminderSent],
    count_field: str,
    due: Callable[[Organisation], DueFor | None],
    write: Callable[[User, Organisation, Sequence[Any]], tuple[str, str]],
    roles: Collection[str] | None = None,
    what: str = "item(s)",
    organisations: Iterable[Organisation] | None = None,
    echo: Callable[[str], None] | None = None,
    result: DailyResult | None = None,
) -> DailyResult:
    """E-mail each member what `due` finds for them, once per organisation and day.

    `sent_record` is the job's DailyReminderSent (unique per organisation, user and day) and
    `count_field` its count; `due`
    returns, per organisation, what is due for a member (None: nothing in this organisation);
    `write` returns the subject and plain-text body, called in the member's language.
    """
    result = result if result is not None else DailyResult()
    for organisation in organisations or Organisation.objects.filter(locked_at__isnull=True):
        with scope(organisation=organisation):
            due_for = due(organisation)
            if due_for is None:
                continue
            for membership in _members(organisation, roles):
                items = due_for(membership)
                if not items:
                    continue
                if _send_once(sent_record, count_field, membership, items, today, write):
                    result.sent += 1
                    result.items += len(items)
                    if echo:
                        echo(f"  {organisation.slug}: {len(items)} {what} to member {membership.user_id}")  # fmt: skip
                else:
                    result.already_sent += 1
    return result


def _members(organisation: Organisation, roles: Collection[str] | None):
    members = Membership.objects.filter(
        organisation=organisation, removed_at__isnull=True, user__is_active=True
    ).select_related("user", "organisation")
    if roles is not None:
        members = members.filter(grants__role__in=roles).distinct()
    return members


def _send_once(sent_record, count_field, membership, items, today, write) -> bool:
    """Record and send one member's e-mail; False if they were already reminded today."""
    user, organisation = membership.user, membership.organisation
    if sent_record.objects.filter(organisation=organisation, user=user, day=today).exists():
        return False
    try:
        with transaction.atomic():
            sent_record.objects.create(
                organisation=organisation, user=user, day=today, **{count_field: len(items)}
            )
            with translation.override(user.language or "en"):
                subject, body = write(user, organisation, items)
            send_mail(
                plain_text_for_reader(subject, user.language),
                plain_text_for_reader(body, user.language),
                None,
                [user.email],
            )
            # A write like any other: the trail says who was e-mailed, about how many things.
            # Last, so the organisation's audit head is not held while the mail server answers.
            audit.record(
                f"{sent_record._meta.app_label}.reminder_sent",
                organisation=organisation,
                object_type="core.user",
                object_id=user.pk,
                data={"day": today.isoformat(), count_field: len(items)},
            )
    except IntegrityError:  # another run sent it a moment ago
        return False
    return True
