"""Daily reminder emails for advocacy tasks and meeting follow-ups, in each owner's language.

An email may sit in a mailbox hosted by a third party, so it says only the task's title, its
due date and where to find it: a rally's plans are semi-public, but an official's contact or a
meeting's answers stay in Panah. One email per member, organisation and day (TaskReminderSent,
through panah.core.reminders); only members still in the organisation are reminded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from panah.core.dates import email_date
from panah.core.reminders import DailyResult, send_daily

from .models import Task, TaskReminderSent


@dataclass
class ReminderResult(DailyResult):
    """A run's figures; `tasks`: the tasks in the e-mails sent."""

    @property
    def tasks(self) -> int:
        return self.items


def send_task_reminders(
    *, today: dt.date, days: int = 3, organisations=None, echo=None
) -> ReminderResult:
    """Email every owner their open tasks overdue or due within `days` days (once a day)."""
    return send_daily(
        today=today, sent_record=TaskReminderSent, count_field="tasks",
        due=lambda organisation: _due(organisation, today, days),
        write=lambda user, organisation, tasks: _write(user, organisation, tasks, today),
        what="task(s)", organisations=organisations, echo=echo, result=ReminderResult(),
    )  # fmt: skip


def _due(organisation, today: dt.date, days: int):
    """Each owner's open tasks due within `days` days, or None."""
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
        return None
    return lambda membership: by_owner.get(membership.user_id, [])


def _write(user, organisation, tasks: list[Task], today: dt.date) -> tuple[str, str]:
    lines = [
        {
            "title": t.title,
            "due": email_date(t.due_on),
            "overdue": t.due_on < today,
            "path": reverse("advocacy:event", args=[t.event_id])
            if t.event_id
            else reverse("advocacy:meeting", args=[t.meeting_id]),
        }
        for t in tasks
    ]
    context = {"user": user, "organisation": organisation, "lines": lines,
               "today": email_date(today), "count": len(lines)}  # fmt: skip
    subject = render_to_string("advocacy/email/reminder_subject.txt", context).strip()
    return subject, render_to_string("advocacy/email/reminder.txt", context)
