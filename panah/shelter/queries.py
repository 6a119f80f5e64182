"""Reads of the shelter app that are more than a filter; all run inside the organisation's scope.

The figures count from clear columns only (counts, dates, statuses), so the dashboard never
decrypts a household. What leaves the organisation goes through `disclosed_figures`. Every list
that names or links a household is narrowed to the people the member may see (rules.py).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from panah.core.disclosure import Cell, suppress
from panah.core.models import Membership

from .models import (
    ACTIVE,
    HOLDING,
    Host,
    MatchRun,
    Need,
    Offer,
    Placement,
    PlacementStatus,
)
from .rules import hosts_open_to, needs_open_to, placements_open_to
from .safeguarding import rule_name
from .services import ALERT_DAYS, nights_without_shelter


def open_needs(membership: Membership) -> QuerySet[Need]:
    """Open needs this member may see, oldest first, with their lead person for the page."""
    needs = Need.objects.filter(closed_on__isnull=True).select_related("person")
    return needs_open_to(membership, needs)


def hosts_for_list(membership: Membership) -> QuerySet[Host]:
    """Hosts this member may see, newest first, with their offers."""
    hosts = Host.objects.prefetch_related("offers").order_by("-created_at")
    return hosts_open_to(membership, hosts)


def placements_for_list(membership: Membership) -> QuerySet[Placement]:
    """Placements this member may see that hold a place or ended recently, newest first."""
    rows = Placement.objects.exclude(status=PlacementStatus.DISCARDED).select_related(
        "need__person", "offer__host"
    )
    return placements_open_to(membership, rows)


@dataclass
class RunView:
    """A matcher run as one member may see it: the proposals and waiting households whose
    person they may see, and how many others the run holds that they may not."""

    proposals: list[Placement]
    unhoused: list[tuple[Need, list[str]]]
    hidden: int


def run_for(membership: Membership, run: MatchRun) -> RunView:
    """The run's proposals and still-unhoused needs, without those this member may not see.

    The matcher weighs every household (a restricted one too: its beds are taken); a member
    who may not see a household sees only that some exist, never who.
    """

    every = run.proposals.select_related("need__person", "offer__host").order_by("-proposed_at")
    proposals = list(placements_open_to(membership, every))
    waiting = Need.objects.filter(pk__in=list(run.unhoused))
    shown = list(needs_open_to(membership, waiting).select_related("person"))
    unhoused = [(need, [rule_name(c) for c in run.unhoused[str(need.pk)]]) for need in shown]
    hidden = every.count() - len(proposals) + waiting.count() - len(shown)
    return RunView(proposals=proposals, unhoused=unhoused, hidden=hidden)


def latest_run() -> MatchRun | None:
    """The organisation's last matcher run."""
    return MatchRun.objects.order_by("-run_at").first()


def _housed_on(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


@dataclass
class Figures:
    """The dashboard's shelter figures for one day."""

    people_without_shelter: int
    households_without_shelter: int
    nights_median: float | None
    nights_longest: int | None
    beds_free_tonight: int
    ending_this_week: int
    ending_without_next_place: list[Placement]
    over_time: list[tuple[dt.date, int]]


def _unhoused_by_day(needs: list[Need], placements: list[Placement], days: list[dt.date]):
    spans: dict = {}
    for p in placements:
        spans.setdefault(p.need_id, []).append((p.starts_on, p.ended_on))
    result = []
    for day in days:
        count = 0
        for need in needs:
            if need.without_roof_since > day or (need.closed_on and need.closed_on <= day):
                continue
            if any(s <= day and (e is None or e > day) for s, e in spans.get(need.pk, [])):
                continue
            count += need.size
        result.append((day, count))
    return result


def figures(*, membership: Membership, today: dt.date, history_days: int = 90) -> Figures:
    """People without shelter today and over time, nights, free beds, placements ending soon.

    The counts are the organisation's (they name no one); the placements listed by name are
    only those this member may see.
    """
    start = today - dt.timedelta(days=history_days)
    needs = list(
        Need.objects.filter(without_roof_since__lte=today)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=start))
        .only(
            "id", "person_id", "adult_women", "adult_men", "children", "without_roof_since",
            "closed_on",
        )
    )  # fmt: skip
    lived = [
        s.value for s in (*ACTIVE, PlacementStatus.ENDED, PlacementStatus.BROKEN_DOWN)
    ]  # only placements the guest moved into count as a roof
    placements = list(
        Placement.objects.filter(need__in=[n.pk for n in needs], status__in=lived)
        .exclude(status=PlacementStatus.CONFIRMED)
        .only("need_id", "starts_on", "ended_on")
    )
    days = [start + dt.timedelta(days=d) for d in range(history_days + 1)]
    over_time = _unhoused_by_day(needs, placements, days)
    housed_today = {p.need_id for p in placements if p.starts_on <= today and not p.ended_on}
    roofless = [n for n in needs if not n.closed_on and n.pk not in housed_today]
    nights = nights_without_shelter((n.person_id for n in roofless), on=today)
    values = [nights.get(n.person_id, 0) for n in roofless]
    offers = Offer.objects.filter(withdrawn_on__isnull=True, available_from__lte=today).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    holding = Placement.objects.filter(status__in=[s.value for s in HOLDING]).filter(
        _housed_on(today)
    )
    taken: dict = {}
    for offer_id, beds in holding.values_list("offer_id", "beds"):
        taken[offer_id] = taken.get(offer_id, 0) + beds
    free = 0
    for offer in offers.select_related("host"):
        if offer.host.vetted_on(today):
            free += max(0, offer.beds - taken.get(offer.pk, 0))
    week = today + dt.timedelta(days=7)
    ending = Placement.objects.filter(
        status__in=[s.value for s in ACTIVE], planned_end_on__gte=today, planned_end_on__lte=week
    )
    alerts = list(ending_without_next_place(membership, today=today))
    return Figures(
        people_without_shelter=sum(n.size for n in roofless),
        households_without_shelter=len(roofless),
        nights_median=statistics.median(values) if values else None,
        nights_longest=max(values) if values else None,
        beds_free_tonight=free,
        ending_this_week=ending.count(),
        ending_without_next_place=alerts,
        over_time=over_time,
    )


