"""Read paths of the evidence app, always scoped to one organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from panah.core.models import Organisation

from .importing import name_forms
from .models import (
    ImportBatch,
    ImportStatus,
    PublishedFigure,
    Report,
    Source,
    Victim,
    VictimMembership,
)


def sources(organisation: Organisation) -> QuerySet[Source]:
    """The organisation's sources by name, each with its number of reports."""
    return (
        Source.objects.filter(organisation=organisation)
        .annotate(report_count=Count("reports"))
        .order_by("name")
    )


def source_choices(organisation: Organisation) -> QuerySet[Source]:
    """The organisation's sources by name, for a select (no counting)."""
    return Source.objects.filter(organisation=organisation).order_by("name")


def reports(
    organisation: Organisation,
    *,
    source: Source | None = None,
    year: int | None = None,
    verification: str = "",
    name: str = "",
) -> QuerySet[Report]:
    """Reports, newest execution date first, narrowed by source, Gregorian year, status, name.

    The name is matched on its canonical form (any spelling of yeh, kaf or digits finds it)
    and on the cross-script key the linker uses, so "Hosseini" finds حسینی and the reverse.
    """
    qs = Report.objects.filter(organisation=organisation).select_related("source")
    if source is not None:
        qs = qs.filter(source=source)
    if year:
        # A report counts in a year when the days it can denote start in it.
        qs = qs.filter(date_start__year=year)
    if verification:
        qs = qs.filter(verification=verification)
    order = [F("date_start").desc(nulls_last=True), "source__name", "source_reference"]
    if name:
        # Names that hold the query as written come first, then those met through the key.
        qs = qs.filter(name_matches(name)).annotate(
            as_written=Case(
                When(name_canonical__contains=name_forms(name.strip())[0], then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "as_written")
    return qs.order_by(*order)


# A shorter key ("Ali" is "l") is in too many names to narrow anything.
MIN_SEARCH_KEY = 3


def name_matches(query: str) -> Q:
    """Reports whose name contains the query as written (canonical form) or whose cross-script
    key contains the query's key: the key the import stored and the linker compares, computed
    by the same function (importing.name_forms)."""
    canonical, key = name_forms(query.strip())
    match = Q(name_canonical__contains=canonical)
    if len(key) >= MIN_SEARCH_KEY:
        match |= Q(name_key__contains=key)
    return match


def report_years(organisation: Organisation) -> list[int]:
    """The Gregorian years in which the organisation's reports start, newest first."""
    return [
        d.year
        for d in Report.objects.filter(organisation=organisation, date_start__isnull=False).dates(
            "date_start", "year", order="DESC"
        )
    ]


def report_with_victim(organisation: Organisation, pk: int) -> Report:
    """One report with its source and its current victim cluster (Report.DoesNotExist if none)."""
    current = VictimMembership.objects.filter(victim__retired_at__isnull=True).select_related(
        "victim"
    )
    return (
        Report.objects.filter(organisation=organisation)
        .select_related("source", "batch")
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_memberships"))
        .get(pk=pk)
    )


def batches(organisation: Organisation) -> QuerySet[ImportBatch]:
    """Import attempts, newest first, with their source and who made them."""
    return (
        ImportBatch.objects.filter(organisation=organisation)
        .select_related("source", "imported_by")
        .defer("problems")
        .order_by("-started_at", "-pk")
    )


def published_figures(organisation: Organisation) -> QuerySet[PublishedFigure]:
    """Other organisations' published counts, most recent period first."""
    return PublishedFigure.objects.filter(organisation=organisation)


def current_victims(organisation: Organisation) -> QuerySet[Victim]:
    """The victims as the latest linkage and review left them (retired clusters excluded)."""
    return Victim.objects.filter(organisation=organisation, retired_at__isnull=True)


def victims_for_export(organisation: Organisation):
    """Current victims with their reports and sources, read in chunks (bounded memory)."""
    memberships = VictimMembership.objects.select_related("report__source").order_by(
        "report__source__name", "report__source_reference"
    )
    return (
        current_victims(organisation)
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("pk")
        .iterator(chunk_size=2000)
    )


@dataclass(frozen=True)
class EvidenceCounts:
    sources: int
    reports: int
    confirmed: int
    victims: int
    last_import: ImportBatch | None


def evidence_counts(organisation: Organisation) -> EvidenceCounts:
    """What the researcher's dashboard panel shows."""
    report_totals = Report.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=Q(verification="confirmed"))
    )
    return EvidenceCounts(
        sources=Source.objects.filter(organisation=organisation).count(),
        reports=report_totals["total"],
        confirmed=report_totals["confirmed"],
        victims=current_victims(organisation).count(),
        last_import=batches(organisation).filter(status=ImportStatus.IMPORTED).first(),
    )
