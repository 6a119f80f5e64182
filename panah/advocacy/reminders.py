"""Daily reminder emails for advocacy tasks and meeting follow-ups, in each owner's language.

An email may sit in a mailbox hosted by a third party, so it says only the task's title, its
due date and where to find it: a rally's plans are semi-public, but an official's contact or a
meeting's answers stay in Panah. One email per member, organisation and day (TaskReminderSent).
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
from panah.core.persian import plain_text_for_reader

from .models import Task, TaskReminderSent


@dataclass
class ReminderResult:
    sent: int = 0
    already_sent: int = 0
    tasks: int = 0


def _day(day: dt.date) -> str:
    if dates.shows_jalali():
        return f"{dates.jalali_text(day)} ({day.isoformat()})"
    return dates.gregorian_text(day)


def send_task_reminders(
    *, today: dt.date, days: int = 3, organisations=None, echo=None
) -> ReminderResult:
    """Email every owner their open tasks overdue or due within `days` days (once a day)."""
    result = ReminderResult()
    for organisation in organisations or Organisation.objects.filter(locked_at__isnull=True):
        with scope(organisation=organisation):
            _remind(organisation, today, days, result, echo)
    return result


def _remind(organisation, today: dt.date, days: int, result: ReminderResult, echo) -> None:
    tasks = (
        Task.objects.filter(
            organisation=organisation,
            done_at__isnull=True,
            owner__isnull=False,
            due_on__lte=today + dt.timedelta(days=days),
        )
        .select_related("event", "meeting")
        .order_by("due_on")
    )
    by_owner: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        by_owner[task.owner_id].append(task)
    if not by_owner:
        return
    # Only members still in the organisation are reminded.
    members = Membership.objects.filter(
        organisation=organisation, removed_at__isnull=True, user_id__in=by_owner,
        user__is_active=True,
    ).select_related("user")  # fmt: skip
    for membership in members:
        user, mine = membership.user, by_owner[membership.user_id]
        try:
            with transaction.atomic():
                TaskReminderSent.objects.create(
                    organisation=organisation, user=user, day=today, tasks=len(mine)
                )
                _send(user, organisation, mine, today)
        except IntegrityError:
            result.already_sent += 1
            continue
        result.sent += 1
        result.tasks += len(mine)
        if echo:
            echo(f"  {organisation.slug}: {len(mine)} task(s) to member {user.pk}")


def _send(user, organisation, tasks: list[Task], today: dt.date) -> None:
    with translation.override(user.language or "en"):
        lines = [
            {
                "title": t.title,
                "due": _day(t.due_on),
                "overdue": t.due_on < today,
                "path": reverse("advocacy:event", args=[t.event_id])
                if t.event_id
                else reverse("advocacy:meeting", args=[t.meeting_id]),
            }
            for t in tasks
        ]
        context = {"user": user, "organisation": organisation, "lines": lines,
                   "today": _day(today), "count": len(lines)}  # fmt: skip
        subject = render_to_string("advocacy/email/reminder_subject.txt", context).strip()
        body = render_to_string("advocacy/email/reminder.txt", context)
    send_mail(plain_text_for_reader(subject, user.language), plain_text_for_reader(body, user.language), None,
              [user.email])  # fmt: skip
