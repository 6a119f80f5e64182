"""Briefs: the figures of the other modules for a period and an audience, frozen and traceable.

`collect_figures` reads evidence, casework, shelter and safety through their public statistics
and query functions (never their tables), passes every count through disclosure control, and
returns plain JSON: numbers, dates, method parameters and source names, no translated sentence. `generate_brief` stores that
snapshot with a SHA-256 digest; every rendering (the web page, a PDF in any language) reads the
snapshot and words it in the reader's language, so the same numbers appear in all four and a
number handed over can be traced back to the stored row whose reference the brief prints.

Documented counts ("at least N") and estimates (an interval and a method) live in separate
sections and are never added up or compared with each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.cases.models import ProcedureType
from panah.cases.statistics import waiting_statistics
from panah.core import audit, disclosure
from panah.core.models import Organisation, User
from panah.evidence.queries import published_figures
from panah.evidence.statistics import Statistics, percentage_change
from panah.safety.queries import incident_counts
from panah.shelter.queries import period_figures

from .models import LANGUAGES, Brief, Demand, Meeting

SHELTER_AND_SAFETY_NOTE = "not_available"  # briefs frozen before shelter and safety existed
NO_RECORDS = "no_records"


def _suppressed(value: int, k: int) -> int | None:
    """The count, or None when disclosure control hides it."""
    return disclosure.suppress({"x": value}, minimum=k)["x"].value


def _inside(fact, start: dt.date, end: dt.date) -> bool:
    last = fact.date_end or fact.date_start
    return bool(fact.date_start) and start <= fact.date_start and last <= end


def _touches(fact, start: dt.date, end: dt.date) -> bool:
    last = fact.date_end or fact.date_start
    return bool(fact.date_start) and fact.date_start <= end and last >= start


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    spans, day = [], start.replace(day=1)
    while day <= end:
        following = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        spans.append((max(day, start), min(following - dt.timedelta(days=1), end)))
        day = following
    return spans


def _executions(organisation: Organisation, start: dt.date, end: dt.date, k: int) -> dict:

    stats = Statistics(organisation)
    length = end - start
    previous_end = start - dt.timedelta(days=1)
    previous_start = previous_end - length
    current = sum(1 for f in stats.facts if _inside(f, start, end))
    previous = sum(1 for f in stats.facts if _inside(f, previous_start, previous_end))
    imprecise = sum(
        1 for f in stats.facts if _touches(f, start, end) and not _inside(f, start, end)
    )
    shown_current, shown_previous = _suppressed(current, k), _suppressed(previous, k)
    years = stats.yearly()
    return {
        "current": shown_current,
        "previous": shown_previous,
        "change": (
            percentage_change(previous, current)
            if shown_current is not None and shown_previous is not None
            else None
        ),
        "imprecise": _suppressed(imprecise, k),
        "previous_start": previous_start.isoformat(),
        "previous_end": previous_end.isoformat(),
        "as_of": stats.as_of.isoformat(),
        "linkage_run": stats.run_id,
        "sources": stats.source_count,
        "scope": stats.scope.verification,
        "by_year": [
            {"key": r.key, "value": _suppressed(r.value, k)}
            for r in years.rows
            if int(r.key) <= end.year
        ][-8:],
        "by_month": [
            {
                "key": f"{a:%Y-%m}",
                "value": _suppressed(sum(1 for f in stats.facts if _inside(f, a, b)), k),
            }
            for a, b in _months(start, end)
        ],
        "raw_total": current + previous,
        "_stats": stats,
    }


def _estimate(stats, start: dt.date, end: dt.date, k: int) -> dict:
    """The estimate for the period when it is one whole calendar year; else why there is none."""

    if not (start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31)):
        return {"missing": "whole_year"}
    try:
        summary = stats.page_estimate(start.year)
    except ValueError:
        return {"missing": "sources"}
    preferred = summary.preferred
    if preferred is None:
        return {"missing": "model"}
    if summary.documented < k:
        return {"missing": "threshold"}
    return {
        "year": start.year,
        "documented": summary.documented,
        "estimate": round(preferred["estimate"]),
        "low": None if preferred["low"] is None else round(preferred["low"]),
        "high": None if preferred["high"] is None else round(preferred["high"]),
        "level": preferred["level"],
        "model": preferred["name"],
        "lists": len(summary.lists),
        "as_of": summary.as_of.isoformat(),
        "linkage_run": summary.linkage_run_id,
    }


def _others(organisation: Organisation, start: dt.date, end: dt.date) -> list[dict]:
    """Other organisations' published figures whose period overlaps ours."""

    found = []
    for figure in published_figures(organisation):
        if figure.period_start is None or figure.period_end is None:
            continue
        if figure.period_end < start or figure.period_start > end:
            continue
        found.append(
            {
                "publisher": figure.publisher,
                "period": figure.period_definition,
                "start": figure.period_start.isoformat(),
                "end": figure.period_end.isoformat(),
                "figure": figure.figure,
                "at_least": figure.at_least,
                "as_of": figure.as_of.isoformat() if figure.as_of else None,
                "link": figure.link,
                "checked": figure.checked_against_primary,
            }
        )
    return found


