"""Daily reminder e-mails: placements ending within a week with no next place, in each
shelter coordinator's language (the dashboard's alert, by e-mail too).

Like the casework and advocacy reminders: an e-mail may sit in a mailbox a third party hosts,
so it names no one and no place, only the placement's short reference, its planned end and the
path of its page. Each member hears only of the placements they may see (a restricted case
still closes its household to those not named on it). One e-mail per member, organisation and
day (ShelterReminderSent, through panah.core.reminders): running the command twice on a day
sends nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from panah.core.dates import both_calendars
from panah.core.reminders import DailyResult, send_daily

from .models import Placement, ShelterReminderSent
from .queries import ending_without_next_place
from .rules import SHELTER_ROLES
from .services import ALERT_DAYS


@dataclass
class ReminderResult(DailyResult):
    """A run's figures; `placements`: the placements in the e-mails sent."""

    @property
    def placements(self) -> int:
        return self.items


def send_shelter_reminders(*, today: dt.date, organisations=None, echo=None) -> ReminderResult:
    """E-mail every shelter coordinator the placements ending soon without a next place."""
    return send_daily(
        today=today, sent_record=ShelterReminderSent, count_field="placements",
        due=lambda organisation: (
            lambda membership: list(ending_without_next_place(membership, today=today))
        ),
        write=lambda user, organisation, placements: _write(user, organisation, placements, today),
        roles=SHELTER_ROLES, what="placement(s)", organisations=organisations, echo=echo,
        result=ReminderResult(),
    )  # fmt: skip


def _write(user, organisation, placements: list[Placement], today: dt.date) -> tuple[str, str]:
    lines = [
        {
            "ref": str(p.pk)[:8],
            "ends": both_calendars(p.planned_end_on),
            "passed": p.planned_end_on < today,
            "path": reverse("shelter:placement", args=[p.pk]),
        }
        for p in placements
    ]
    context = {
        "user": user,
        "organisation": organisation,
        "lines": lines,
        "count": len(lines),
        "days": ALERT_DAYS,
        "today": both_calendars(today),
    }
    subject = render_to_string("shelter/email/reminder_subject.txt", context).strip()
    return subject, render_to_string("shelter/email/reminder.txt", context)
