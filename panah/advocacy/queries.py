"""Read paths of the advocacy pages, each scoped to one organisation.

The public reads (`published_event`, `public_events`, `public_demands`) disable the tenancy
scope on purpose, as panah.public does, and filter by `published=True` themselves: nothing that
is not published can come out of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.models import Organisation, User

from .models import (
    Brief,
    Demand,
    Event,
    EventPhoto,
    EventReport,
    Meeting,
    Official,
    Partner,
    Task,
)


@dataclass
class Overview:
    upcoming: list[Event]
    past: list[Event]
    meetings: list[Meeting]
    demands: list[Demand]
    my_tasks: list[Task]


def overview(organisation: Organisation, user: User, *, now: dt.datetime | None = None) -> Overview:
    """The advocacy home page: events ahead and behind, recent meetings, demands, my tasks."""
    now = now or timezone.now()
    events = Event.objects.filter(organisation=organisation).prefetch_related("co_organisers")
    return Overview(
        upcoming=list(events.filter(ends_at__gte=now).order_by("starts_at")[:20]),
        past=list(events.filter(ends_at__lt=now).order_by("-starts_at")[:10]),
        meetings=list(Meeting.objects.filter(organisation=organisation).order_by("-held_on")[:10]),
        demands=list(Demand.objects.filter(organisation=organisation)),
        my_tasks=list(open_tasks(organisation).filter(owner=user)[:20]),
    )


def open_tasks(organisation: Organisation) -> QuerySet[Task]:
    """Tasks and follow-ups not yet done, soonest due first."""
    return (
        Task.objects.filter(organisation=organisation, done_at__isnull=True)
        .select_related("event", "meeting", "owner")
        .order_by("due_on", "created_at")
    )


def event_page(event: Event) -> dict:
    """What the coordinator's event page shows beside the event."""
    report = (
        EventReport.objects.filter(event=event).prefetch_related("statements", "photos").first()
    )
    return {
        "co_organisers": list(event.co_organisers.all()),
        "demands": list(event.demands.all()),
        "tasks": list(event.tasks.select_related("owner").order_by("done_at", "due_on")),
        "report": report,
    }


def meeting_page(meeting: Meeting) -> dict:
    """The meeting's officials, delegation, demands, follow-ups and briefs."""
    return {
        "officials": list(meeting.officials.all()),
        "participants": list(meeting.participants.all()),
        "demands": list(meeting.demands.all()),
        "follow_ups": list(
            meeting.follow_ups.select_related("owner").order_by("done_at", "due_on")
        ),
        "briefs": list(meeting.briefs.all()),
    }


def demand_page(demand: Demand) -> dict:
    """A demand's history and where it was raised."""
    return {
        "history": list(demand.history.select_related("recorded_by")),
        "events": list(demand.events.order_by("starts_at")),
        "meetings": list(demand.meetings.order_by("held_on")),
    }


def partners(organisation: Organisation) -> QuerySet[Partner]:
    return Partner.objects.filter(organisation=organisation)


def officials(organisation: Organisation) -> QuerySet[Official]:
    return Official.objects.filter(organisation=organisation)


def briefs(organisation: Organisation) -> QuerySet[Brief]:
    return Brief.objects.filter(organisation=organisation).defer("figures")


# --- public -----------------------------------------------------------------------------------


def published_event(organisation: Organisation, pk: UUID) -> Event | None:
    """One published event of the organisation, with what its page shows, or None."""
    with scopes_disabled():
        event = (
            Event.objects.filter(organisation=organisation, pk=pk, published=True)
            .prefetch_related(
                "co_organisers",
                Prefetch("demands", queryset=Demand.objects.all()),
            )
            .first()
        )
        if event is None:
            return None
        event.public_report = (
            EventReport.objects.filter(event=event, published=True)
            .prefetch_related("statements")
            .first()
        )
        # Evaluate while tenancy is off: the template runs after this block.
        event.public_co_organisers = list(event.co_organisers.all())
        event.public_demands = list(event.demands.all())
        if event.public_report:
            event.public_statements = list(event.public_report.statements.all())
            event.public_photos = list(event.public_report.photos.filter(published=True))
    return event


def public_events(organisation: Organisation, *, limit: int = 50) -> list[Event]:
    """The organisation's published events, newest first (for the feeds)."""
    with scopes_disabled():
        return list(
            Event.objects.filter(organisation=organisation, published=True).order_by("-starts_at")[
                :limit
            ]
        )


def public_demands(organisation: Organisation) -> list[dict]:
    """The published demands with their history and the events where they were raised."""
    with scopes_disabled():
        demands = Demand.objects.filter(organisation=organisation, published=True).prefetch_related(
            "history", Prefetch("events", queryset=Event.objects.filter(published=True))
        )
        return [
            {"demand": d, "history": list(d.history.all()), "events": list(d.events.all())}
            for d in demands
        ]


def published_photo(organisation: Organisation, pk: UUID) -> EventPhoto | None:
    """A photo shown on a public page: itself, its report and its event all published."""
    with scopes_disabled():
        photo = (
            EventPhoto.objects.filter(
                organisation=organisation, pk=pk, published=True, report__published=True,
                report__event__published=True,
            )
            .first()
        )  # fmt: skip
        if photo is not None:
            photo.data_key()  # opened while tenancy is off; the view decrypts after
    return photo


def organisation_by_slug(slug: str) -> Organisation | None:
    """An organisation by its public slug (locked ones publish nothing)."""
    return Organisation.objects.filter(slug=slug, locked_at__isnull=True).first()
