"""Published events as an iCalendar feed (icalendar) and an Atom feed (feedgen).

Both say only what the public page says: title, time, place, purpose and a link back. Unlike the
caseworkers' calendar (panah.cases.ical), this one is public by design: a rally is announced.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from panah.core.models import Organisation

from .models import Event, in_language

PRODID = "-//Panah//advocacy events//EN"


def _link(request: HttpRequest, organisation: Organisation, event: Event, language: str) -> str:
    path = reverse("campaign:event", args=[organisation.slug, event.pk])
    return request.build_absolute_uri(f"{path}?lang={language}")


def events_calendar(
    organisation: Organisation, events: Iterable[Event], *, language: str, request: HttpRequest
) -> bytes:
    """An RFC 5545 calendar of the published events, worded in `language`."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", organisation.name)
    stamp = timezone.now()
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", f"{event.pk}@panah")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", in_language(event, "title", language))
        entry.add("location", event.place)
        entry.add("description", in_language(event, "purpose", language))
        entry.add("url", _link(request, organisation, event, language))
        entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
        calendar.add_component(entry)
    return calendar.to_ical()


def atom_feed(
    organisation: Organisation, events: Iterable[Event], *, language: str, request: HttpRequest
) -> bytes:
    """An Atom feed of the published events, newest first, worded in `language`."""
    from feedgen.feed import FeedGenerator  # noqa: PLC0415 (feedgen is slow to import; only this path needs it)

    generator = FeedGenerator()
    self_url = request.build_absolute_uri(
        reverse("campaign:feed", args=[organisation.slug]) + f"?lang={language}"
    )
    generator.id(self_url)
    generator.link(href=self_url, rel="self")
    with translation.override(language):
        generator.title(translation.gettext("Events of %(name)s") % {"name": organisation.name})
    generator.language(language)
    generator.generator("Panah")
    events = list(events)
    generator.updated(max((e.created_at for e in events), default=timezone.now()))
    for event in reversed(events):  # feedgen puts the last added first
        entry = generator.add_entry()
        link = _link(request, organisation, event, language)
        entry.id(f"urn:uuid:{event.pk}")
        entry.title(in_language(event, "title", language))
        entry.link(href=link)
        entry.updated(event.created_at)
        entry.published(event.created_at)
        entry.summary(
            f"{timezone.localtime(event.starts_at):%Y-%m-%d %H:%M} · {event.place}\n\n"
            + in_language(event, "purpose", language)
        )
    return generator.atom_str(pretty=True)
