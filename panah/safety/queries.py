"""Read paths of the safety app, always scoped to the member's organisation.

- The compartment: who may see a person's safety file (officers, the assigned caseworker).
- The safety flag on a person: a fact that a file exists and needs care, never its content.
- The anonymised aggregates that advocacy reads, suppressed below the disclosure threshold.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.cases.models import Case, CaseAssignment
from panah.core.disclosure import Cell, suppress
from panah.core.models import Membership, Role

from .models import Incident, RiskAssessment, RiskLevel
from .taxonomy import Category

FLAG_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)
FLAG_DAYS = 365


def assigned_person_ids(membership: Membership) -> QuerySet:
    """The people whose cases this member is assigned to (and may open)."""

    with scopes_disabled():
        cases = CaseAssignment.objects.filter(
            organisation_id=membership.organisation_id, user_id=membership.user_id
        ).values("case_id")
        # A restricted case opens only to the members named on it: it brings no compartment.
        return (
            Case.objects.filter(pk__in=cases)
            .filter(Q(restricted=False) | Q(restricted_to=membership.user_id))
            .values("person_id")
        )


def may_see_safety_of(membership: Membership | None, person) -> bool:
    """Whether this member is in the person's safety compartment."""
    if membership is None or person.organisation_id != membership.organisation_id:
        return False
    roles = membership.role_set()
    if Role.SAFETY_OFFICER in roles:
        return True
    if Role.CASEWORKER not in roles:
        return False
    return assigned_person_ids(membership).filter(person_id=person.pk).exists()


def incidents_for(membership: Membership) -> QuerySet:
    """The incidents this member may see: all for an officer, their people's for a caseworker."""
    incidents = Incident.objects.filter(organisation_id=membership.organisation_id)
    if Role.SAFETY_OFFICER not in membership.role_set():
        incidents = incidents.filter(person_id__in=assigned_person_ids(membership))
    return incidents.select_related("person")


def flagged_people(organisation_id: int, person_ids: Iterable[UUID]) -> set[UUID]:
    """Of these people, those who carry a safety flag: a current risk assessment that is high or
    critical, or a serious incident in the last year. One query each, for a whole list."""
    ids = list(person_ids)
    if not ids:
        return set()
    since = timezone.localdate() - dt.timedelta(days=FLAG_DAYS)
    with scopes_disabled():
        serious = set(
            Incident.objects.filter(
                organisation_id=organisation_id,
                person_id__in=ids,
                category__in=Category.serious(),
                occurred_on__gte=since,
            ).values_list("person_id", flat=True)
        )
        latest: dict[UUID, str] = {}
        for person_id, level in (
            RiskAssessment.objects.filter(organisation_id=organisation_id, person_id__in=ids)
            .order_by("person_id", "-assessed_on", "-recorded_at")
            .values_list("person_id", "level")
        ):
            latest.setdefault(person_id, level)
    return serious | {pid for pid, level in latest.items() if level in FLAG_LEVELS}


def has_safety_flag(person) -> bool:
    """Whether the person carries a safety flag (see `flagged_people`)."""
    return person.pk in flagged_people(person.organisation_id, [person.pk])


def case_evidence(case) -> list[Incident]:
    """The incidents attached to a case as evidence: category, date and confidence only."""
    with scopes_disabled():
        return list(
            Incident.objects.filter(
                organisation_id=case.organisation_id, attachments__case_id=case.pk
            ).only("id", "category", "occurred_on", "confidence", "country", "person_id")
        )


def incident_counts(
    organisation_id: int,
    *,
    by: str = "category",
    start: dt.date | None = None,
    end: dt.date | None = None,
    minimum: int | None = None,
) -> dict[str, Cell]:
    """Anonymised counts of incidents by `category`, `country` or `year` (or `month`) of the
    incident, small cells suppressed (panah.core.disclosure). No narrative, no person: only
    clear columns are read. This is what advocacy may publish."""
    if by not in ("category", "country", "year", "month"):
        raise ValueError(f"Incidents are counted by category, country, year or month, not {by!r}.")
    with scopes_disabled():
        rows = Incident.objects.filter(organisation_id=organisation_id, person__erased_at=None)
        if start:
            rows = rows.filter(occurred_on__gte=start)
        if end:
            rows = rows.filter(occurred_on__lte=end)
        if by in ("category", "country"):
            counts = Counter(dict(_grouped(rows, by)))
        else:
            counts = Counter()
            for day in rows.values_list("occurred_on", flat=True):
                counts[f"{day:%Y}" if by == "year" else f"{day:%Y-%m}"] += 1
    return suppress(dict(sorted(counts.items())), with_total=True, minimum=minimum)


def _grouped(rows: QuerySet, column: str):

    return rows.values_list(column).annotate(n=Count("id")).order_by(column)
