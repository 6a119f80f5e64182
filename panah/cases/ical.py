"""A member's own appointments as an iCalendar file, written for a phone that may be stolen.

A calendar copied to a phone is read by the phone's calendar app, synchronised to its cloud
account and shown on the lock screen. So an event says only what the member needs to turn up:
the kind of appointment, the time and the case's short reference (the first eight characters
of its id, which says nothing without Panah). No name, no place, no outcome: a stolen phone
or a subpoenaed cloud account must not tell anyone who will be at the CGRS, where, and when.
The place and the person are one tap away, on the case page, behind the login and the second
factor. The choice is explained in docs/casework.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Appointment

PRODID = "-//Panah//casework appointments//EN"


def appointments_calendar(appointments: Iterable[Appointment], *, case_url) -> bytes:
    """The calendar (RFC 5545) of these appointments; `case_url(case_id)` gives a link path."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Panah")
    stamp = timezone.now()
    for a in appointments:
        event = Event()
        event.add("uid", f"{a.pk}@panah")
        event.add("dtstamp", stamp)
        event.add("dtstart", a.starts_at)
        event.add("dtend", a.starts_at + dt.timedelta(minutes=a.duration_minutes))
        event.add(
            "summary",
            _("%(kind)s · case %(ref)s")
            % {"kind": a.get_kind_display(), "ref": str(a.case_id)[:8]},
        )
        event.add("description", _("Details in Panah: %(path)s") % {"path": case_url(a.case_id)})
        event.add("class", "CONFIDENTIAL")
        calendar.add_component(event)
    return calendar.to_ical()
