"""Read paths of the evidence app, always scoped to one organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from panah.core.models import Organisation

from .importing import name_forms
from .models import (
    ImportBatch,
    ImportStatus,
    LinkageRun,
    MergeSplitEvent,
    PublishedFigure,
    Report,
    ReviewDecision,
    Source,
    VerificationDecision,
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
    """Reports, newest execution date first (then by source and reference), narrowed by source,
    Gregorian year, status, name.

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
    # Within a day by source (its id: the index evidence_report_list_order holds this order, so
    # a page is read in order instead of sorting every day before it by the source's name).
    order = [F("date_start").desc(nulls_last=True), "source_id", "source_reference"]
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
    """The Gregorian years in which the organisation's reports start, newest first.

    The first and last dates, then one query asking each year between them whether it has a
    report (an indexed look each): a coalition's 100,000 reports are never read to find the
    ten years they span.
    """
    reports = Report.objects.filter(organisation=organisation, date_start__isnull=False)
    span = reports.aggregate(first=Min("date_start"), last=Max("date_start"))
    if span["first"] is None:
        return []
    years = range(span["last"].year, span["first"].year - 1, -1)
    has_reports = (
        Organisation.objects.filter(pk=organisation.pk)
        .annotate(
            **{
                f"y{year}": Exists(
                    reports.filter(
                        date_start__gte=dt.date(year, 1, 1), date_start__lt=dt.date(year + 1, 1, 1)
                    )
                )
                for year in years
            }
        )
        .values(*(f"y{year}" for year in years))
        .get()
    )
    return [year for year in years if has_reports[f"y{year}"]]


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
    # Counted by verification with COUNT(*), the reports are read from the (organisation,
    # verification) index alone; a count of ids with a filter read every row of the table.
    by_verification = dict(
        Report.objects.filter(organisation=organisation)
        .order_by("verification")
        .values("verification")
        .annotate(n=Count("*"))
        .values_list("verification", "n")
    )
    return EvidenceCounts(
        sources=Source.objects.filter(organisation=organisation).count(),
        reports=sum(by_verification.values()),
        confirmed=by_verification.get("confirmed", 0),
        victims=current_victims(organisation).count(),
        last_import=batches(organisation).filter(status=ImportStatus.IMPORTED).first(),
    )


@dataclass
class VictimPage:
    """What a victim's page shows: its reports, its history and the people's decisions on them."""

    victim: Victim
    reports: list[Report]
    events: list[dict]
    decisions: list
    verifications: list
    successors: list[int]
    same_name: list[Victim]


def victim_page(organisation: Organisation, pk: int) -> VictimPage:
    """One victim (current or retired) with everything its page shows (Victim.DoesNotExist)."""

    victim = (
        Victim.objects.filter(organisation=organisation).select_related("created_by_run").get(pk=pk)
    )
    reports = list(
        Report.objects.filter(organisation=organisation, memberships__victim=victim)
        .select_related("source")
        .order_by("source__name", "source_reference", "pk")
    )
    report_ids = [r.pk for r in reports]
    # Every victim that ever held one of these reports: the clusters this one came from.
    held = VictimMembership.objects.filter(
        organisation=organisation, report_id__in=report_ids
    ).values_list("victim_id", "event_id", "victim__created_by_run_id", "victim__retired_by_run_id")
    event_ids = {e for _v, e, _c, _r in held if e}
    run_ids = {r for _v, _e, c, r2 in held for r in (c, r2) if r}
    events = [
        {"at": e.at, "kind": e.get_kind_display(), "by": e.by, "reason": e.reason,
         "before": e.victims_before, "after": e.victims_after, "run": None}
        for e in MergeSplitEvent.objects.filter(organisation=organisation, pk__in=event_ids)
        .select_related("by")
    ]  # fmt: skip
    # Events that retired this victim (a split or move made after it) name it among "before".
    if victim.retired_at is not None:
        for e in MergeSplitEvent.objects.filter(
            organisation=organisation, at=victim.retired_at
        ).select_related("by"):
            if victim.pk in e.victims_before and e.pk not in event_ids:
                events.append(
                    {"at": e.at, "kind": e.get_kind_display(), "by": e.by, "reason": e.reason,
                     "before": e.victims_before, "after": e.victims_after, "run": None}
                )  # fmt: skip
    for run in LinkageRun.objects.filter(organisation=organisation, pk__in=run_ids):
        events.append(
            {"at": run.finished_at or run.started_at, "kind": _("Linkage run"), "by": None,
             "reason": run.notes, "before": [], "after": [], "run": run.pk}
        )  # fmt: skip
    events.sort(key=lambda e: e["at"], reverse=True)
    successors = sorted(
        VictimMembership.objects.filter(
            organisation=organisation, report_id__in=report_ids, victim__retired_at__isnull=True
        )
        .exclude(victim=victim)
        .values_list("victim_id", flat=True)
        .distinct()
    )
    pair = Q(report_a_id__in=report_ids) | Q(report_b_id__in=report_ids)
    same_name = []
    if victim.retired_at is None and victim.name_key:
        same_name = list(
            current_victims(organisation)
            .filter(name_key=victim.name_key)
            .exclude(pk=victim.pk)
            .order_by("pk")[:10]
        )
    return VictimPage(
        victim=victim,
        reports=reports,
        events=events,
        decisions=list(
            ReviewDecision.objects.filter(pair, organisation=organisation)
            .select_related("decided_by")
            .order_by("-decided_at", "-pk")[:50]
        ),
        verifications=list(
            VerificationDecision.objects.filter(organisation=organisation, report__in=reports)
            .select_related("decided_by", "report")
            .order_by("-decided_at", "-pk")[:50]
        ),
        successors=successors,
        same_name=same_name,
    )


def victim_of_report(organisation: Organisation, report_id: int) -> int | None:
    """The id of the report's current victim, or None (excluded, or not linked yet)."""
    return (
        VictimMembership.objects.filter(
            organisation=organisation, report_id=report_id, victim__retired_at__isnull=True
        )
        .values_list("victim_id", flat=True)
        .first()
    )