def _waiting(organisation: Organisation, end: dt.date, k: int) -> dict:

    as_of = min(end, timezone.localdate())
    stats = waiting_statistics(organisation.pk, as_of=as_of, for_publication=True)
    # The groups come named in the active language; the snapshot keeps the code, so that each
    # rendering names them in its own language.
    codes = {str(label): code for code, label in ProcedureType.choices}
    groups = [
        {
            "group": str(c.group),
            "code": codes.get(str(c.group), ""),
            "cases": _suppressed(c.cases, k),
            "median": None if c.withheld or c.median_days is None else round(c.median_days),
            "low": None if c.withheld or c.median_low is None else round(c.median_low),
            "high": None if c.withheld or c.median_high is None else round(c.median_high),
            "after_180": None if c.withheld else round(100 * c.share_waiting_after(180)),
        }
        for c in stats.by_procedure
    ]
    return {
        "as_of": as_of.isoformat(),
        "cases": _suppressed(stats.cases, k),
        "raw_cases": stats.cases,
        "groups": groups,
        "backlog": [
            {"key": f"{day:%Y-%m}", "value": None if n is None else _suppressed(n, k)}
            for day, n in stats.backlog[-12:]
        ],
    }


def _shelter(organisation: Organisation, start: dt.date, end: dt.date, k: int) -> dict:
    """People without shelter and their nights in the period, from the shelter register."""

    data = period_figures(organisation.pk, start=start, end=end)
    if not data.people:
        return {"missing": NO_RECORDS}
    # A median or a longest stretch over fewer households than the threshold describes them.
    enough = data.households >= k
    return {
        "as_of": timezone.localdate().isoformat(),  # the day the register was read
        "people": _suppressed(data.people, k),
        "households": _suppressed(data.households, k),
        "people_on_last_day": _suppressed(data.people_on_last_day, k),
        "nights": _suppressed(data.nights, k),
        "nights_median": None if not enough or data.nights_median is None
        else round(data.nights_median),
        "nights_longest": data.nights_longest if enough else None,
    }  # fmt: skip


def _safety(organisation: Organisation, start: dt.date, end: dt.date, k: int) -> dict:
    """Incidents of transnational repression in the period by category, small cells hidden."""

    cells = incident_counts(organisation.pk, by="category", start=start, end=end, minimum=k)
    if not any(c.value != 0 for c in cells.values()):
        return {"missing": NO_RECORDS}
    # The total of every incident in the period, itself hidden below the threshold; the
    # category cells already carry secondary suppression so it cannot unmask one of them.
    raw = incident_counts(organisation.pk, by="year", start=start, end=end, minimum=1)
    all_incidents = sum(c.value or 0 for c in raw.values())
    return {
        "as_of": timezone.localdate().isoformat(),  # the day the register was read
        "by_category": [{"key": key, "value": cell.value} for key, cell in cells.items()],
        "total": _suppressed(all_incidents, k),
    }


def collect_figures(
    organisation: Organisation, *, start: dt.date, end: dt.date, threshold: int
) -> dict[str, Any]:
    """Every figure of the brief as JSON, suppressed at `threshold`; refused when there is none."""
    executions = _executions(organisation, start, end, threshold)
    stats = executions.pop("_stats")
    waiting = _waiting(organisation, end, threshold)
    documented, cases = executions.pop("raw_total"), waiting.pop("raw_cases")
    shelter = _shelter(organisation, start, end, threshold)
    safety = _safety(organisation, start, end, threshold)
    if not documented and not cases and "missing" in shelter and "missing" in safety:
        raise ValidationError(
            _(
                "There is no documented execution, asylum case, person without shelter or "
                "threat for %(start)s – %(end)s or the period before it: a brief would have "
                "nothing to show. Choose another period."
            )
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    return {
        "version": 1,
        "organisation": organisation.name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "threshold": threshold,
        "executions": executions,
        "estimate": _estimate(stats, start, end, threshold),
        "others": _others(organisation, start, end),
        "waiting": waiting,
        "shelter": shelter,
        "safety": safety,
    }


def _demands(organisation: Organisation, meeting: Meeting | None) -> list[dict]:
    """The demands the brief presses: those raised at the meeting, else the published ones."""
    demands = (
        meeting.demands.all()
        if meeting
        else Demand.objects.filter(organisation=organisation, published=True)
    )
    return [
        {
            **{f"text_{c}": getattr(d, f"text_{c}") for c in LANGUAGES},
            "status": d.status,
            "addressee": d.addressee,
            "first_raised_on": d.first_raised_on.isoformat(),
        }
        for d in demands
    ]


def digest_of(figures: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON: printed on the brief, checked on every view."""
    return hashlib.sha256(
        json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


@transaction.atomic
def generate_brief(
    *,
    organisation: Organisation,
    by: User | None,
    title: str,
    audience: str,
    start: dt.date,
    end: dt.date,
    meeting: Meeting | None = None,
    request: HttpRequest | None = None,
) -> Brief:
    """Assemble the figures for the period, freeze them with their digest, and audit it."""
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the brief a title.")
    if not audience.strip():
        errors["audience"] = _("Say who the brief is for.")
    if end < start:
        errors["end"] = _("The period ends before it starts.")
    elif end > timezone.localdate():
        errors["end"] = _("The period ends in the future: figures exist only up to today.")
    if meeting is not None and meeting.organisation_id != organisation.pk:
        errors["meeting"] = _("Choose among your organisation's own records.")
    if errors:
        raise ValidationError(errors)
    k = disclosure.threshold()
    figures = collect_figures(organisation, start=start, end=end, threshold=k)
    figures["demands"] = _demands(organisation, meeting)
    brief = Brief.objects.create(
        organisation=organisation, title=title.strip(), audience=audience.strip(),
        period_start=start, period_end=end, figures=figures, digest=digest_of(figures),
        disclosure_threshold=k, generated_by=by, meeting=meeting,
    )  # fmt: skip
    audit.record(
        "advocacy.brief.generated", organisation=organisation, actor=by, obj=brief,
        request=request, data={"digest": brief.digest, "threshold": k,
                               "start": start.isoformat(), "end": end.isoformat()},
    )  # fmt: skip
    return brief


def intact(brief: Brief) -> bool:
    """Whether the stored figures still match the digest printed when they were frozen."""
    return digest_of(brief.figures) == brief.digest
