"""The public side of advocacy: event pages, calendar and Atom feeds, the demands' progress.

Only what a coordinator published. No script is needed (the RSVP is a plain form), nothing is
loaded from another site, and a map is a link the reader chooses to follow. The language is
chosen in the link (`?lang=fa`), so a page can be shared in the language it was read in.
An RSVP is a number: the service records it without the visitor's address or browser.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scope

from panah.core.access import public

from . import queries, services
from .feeds import atom_feed, events_calendar
from .models import LANGUAGES, in_language
from .views import _photo_response


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    return (translation.get_language() or "en")[:2]


def _organisation(slug: str):
    organisation = queries.organisation_by_slug(slug)
    if organisation is None:
        raise Http404
    return organisation


def _event(slug: str, pk):
    organisation = _organisation(slug)
    event = queries.published_event(organisation, pk)
    if event is None:
        raise Http404
    return organisation, event


def _language_links(path: str) -> list[tuple[str, str, str]]:
    names = {"en": "English", "fr": "Français", "nl": "Nederlands", "fa": "فارسی"}
    return [(code, names[code], f"{path}?lang={code}") for code in LANGUAGES]


@public
def event(request: HttpRequest, slug: str, pk) -> HttpResponse:
    """A published event's page in the chosen language, with its report once published."""
    organisation, found = _event(slug, pk)
    language = _language(request)
    path = reverse("campaign:event", args=[slug, found.pk])
    with translation.override(language):
        statements = [
            {
                "speaker": s.speaker,
                "language": s.language,
                "original": s.original,
                "translation": "" if s.language == language else in_language(s, "text", language),
            }
            for s in getattr(found, "public_statements", [])
        ]
        response = render(
            request,
            "advocacy/public_event.html",
            {
                "organisation": organisation,
                "event": found,
                "title": in_language(found, "title", language),
                "purpose": in_language(found, "purpose", language),
                "demands": [in_language(d, "text", language) for d in found.public_demands],
                "report": found.public_report,
                "statements": statements,
                "photos": getattr(found, "public_photos", []),
                "language_links": _language_links(path),
                "language": language,
                "open": found.ends_at > timezone.now() and not found.cancelled,
            },
        )
    response["Content-Language"] = language
    return response


@public
@require_POST
def rsvp(request: HttpRequest, slug: str, pk) -> HttpResponse:
    """Count one anonymous "I will come" (no name, no address kept)."""
    organisation, found = _event(slug, pk)
    language = _language(request)
    with translation.override(language), scope(organisation=organisation):
        try:
            services.record_rsvp(event=found)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you. We counted you; we did not keep who you are."))
    return redirect(reverse("campaign:event", args=[slug, found.pk]) + f"?lang={language}")


@public
def event_ics(request: HttpRequest, slug: str, pk) -> HttpResponse:
    """One published event as an iCalendar file."""
    organisation, found = _event(slug, pk)
    body = events_calendar(organisation, [found], language=_language(request), request=request)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="event.ics"'
    return response


@public
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published event of the organisation as an iCalendar feed."""
    organisation = _organisation(slug)
    body = events_calendar(
        organisation, queries.public_events(organisation), language=_language(request),
        request=request,
    )  # fmt: skip
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@public
def feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's published events as an Atom feed."""
    organisation = _organisation(slug)
    body = atom_feed(
        organisation, queries.public_events(organisation), language=_language(request),
        request=request,
    )  # fmt: skip
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@public
def photo(request: HttpRequest, slug: str, pk) -> HttpResponse:
    """A published photo of a published report of a published event; nothing else."""

    organisation = _organisation(slug)
    found = queries.published_photo(organisation, pk)
    if found is None:
        raise Http404
    response = _photo_response(found)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@public
def demands(request: HttpRequest, slug: str) -> HttpResponse:
    """Where each published demand stands, with its history (an accountability page)."""
    organisation = _organisation(slug)
    language = _language(request)
    with translation.override(language):
        items = [
            {
                "text": in_language(item["demand"], "text", language),
                "demand": item["demand"],
                "history": item["history"],
                "events": [
                    (in_language(e, "title", language), e.pk, e.starts_at) for e in item["events"]
                ],
            }
            for item in queries.public_demands(organisation)
        ]
        counts: dict[str, int] = {}
        for item in items:
            counts[item["demand"].status] = counts.get(item["demand"].status, 0) + 1
        response = render(
            request,
            "advocacy/public_demands.html",
            {
                "organisation": organisation,
                "items": items,
                "counts": counts,
                "language_links": _language_links(reverse("campaign:demands", args=[slug])),
                "language": language,
                "today": dt.date.today(),
            },
        )
    response["Content-Language"] = language
    return response
