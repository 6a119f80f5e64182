"""Sample advocacy records of organisation A for the authorisation matrix (tests/authz.py)."""

from __future__ import annotations

import datetime as dt

from django_scopes import scope

from .scenario import report_with_photo, sample_brief, typical_year


def advocacy_sample(world, kind: str):
    """The typical year of organisation A, and a brief (created once per world)."""
    if "advocacy_event" not in world.objects_a:
        with scope(organisation=world.org_a):
            year = typical_year(world.org_a, world.everything_a)
            brief = sample_brief(world.org_a, world.everything_a, dt.date.today())
            task = year.meeting.follow_ups.first()
            _report, photo = report_with_photo(year.rally, world.everything_a)
        world.objects_a.update(
            advocacy_event=year.rally,
            advocacy_demand=year.demands[0],
            advocacy_meeting=year.meeting,
            advocacy_task=task,
            advocacy_brief=brief,
            advocacy_photo=photo,
        )
        world.markers_a.extend(["Sofie Adviseur", "Coalition Iran Liberté"])
    return world.objects_a[f"advocacy_{kind}"]


def _pk(kind: str):
    return lambda w: {"pk": advocacy_sample(w, kind).pk}


def _public(kind: str):
    return lambda w: {"slug": w.org_a.slug, "pk": advocacy_sample(w, kind).pk}


URL_SAMPLES = {
    **{
        f"advocacy:{name}": _pk("event")
        for name in (
            "event", "event_edit", "event_publish", "event_task", "event_report",
            "event_statement", "report_publish", "event_photo",
        )
    },
    **{
        f"advocacy:{name}": _pk("demand")
        for name in ("demand", "demand_edit", "demand_status", "demand_publish")
    },
    "advocacy:meeting": _pk("meeting"),
    "advocacy:meeting_follow_up": _pk("meeting"),
    "advocacy:task_done": _pk("task"),
    "advocacy:photo_file": _pk("photo"),
    "advocacy:photo_publish": _pk("photo"),
    "campaign:photo": _public("photo"),
    "advocacy:brief": _pk("brief"),
    "advocacy:brief_pdf": lambda w: {"pk": advocacy_sample(w, "brief").pk, "language": "fa"},
    "campaign:event": _public("event"),
    "campaign:rsvp": _public("event"),
    "campaign:event_ics": _public("event"),
    "campaign:calendar": lambda w: {"slug": w.org_a.slug},
    "campaign:feed": lambda w: {"slug": w.org_a.slug},
    "campaign:demands": lambda w: {"slug": w.org_a.slug},
}  # fmt: skip