def ending_without_next_place(membership: Membership, *, today: dt.date) -> QuerySet[Placement]:
    """Placements this member may see that end within ALERT_DAYS (or have passed their planned
    end) with no next place recorded: the dashboard's alert and the reminder e-mails."""
    return placements_open_to(
        membership,
        Placement.objects.filter(
            status__in=[s.value for s in ACTIVE],
            planned_end_on__lte=today + dt.timedelta(days=ALERT_DAYS),
            next_place="",
        ),
    ).order_by("planned_end_on")


def disclosed_figures(data: Figures) -> dict[str, Cell]:
    """The counts of `data` fit to leave the organisation: small cells are suppressed."""
    return suppress(
        {
            "people_without_shelter": data.people_without_shelter,
            "households_without_shelter": data.households_without_shelter,
            "beds_free_tonight": data.beds_free_tonight,
            "ending_this_week": data.ending_this_week,
        }
    )


def disclosed_history(data: Figures) -> list[tuple[dt.date, Cell]]:
    """People without shelter per day, each day's count hidden below the threshold."""
    cells = suppress({day: count for day, count in data.over_time})
    return [(day, cells[day]) for day, _ in data.over_time]


@dataclass
class PeriodFigures:
    """People without shelter over a period (for a brief): counts of people, never who."""

    people: int
    households: int
    people_on_last_day: int
    nights: int
    nights_median: float | None
    nights_longest: int | None


def period_figures(organisation_id: int, *, start: dt.date, end: dt.date) -> PeriodFigures:
    """People without a roof on at least one night of [start, end], on its last night, and the
    nights they spent without one inside the period (a person-night per person per night)."""
    lived = [s.value for s in (*ACTIVE, PlacementStatus.ENDED, PlacementStatus.BROKEN_DOWN)]
    with scopes_disabled():  # the organisation is named explicitly in every filter
        needs = list(
            Need.objects.filter(organisation_id=organisation_id, without_roof_since__lte=end)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=start))
            .only("id", "adult_women", "adult_men", "children", "without_roof_since", "closed_on")
        )
        spans: dict = {}
        for need_id, starts, ends in (
            Placement.objects.filter(
                organisation_id=organisation_id,
                need__in=[n.pk for n in needs],
                status__in=lived,
            )
            .exclude(status=PlacementStatus.CONFIRMED)
            .values_list("need_id", "starts_on", "ended_on")
        ):
            spans.setdefault(need_id, []).append((starts, ends))
    days = [start + dt.timedelta(days=d) for d in range((end - start).days + 1)]
    nights_of: dict = {}
    for need in needs:
        nights_of[need.pk] = sum(
            1
            for day in days
            if need.without_roof_since <= day
            and not (need.closed_on and need.closed_on <= day)
            and not any(s <= day and (e is None or e > day) for s, e in spans.get(need.pk, []))
        )
    roofless = [n for n in needs if nights_of[n.pk]]
    on_last = sum(
        n.size
        for n in roofless
        if not (n.closed_on and n.closed_on <= end)
        and not any(s <= end and (e is None or e > end) for s, e in spans.get(n.pk, []))
    )
    per_household = [nights_of[n.pk] for n in roofless]
    return PeriodFigures(
        people=sum(n.size for n in roofless),
        households=len(roofless),
        people_on_last_day=on_last,
        nights=sum(nights_of[n.pk] * n.size for n in roofless),
        nights_median=statistics.median(per_household) if per_household else None,
        nights_longest=max(per_household) if per_household else None,
    )


def chart_points(over_time: list[tuple[dt.date, int]], *, width: int = 320, height: int = 100):
    """SVG polyline points of people without shelter over time (no script, no third party)."""
    if not over_time:
        return ""
    top = max(1, max(n for _, n in over_time))
    step = width / max(1, len(over_time) - 1)
    return " ".join(
        f"{i * step:.1f},{height - (n / top) * height:.1f}" for i, (_, n) in enumerate(over_time)
    )


def placements_followed_by(membership: Membership) -> list[Placement]:
    """Current placements of the people this member may see through their cases (their panel)."""
    current = Placement.objects.filter(
        organisation_id=membership.organisation_id, status__in=[s.value for s in ACTIVE]
    )
    # An organisation with no one placed (many keep casework only) answers with one indexed
    # look-up: building the person rule's statement was half a caseworker's dashboard.
    if not current.exists():
        return []
    return list(placements_open_to(membership, current).order_by("starts_on")[:20])
