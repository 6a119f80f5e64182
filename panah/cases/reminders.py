"""Daily reminder emails: each member gets their overdue and soon-due deadlines, in their language.

An email leaves the server and may sit in a mailbox hosted by a third party, so it carries no
name and no outcome: only the case's short reference, the deadline, its date and its legal
source. One email per member, organisation and day (ReminderSent, through
panah.core.reminders), so running the command twice on the same day sends nothing the second
time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from panah.core.dates import email_date
from panah.core.persian import isolate
from panah.core.reminders import DailyResult, send_daily

from . import labels
from .models import Case, CaseAssignment, Deadline, ReminderSent
from .rules import CASE_ROLES


@dataclass
class ReminderResult(DailyResult):
    """A run's figures; `deadlines`: the deadlines in the e-mails sent."""

    @property
    def deadlines(self) -> int:
        return self.items


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


def send_reminders(
    *, today: dt.date, days: int = 7, organisations=None, echo=None
) -> ReminderResult:
    """Email every member their deadlines overdue or due within `days` days (once a day)."""
    return send_daily(
        today=today, sent_record=ReminderSent, count_field="deadlines",
        due=lambda organisation: _due(organisation, today, days),
        write=lambda user, organisation, deadlines: _write(user, organisation, deadlines, today),
        roles=CASE_ROLES, what="deadline(s)", organisations=organisations, echo=echo,
        result=ReminderResult(),
    )  # fmt: skip


def _due(organisation, today: dt.date, days: int):
    """Each follower's deadlines (a restricted case only to those named on it), or None."""
    deadlines = list(
        Deadline.objects.filter(
            organisation=organisation,
            due_on__lte=today + dt.timedelta(days=days),
            case__ended=False,
        ).order_by("-binding", "due_on", "rule_code")  # consequence first, as on the page
    )
    if not deadlines:
        return None
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
    return lambda membership: [d for d in deadlines if d.case_id in followers[membership.user_id]]


def _write(user, organisation, deadlines: list[Deadline], today: dt.date) -> tuple[str, str]:
    lines = [
        ReminderLine(
            case_ref=str(d.case_id)[:8],
            case_path=reverse("cases:detail", kwargs={"pk": d.case_id}),
            deadline=labels.deadline_label(d.rule_code),
            due_on=d.due_on,
            due_text=email_date(d.due_on),
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
        "today": email_date(today),
        "deadlines_path": reverse("cases:deadlines"),
    }
    subject = render_to_string("cases/email/reminder_subject.txt", context).strip()
    return subject, render_to_string("cases/email/reminder.txt", context)
