"""The association's typical year, through the real services: `panah demo`, the tests, the
authorisation matrix and the benchmark use it. A coalition's rally at the CGRS, its demands in
four languages, the meeting with the minister's adviser and its two follow-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.advocacy import services
from panah.advocacy.models import Demand, Event, Meeting, Official, Partner
from panah.core.demo import DEMO_DOMAIN
from panah.core.models import User

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


def create_demo_advocacy(organisation, coordinator) -> Year:
    """The demo organisation's advocacy year, unless it already has events."""

    with scope(organisation=organisation):
        if Event.objects.filter(organisation=organisation).exists():
            return Year()
        return typical_year(organisation, coordinator)


def load_demo_records(organisation, progress) -> None:
    """The advocacy part of `panah demo`: the rally, its demands and the minister's meeting."""
    with scopes_disabled():
        if Event.objects.filter(organisation=organisation).exists():
            return
        coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    progress("Planning the rally, its demands and the meeting with the minister's adviser...")
    create_demo_advocacy(organisation, coordinator)
