"""Daily reminder e-mails: placements ending within a week with no next place, in each
shelter coordinator's language (the dashboard's alert, by e-mail too).

Like the casework and advocacy reminders: an e-mail may sit in a mailbox a third party hosts,
so it names no one and no place, only the placement's short reference, its planned end and the
path of its page. Each member hears only of the placements they may see (a restricted case
still closes its household to those not named on it). One e-mail per member, organisation and
day (ShelterReminderSent): running the command twice on a day sends nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from panah.core.dates import both_calendars
from panah.core.models import Membership, Organisation

from .models import Placement, ShelterReminderSent
from .queries import ending_without_next_place
from .rules import SHELTER_ROLES
from .services import ALERT_DAYS


@dataclass
class ReminderResult:
    sent: int = 0
    already_sent: int = 0
    placements: int = 0


def send_shelter_reminders(*, today: dt.date, organisations=None, echo=None) -> ReminderResult:
    """E-mail every shelter coordinator the placements ending soon without a next place."""
    result = ReminderResult()
    for organisation in organisations or Organisation.objects.filter(locked_at__isnull=True):
        with scope(organisation=organisation):
            _remind(organisation, today, result, echo)
    return result


def _remind(organisation, today: dt.date, result: ReminderResult, echo) -> None:
    members = (
        Membership.objects.filter(
            organisation=organisation,
            removed_at__isnull=True,
            user__is_active=True,
            grants__role__in=SHELTER_ROLES,
        )
        .select_related("user")
        .distinct()
    )
    for membership in members:
        mine = list(ending_without_next_place(membership, today=today))
        if not mine:
            continue
        user = membership.user
        try:
            with transaction.atomic():
                ShelterReminderSent.objects.create(
                    organisation=organisation, user=user, day=today, placements=len(mine)
                )
                _send(user, organisation, mine, today)
        except IntegrityError:
            result.already_sent += 1  # sent earlier today, or by another run a moment ago
            continue
        result.sent += 1
        result.placements += len(mine)
        if echo:
            echo(f"  {organisation.slug}: {len(mine)} placement(s) to member {user.pk}")


def _send(user, organisation, placements: list[Placement], today: dt.date) -> None:
    with translation.override(user.language or "en"):
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
        body = render_to_string("shelter/email/reminder.txt", context)
    send_mail(subject, body, None, [user.email])
