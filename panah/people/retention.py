"""Retention periods: which people have been inactive for longer than the organisation may
keep them, and erasing them through `erase_person` (reason "retention_expired").

A person is expired when nothing about them moved since the cutoff (now minus
settings.RETENTION_PERSON_MONTHS): they were not registered or changed, no document or consent
was recorded, and nothing another app registered as activity happened since (cases: a case
opened, a step recorded or dated). Any of these keeps the person. Used by `panah retention
apply`, which shows the plan before it erases.

Apps above people say what counts as activity through `register_activity` (from their
AppConfig.ready), so this module never names their models.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.models import Organisation

from .erasure import ErasureReason, erase_person
from .models import ConsentRecord, Person, PersonDocument

# Each app's recent activity about a person: given the person (an OuterRef to Person.pk) and the
# cutoff, a condition (Exists over its rows about that person) true if one is dated since then.
RecentActivity = Callable[[OuterRef, dt.datetime], Q | Exists]
ACTIVITY: dict[str, RecentActivity] = {}


def register_activity(key: str, recent: RecentActivity) -> None:
    """Count an app's records as activity that keeps a person (called from its AppConfig.ready)."""
    ACTIVITY[key] = recent


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's end)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def person_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """People with no activity since this moment are past their retention period."""
    return months_before(now or timezone.now(), settings.RETENTION_PERSON_MONTHS)


def expired_people(organisation: Organisation, cutoff: dt.datetime) -> QuerySet[Person]:
    """The organisation's people (not yet erased) with no activity since `cutoff`, oldest first."""
    person = OuterRef("pk")
    people = Person.objects.filter(
        organisation=organisation,
        erased_at__isnull=True,
        created_at__lt=cutoff,
        updated_at__lt=cutoff,
    ).exclude(Exists(PersonDocument._base_manager.filter(person=person, uploaded_at__gte=cutoff)))
    people = people.exclude(
        Exists(ConsentRecord._base_manager.filter(person=person, recorded_at__gte=cutoff))
    )
    for recent in ACTIVITY.values():
        people = people.exclude(recent(person, cutoff))
    return people.order_by("created_at", "pk")


@dataclass(frozen=True)
class RetentionPlan:
    """What retention would erase in one organisation: ids only, never names."""

    organisation: Organisation
    cutoff: dt.datetime
    person_ids: tuple[str, ...]


def plan(
    organisations: Iterable[Organisation], now: dt.datetime | None = None
) -> list[RetentionPlan]:
    """The people past their retention period, per organisation."""
    cutoff = person_cutoff(now)
    with scopes_disabled():
        return [
            RetentionPlan(
                organisation,
                cutoff,
                tuple(
                    str(pk)
                    for pk in expired_people(organisation, cutoff).values_list("pk", flat=True)
                ),
            )
            for organisation in organisations
        ]


def apply(
    plans: Iterable[RetentionPlan], progress: Callable[[int, int], None] | None = None
) -> list[str]:
    """Erase the planned people who are still expired now; returns the ids erased.

    Someone who became active between the plan and the confirmation is kept.
    """
    plans = list(plans)
    total = sum(len(p.person_ids) for p in plans)
    erased: list[str] = []
    done = 0
    for retention_plan in plans:
        with scopes_disabled():
            still_expired = expired_people(retention_plan.organisation, retention_plan.cutoff)
            people = list(still_expired.filter(pk__in=retention_plan.person_ids))
        for person in people:
            # One transaction per person: a failure stops the run but keeps what was erased.
            erase_person(person, by=None, reason=ErasureReason.RETENTION_EXPIRED)
            erased.append(str(person.pk))
            done += 1
            if progress:
                progress(done, total)
    return erased
