"""Test and benchmark helpers beside the demo year (panah.advocacy.demo)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from panah.advocacy import services
from panah.advocacy.demo import DEMANDS, Year, rally_fields, typical_year

__all__ = ["DEMANDS", "Year", "rally_fields", "typical_year"]


def sample_figures(organisation_name: str, start: dt.date, end: dt.date, k: int = 5) -> dict:
    """A brief's snapshot as `collect_figures` would freeze it, for tests without evidence data."""
    return {
        "version": 1,
        "organisation": organisation_name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "threshold": k,
        "executions": {
            "current": 412, "previous": 281, "change": 46.6, "imprecise": None,
            "previous_start": (start - (end - start) - dt.timedelta(days=1)).isoformat(),
            "previous_end": (start - dt.timedelta(days=1)).isoformat(),
            "as_of": f"{end.isoformat()}T12:00:00+00:00", "linkage_run": 7, "sources": 4,
            "scope": "all",
            "by_year": [{"key": str(end.year - 1), "value": 281}, {"key": str(end.year), "value": 412}],
            "by_month": [{"key": f"{end:%Y-%m}", "value": 38}, {"key": "x", "value": None}],
        },
        "estimate": {"missing": "whole_year"},
        "others": [
            {"publisher": "Iran Human Rights (IHRNGO)", "period": f"calendar year {end.year}",
             "start": start.isoformat(), "end": end.isoformat(), "figure": 430, "at_least": True,
             "as_of": None, "link": "", "checked": False},
        ],
        "waiting": {
            "as_of": end.isoformat(), "cases": 57,
            "groups": [{"group": "First application", "code": "first", "cases": 51, "median": 243, "low": 201,
                        "high": 290, "after_180": 64}],
            "backlog": [{"key": f"{end:%Y-%m}", "value": 40}],
        },
        "shelter": {"missing": "not_available"},
        "safety": {"missing": "not_available"},
        "demands": [{**texts, "status": "raised", "addressee": "Minister",
                     "first_raised_on": start.isoformat()} for texts in DEMANDS],
    }  # fmt: skip


def sample_brief(organisation, by, today: dt.date):
    """A stored brief over the last year with `sample_figures` (digest computed as usual)."""
    from panah.advocacy.briefs import digest_of
    from panah.advocacy.models import Brief

    start = today - dt.timedelta(days=365)
    figures = sample_figures(organisation.name, start, today)
    return Brief.objects.create(
        organisation=organisation, title="Brief for the adviser", audience="Minister's adviser",
        period_start=start, period_end=today, figures=figures, digest=digest_of(figures),
        disclosure_threshold=5, generated_by=by,
    )  # fmt: skip


def document_executions(organisation, counts: dict[dt.date, int], sources=("IHR", "HRANA")):
    """Victims as the evidence pipeline leaves them: `counts[day]` people executed that day,
    each documented by every source in `sources` (test and benchmark data only)."""
    from panah.evidence.models import LinkageRun, Report, Source, Victim, VictimMembership

    run = LinkageRun.objects.create(
        organisation=organisation, status="finished", finished_at=timezone.now()
    )
    found = {
        name: Source.objects.get_or_create(organisation=organisation, name=name,
                                           defaults={"kind": "ngo"})[0]
        for name in sources
    }  # fmt: skip
    number = Report.objects.filter(organisation=organisation).count()
    for day, n in counts.items():
        for _ in range(n):
            victim = Victim.objects.create(
                organisation=organisation, created_by_run=run, date_start=day, date_end=day,
                date_precision="day", name="Documented person",
            )  # fmt: skip
            for source in found.values():
                number += 1
                report = Report.objects.create(
                    organisation=organisation, source=source, source_reference=f"R{number}"
                )
                VictimMembership.objects.create(
                    organisation=organisation, victim=victim, report=report
                )
    return run


def photo_bytes(*, with_location: bool = True, size=(96, 64)) -> bytes:
    """A JPEG of a crowd in red, with a GPS position in its EXIF data when asked."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):
        for y in range(size[1]):
            image.putpixel((x, y), (255, 255, 255) if (x + y) % 2 else (0, 0, 0))
    exif = Image.Exif()
    if with_location:
        exif[0x8825] = {1: "N", 2: (50.0, 50.0, 11.0), 3: "E", 4: (4.0, 19.0, 33.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def report_with_photo(event, by):
    """A report of `event` (moved into the past if needed) with one photo (tests only)."""
    from panah.advocacy.models import EventReport

    report = EventReport.objects.create(
        organisation=event.organisation, event=event, attendance_estimate=300
    )
    photo = services.add_photo(report=report, upload=photo_bytes(), by=by,
                               caption="In front of the CGRS", everyone_consented=True)  # fmt: skip
    return report, photo
