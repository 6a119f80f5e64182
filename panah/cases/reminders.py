"""Daily reminder emails: each member gets their overdue and soon-due deadlines, in their language.

An email leaves the server and may sit in a mailbox hosted by a third party, so it carries no
name and no outcome: only the case's short reference, the deadline, its date and its legal
source. One email per member, organisation and day (ReminderSent), so running the command
twice on the same day sends nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from panah.core import dates
from panah.core.models import Membership, Organisation
from panah.core.persian import isolate, plain_text_for_reader

from . import labels
from .models import Case, CaseAssignment, Deadline, ReminderSent
from .rules import CASE_ROLES


@dataclass
class ReminderResult:
    sent: int = 0
    already_sent: int = 0
    deadlines: int = 0


@dataclass(frozen=True)
class ReminderLine:
    case_ref: str
    case_path: str
    deadline: str
    due_on: dt.date
    due_text: str
    overdue: bool
    binding: bool
    source: str


def date_text(day: dt.date) -> str:
    """A date for a plain-text email in the active language (Jalali first in Persian)."""
    if dates.shows_jalali():
        return f"{dates.jalali_text(day)} ({isolate(day.isoformat(), 'ltr')})"
    return dates.gregorian_text(day)


def send_reminders(
    *, today: dt.date, days: int = 7, organisations=None, echo=None
) -> ReminderResult:
    """Email every member their deadlines overdue or due within `days` days (once a day)."""
    result = ReminderResult()
    for organisation in organisations or Organisation.objects.filter(locked_at__isnull=True):
        with scope(organisation=organisation):
            _remind_organisation(organisation, today, days, result, echo)
    return result


def _remind_organisation(organisation, today, days, result: ReminderResult, echo) -> None:
    deadlines = list(
        Deadline.objects.filter(
            organisation=organisation,
            due_on__lte=today + dt.timedelta(days=days),
            case__ended=False,
        ).order_by("-binding", "due_on", "rule_code")  # consequence first, as on the page
    )
    if not deadlines:
        return
    case_ids = {d.case_id for d in deadlines}
    restricted = {
        c.pk: {u.pk for u in c.restricted_to.all()}
        for c in Case.objects.filter(pk__in=case_ids, restricted=True).prefetch_related(
            "restricted_to"
        )
    }
    followers: dict[int, set] = defaultdict(set)
    for user_id, case_id in CaseAssignment.objects.filter(case_id__in=case_ids).values_list(
        "user_id", "case_id"
    ):
        if case_id not in restricted or user_id in restricted[case_id]:
            followers[user_id].add(case_id)
    members = (
        Membership.objects.filter(
            organisation=organisation,
            removed_at__isnull=True,
            user_id__in=followers,
            user__is_active=True,
            grants__role__in=CASE_ROLES,
        )
        .select_related("user")
        .distinct()
    )
    for membership in members:
        user = membership.user
        mine = [d for d in deadlines if d.case_id in followers[user.pk]]
        if ReminderSent.objects.filter(organisation=organisation, user=user, day=today).exists():
            result.already_sent += 1
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    organisation=organisation, user=user, day=today, deadlines=len(mine)
                )
                _send(user, organisation, mine, today)
        except IntegrityError:
            result.already_sent += 1  # another run sent it a moment ago
            continue
        result.sent += 1
        result.deadlines += len(mine)
        if echo:
            echo(f"  {organisation.slug}: {len(mine)} deadline(s) to member {user.pk}")


def _send(user, organisation, deadlines: list[Deadline], today: dt.date) -> None:
    with translation.override(user.language or "en"):
        lines = [
            ReminderLine(
                case_ref=str(d.case_id)[:8],
                case_path=reverse("cases:detail", kwargs={"pk": d.case_id}),
                deadline=labels.deadline_label(d.rule_code),
                due_on=d.due_on,
                due_text=date_text(d.due_on),
                overdue=d.due_on < today,
                binding=d.binding,
                source=isolate(labels.legal_source(d.legal_source)),
            )
            for d in deadlines
        ]
        context = {
            "user": user,
            "organisation": organisation,
            "overdue": [line for line in lines if line.overdue],
            "soon": [line for line in lines if not line.overdue],
            "count": len(lines),
            "today": date_text(today),
            "deadlines_path": reverse("cases:deadlines"),
        }
        subject = render_to_string("cases/email/reminder_subject.txt", context).strip()
        body = render_to_string("cases/email/reminder.txt", context)
    send_mail(plain_text_for_reader(subject, user.language), plain_text_for_reader(body, user.language), None,
              [user.email])  # fmt: skip
