"""The association's typical year, written once: used by the tests, the authorisation matrix
and the benchmark. A coalition's rally at the CGRS, its demands in four languages, the meeting
with the minister's adviser and its two follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from panah.advocacy import services
from panah.advocacy.models import Demand, Event, Meeting, Official, Partner

DEMANDS = [
    {
        "text_en": "Decide the asylum cases of political refugees within six months.",
        "text_fr": "Statuer sur les demandes d'asile des réfugiés politiques en six mois.",
        "text_nl": "Beslis binnen zes maanden over de asielaanvragen van politieke vluchtelingen.",
        "text_fa": "رسیدگی به پرونده‌های پناهندگی پناهجویان سیاسی ظرف شش ماه.",
    },
    {
        "text_en": "Shelter every asylum seeker left in the street, tonight.",
        "text_fr": "Héberger dès ce soir chaque demandeur d'asile laissé à la rue.",
        "text_nl": "Geef vanavond nog onderdak aan elke asielzoeker die op straat staat.",
        "text_fa": "اسکان فوری همهٔ پناهجویانی که در خیابان مانده‌اند.",
    },
    {
        "text_en": "Protect refugees from the Iranian regime's threats on Belgian soil.",
        "text_fr": "Protéger les réfugiés contre les menaces du régime iranien en Belgique.",
        "text_nl": "Bescherm vluchtelingen in België tegen de bedreigingen van het Iraanse regime.",
        "text_fa": "حفاظت از پناهندگان در برابر تهدیدهای رژیم ایران در خاک بلژیک.",
    },
]


@dataclass
class Year:
    partners: list[Partner] = field(default_factory=list)
    demands: list[Demand] = field(default_factory=list)
    rally: Event | None = None
    official: Official | None = None
    meeting: Meeting | None = None


def rally_fields(starts: dt.datetime | None = None) -> dict:
    """The form fields of the rally in front of the CGRS."""
    starts = starts or (timezone.now() + dt.timedelta(days=30)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    return {
        "kind": Event.Kind.RALLY,
        "title_en": "Stop the executions in Iran — protect refugees",
        "title_fr": "Arrêtez les exécutions en Iran — protégez les réfugiés",
        "title_nl": "Stop de executies in Iran — bescherm vluchtelingen",
        "title_fa": "اعدام‌ها در ایران را متوقف کنید — از پناهندگان حمایت کنید",
        "purpose_en": "We denounce the rise in executions and press the refugees' demands.",
        "purpose_fr": "Nous dénonçons la hausse des exécutions et portons les revendications.",
        "purpose_nl": "We klagen de toename van executies aan en brengen onze eisen.",
        "purpose_fa": "ما افزایش اعدام‌ها را محکوم می‌کنیم و خواسته‌های پناهندگان را پیگیری می‌کنیم.",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "place": "CGRS, Rue Ernest Blerot 39, 1070 Anderlecht",
        "map_link": "https://www.openstreetmap.org/?mlat=50.8365&mlon=4.3260#map=18/50.8365/4.3260",
        "languages": "Persian, French, English",
        "speakers": "Maryam R.\nJean D.",
        "permit_status": Event.Permit.SENT,
        "permit_authority": "Commune d'Anderlecht — police",
        "permit_deadline": (starts - dt.timedelta(days=10)).date(),
    }


def typical_year(organisation, by, *, publish: bool = True) -> Year:
    """Create the year's partners, demands, rally, official and meeting for `organisation`."""
    year = Year()
    today = timezone.localdate()
    for name in ("Coalition Iran Liberté", "Ligue des droits humains", "Vluchtelingenwerk"):
        year.partners.append(services.add_partner(organisation=organisation, by=by, name=name))
    for texts in DEMANDS:
        demand = services.create_demand(
            organisation=organisation, by=by, texts=texts, addressee="Minister of Asylum and Migration",
            first_raised_on=today - dt.timedelta(days=20),
        )  # fmt: skip
        year.demands.append(demand)
    year.rally = services.create_event(
        organisation=organisation, by=by, fields=rally_fields(),
        co_organisers=year.partners, demands=year.demands,
    )  # fmt: skip
    if publish:
        services.publish_event(event=year.rally, by=by)
        for demand in year.demands:
            services.set_demand_published(demand=demand, by=by, published=True)
    services.add_task(by=by, event=year.rally, title="Send the notification to the commune",
                      owner=by, due_on=today + dt.timedelta(days=5))  # fmt: skip
    year.official = services.add_official(
        organisation=organisation, by=by, name="Sofie Adviseur", role="Adviser to the minister",
        institution="Cabinet of the Minister of Asylum and Migration", language="nl",
        contact="sofie.adviseur@example.be, +32 2 000 00 00",
    )  # fmt: skip
    year.meeting = services.record_meeting(
        organisation=organisation, by=by, held_on=today - dt.timedelta(days=3),
        institution="Cabinet of the Minister of Asylum and Migration",
        officials=[year.official], participants=[by] if by else [], demands=year.demands,
        answers="The adviser will ask the CGRS for its processing times for Iranian applicants.",
    )  # fmt: skip
    services.add_task(by=by, meeting=year.meeting, title="Send the brief and our figures",
                      owner=by, due_on=today + dt.timedelta(days=2))  # fmt: skip
    services.add_task(by=by, meeting=year.meeting, title="Ask for the CGRS processing times",
                      owner=by, due_on=today + dt.timedelta(days=30))  # fmt: skip
    return year


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
