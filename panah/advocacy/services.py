"""Every write of the advocacy app: one function per intention, in a transaction, audited.

Refusals are ValidationErrors keyed by the form field they concern. Nothing is published
unless it is complete in the four languages of the public pages: a half-translated page
would tell a Persian or a Dutch reader less than the others, or nothing at all.
Audit entries carry ids and field names, never an official's contact details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.crypto.files import EncryptedFileStore, clean_upload
from panah.core.language import join_words
from panah.core.models import Membership, Organisation, User

from . import photos
from .models import (
    LANGUAGES,
    Demand,
    DemandStatusChange,
    Event,
    EventPhoto,
    EventReport,
    Meeting,
    Official,
    Partner,
    Statement,
    Task,
    missing_languages,
)

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "nl": "Nederlands", "fa": "فارسی"}

EVENT_FIELDS = (
    "kind",
    *(f"title_{c}" for c in LANGUAGES),
    *(f"purpose_{c}" for c in LANGUAGES),
    "starts_at",
    "ends_at",
    "place",
    "map_link",
    "languages",
    "speakers",
    "permit_status",
    "permit_authority",
    "permit_deadline",
)
DEMAND_TEXTS = tuple(f"text_{c}" for c in LANGUAGES)


def _names(codes: Iterable[str]) -> str:
    return join_words(LANGUAGE_NAMES[c] for c in codes)


def _same_organisation(organisation: Organisation, objects: Iterable, field: str) -> list:
    objects = list(objects)
    if any(o.organisation_id != organisation.pk for o in objects):
        raise ValidationError({field: _("Choose among your organisation's own records.")})
    return objects


def _member(organisation: Organisation, user: User | None, field: str) -> None:
    if user is None:
        return
    if not Membership.objects.filter(
        organisation=organisation, user=user, removed_at__isnull=True
    ).exists():
        raise ValidationError({field: _("Choose a member of your organisation.")})


# --- partners and officials -------------------------------------------------------------------


@transaction.atomic
def add_partner(
    *,
    organisation: Organisation,
    by: User | None,
    name: str,
    kind: str = Partner.Kind.ORGANISATION,
    website: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> Partner:
    """Add a partner organisation or coalition."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation's name.")})
    if Partner.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError({"name": _("This organisation is already in your list.")})
    partner = Partner.objects.create(
        organisation=organisation, name=name, kind=kind, website=website, notes=notes
    )
    audit.record("advocacy.partner.added", organisation=organisation, actor=by, obj=partner,
                 request=request)  # fmt: skip
    return partner


@transaction.atomic
def add_official(
    *,
    organisation: Organisation,
    by: User | None,
    name: str,
    institution: str,
    role: str = "",
    language: str = "fr",
    contact: str = "",
    request: HttpRequest | None = None,
) -> Official:
    """Add an official we speak to; how to reach them is encrypted."""
    if not name.strip():
        raise ValidationError({"name": _("Give the official's name.")})
    if not institution.strip():
        raise ValidationError({"institution": _("Give the institution.")})
    official = Official.objects.create(
        organisation=organisation, name=name.strip(), institution=institution.strip(),
        role=role.strip(), language=language, contact=contact.strip(),
    )  # fmt: skip
    audit.record("advocacy.official.added", organisation=organisation, actor=by, obj=official,
                 request=request, data={"contact": bool(contact.strip())})  # fmt: skip
    return official


# --- events -----------------------------------------------------------------------------------


def check_event(fields: dict[str, Any], *, now: dt.datetime | None = None, moved: bool = True):
    """Refuse an event in the past, ending before it starts, or notified after it took place."""
    now = now or timezone.now()
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    errors: dict[str, str] = {}
    if not any(fields.get(f"title_{c}", "").strip() for c in LANGUAGES):
        errors["title_en"] = _("Give the event a title, at least in one language.")
    if not (fields.get("place") or "").strip():
        errors["place"] = _("Say where the event takes place.")
    if starts is None:
        errors["starts_at"] = _("Give the date and time the event starts.")
    elif moved and starts < now:
        errors["starts_at"] = _(
            "This date is in the past. An event is planned ahead; record a past one's report instead."
        )
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("The event must end after it starts.")
    deadline = fields.get("permit_deadline")
    if starts and deadline and deadline > timezone.localtime(starts).date():
        errors["permit_deadline"] = _(
            "The notification deadline falls after the event: the city or police must be "
            "notified before it takes place."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_event(
    *,
    organisation: Organisation,
    by: User | None,
    fields: dict[str, Any],
    co_organisers: Iterable[Partner] = (),
    demands: Iterable[Demand] = (),
    request: HttpRequest | None = None,
) -> Event:
    """Plan an event with its co-organisers and the demands it carries (not yet public)."""
    check_event(fields)
    co_organisers = _same_organisation(organisation, co_organisers, "co_organisers")
    demands = _same_organisation(organisation, demands, "demands")
    event = Event.objects.create(
        organisation=organisation,
        created_by=by,
        **{k: v for k, v in fields.items() if k in EVENT_FIELDS and v is not None},
    )
    event.co_organisers.set(co_organisers)
    event.demands.set(demands)
    audit.record(
        "advocacy.event.created", organisation=organisation, actor=by, obj=event, request=request,
        data={"co_organisers": [str(p.pk) for p in co_organisers],
              "demands": [str(d.pk) for d in demands]},
    )  # fmt: skip
    return event


@transaction.atomic
def update_event(
    *,
    event: Event,
    by: User | None,
    fields: dict[str, Any],
    co_organisers: Iterable[Partner] = (),
    demands: Iterable[Demand] = (),
    request: HttpRequest | None = None,
) -> Event:
    """Change an event; a published event that loses a translation is refused."""
    moved = fields.get("starts_at") != event.starts_at
    check_event(fields, moved=moved)
    co_organisers = _same_organisation(event.organisation, co_organisers, "co_organisers")
    demands = _same_organisation(event.organisation, demands, "demands")
    changed = [k for k in EVENT_FIELDS if k in fields and getattr(event, k) != fields[k]]
    for k in changed:
        setattr(event, k, fields[k])
    if event.published:
        _check_publishable(event, demands)
    event.save()
    event.co_organisers.set(co_organisers)
    event.demands.set(demands)
    audit.record("advocacy.event.changed", organisation=event.organisation, actor=by, obj=event,
                 request=request, data={"fields": changed})  # fmt: skip
    return event


def _check_publishable(event: Event, demands: Iterable[Demand]) -> None:
    errors = []
    for field, label in (("title", _("title")), ("purpose", _("purpose"))):
        missing = missing_languages(event, field)
        if missing:
            errors.append(
                _("The %(field)s has no translation in: %(languages)s.")
                % {"field": label, "languages": _names(missing)}
            )
    for demand in demands:
        missing = missing_languages(demand, "text")
        if missing:
            errors.append(
                _("The demand “%(demand)s” has no translation in: %(languages)s.")
                % {"demand": demand.text[:60], "languages": _names(missing)}
            )
    if event.cancelled:
        errors.append(_("A cancelled event is not published."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def publish_event(*, event: Event, by: User | None, request: HttpRequest | None = None) -> Event:
    """Put the event's page, feeds and calendar entry online (complete in four languages only)."""
    _check_publishable(event, event.demands.all())
    event.published = True
    event.save(update_fields=["published"])
    audit.record("advocacy.event.published", organisation=event.organisation, actor=by,
                 obj=event, request=request)  # fmt: skip
    return event


@transaction.atomic
def unpublish_event(*, event: Event, by: User | None, request: HttpRequest | None = None) -> Event:
    """Take the event's page off line."""
    event.published = False
    event.save(update_fields=["published"])
    audit.record("advocacy.event.unpublished", organisation=event.organisation, actor=by,
                 obj=event, request=request)  # fmt: skip
    return event


@transaction.atomic
def record_rsvp(*, event: Event) -> None:
    """Count one anonymous "I will come"; the audit entry deliberately carries no address."""
    if not event.published or event.cancelled or event.ends_at < timezone.now():
        raise ValidationError(_("This event no longer takes replies."))
    Event.objects.filter(pk=event.pk).update(rsvp_count=F("rsvp_count") + 1)
    # No request: the entry would otherwise keep the visitor's address and browser.
    audit.record("advocacy.event.rsvp", organisation=event.organisation, obj=event)


# --- tasks and follow-ups ---------------------------------------------------------------------


@transaction.atomic
def add_task(
    *,
    by: User | None,
    title: str,
    event: Event | None = None,
    meeting: Meeting | None = None,
    owner: User | None = None,
    due_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Task:
    """Add a checklist item or volunteer task to an event, or a follow-up to a meeting."""
    parent = event or meeting
    if parent is None or (event and meeting):
        raise ValueError("A task belongs to exactly one event or meeting.")
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Say what has to be done.")})
    _member(parent.organisation, owner, "owner")
    task = Task.objects.create(
        organisation=parent.organisation, event=event, meeting=meeting, title=title,
        owner=owner, due_on=due_on,
    )  # fmt: skip
    audit.record(
        "advocacy.task.added", organisation=parent.organisation, actor=by, obj=task,
        request=request, data={"event": str(event.pk) if event else None,
                               "meeting": str(meeting.pk) if meeting else None,
                               "owner": owner.pk if owner else None},
    )  # fmt: skip
    return task


@transaction.atomic
def complete_task(*, task: Task, by: User | None, request: HttpRequest | None = None) -> Task:
    """Mark a task or follow-up as done (its reminders stop)."""
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit.record("advocacy.task.done", organisation=task.organisation, actor=by, obj=task,
                     request=request)  # fmt: skip
    return task


# --- demands ----------------------------------------------------------------------------------


def _check_demand(texts: dict[str, str], addressee: str, first_raised_on: dt.date | None) -> None:
    errors = {}
    if not any((texts.get(k) or "").strip() for k in DEMAND_TEXTS):
        errors["text_en"] = _("Write the demand, at least in one language.")
    if not addressee.strip():
        errors["addressee"] = _("Say to whom the demand is addressed.")
    if first_raised_on is None:
        errors["first_raised_on"] = _("Give the date the demand was first raised.")
    elif first_raised_on > timezone.localdate() + dt.timedelta(days=366):
        errors["first_raised_on"] = _("This date is more than a year ahead.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_demand(
    *,
    organisation: Organisation,
    by: User | None,
    texts: dict[str, str],
    addressee: str,
    first_raised_on: dt.date,
    request: HttpRequest | None = None,
) -> Demand:
    """Record a demand (translations may follow; it is published only when all four exist)."""
    _check_demand(texts, addressee, first_raised_on)
    demand = Demand.objects.create(
        organisation=organisation, addressee=addressee.strip(), first_raised_on=first_raised_on,
        created_by=by, **{k: (texts.get(k) or "").strip() for k in DEMAND_TEXTS},
    )  # fmt: skip
    DemandStatusChange.objects.create(
        organisation=organisation, demand=demand, status=Demand.Status.RAISED,
        on=first_raised_on, recorded_by=by,
    )  # fmt: skip
    audit.record("advocacy.demand.created", organisation=organisation, actor=by, obj=demand,
                 request=request, data={"missing": missing_languages(demand, "text")})  # fmt: skip
    return demand


@transaction.atomic
def update_demand(
    *,
    demand: Demand,
    by: User | None,
    texts: dict[str, str],
    addressee: str,
    first_raised_on: dt.date,
    request: HttpRequest | None = None,
) -> Demand:
    """Change a demand's wording or addressee; a published one keeps all four languages."""
    _check_demand(texts, addressee, first_raised_on)
    for k in DEMAND_TEXTS:
        setattr(demand, k, (texts.get(k) or "").strip())
    demand.addressee, demand.first_raised_on = addressee.strip(), first_raised_on
    missing = missing_languages(demand, "text")
    if demand.published and missing:
        raise ValidationError(
            {DEMAND_TEXTS[LANGUAGES.index(missing[0])]: _(
                "A published demand needs its text in every language; missing: %(languages)s."
            ) % {"languages": _names(missing)}}
        )  # fmt: skip
    demand.save()
    audit.record("advocacy.demand.changed", organisation=demand.organisation, actor=by,
                 obj=demand, request=request)  # fmt: skip
    return demand


@transaction.atomic
def change_demand_status(
    *,
    demand: Demand,
    by: User | None,
    status: str,
    on: dt.date,
    evidence: str = "",
    evidence_link: str = "",
    request: HttpRequest | None = None,
) -> DemandStatusChange:
    """Record where a demand stands now, with the evidence; its history keeps every step."""
    if status not in Demand.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if on < demand.first_raised_on:
        raise ValidationError({"on": _("This date is before the demand was first raised.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("This date is in the future.")})
    if status != Demand.Status.RAISED and not (evidence.strip() or evidence_link.strip()):
        raise ValidationError(
            {"evidence": _("Say what shows it (a letter, an answer in a meeting, a decision).")}
        )
    change = DemandStatusChange.objects.create(
        organisation=demand.organisation, demand=demand, status=status, on=on,
        evidence=evidence.strip(), evidence_link=evidence_link.strip(), recorded_by=by,
    )  # fmt: skip
    latest = demand.history.order_by("-on", "-recorded_at").first()
    demand.status = latest.status
    demand.save(update_fields=["status"])
    audit.record("advocacy.demand.status", organisation=demand.organisation, actor=by,
                 obj=demand, request=request, data={"status": status})  # fmt: skip
    return change


@transaction.atomic
def set_demand_published(
    *, demand: Demand, by: User | None, published: bool, request: HttpRequest | None = None
) -> Demand:
    """Show or hide a demand on the public progress page (shown only when fully translated)."""
    if published:
        missing = missing_languages(demand, "text")
        if missing:
            raise ValidationError(
                _("The demand has no translation in: %(languages)s. Add them before publishing.")
                % {"languages": _names(missing)}
            )
    demand.published = published
    demand.save(update_fields=["published"])
    audit.record("advocacy.demand.published" if published else "advocacy.demand.unpublished",
                 organisation=demand.organisation, actor=by, obj=demand, request=request)  # fmt: skip
    return demand


# --- meetings ---------------------------------------------------------------------------------


@transaction.atomic
def record_meeting(
    *,
    organisation: Organisation,
    by: User | None,
    held_on: dt.date,
    institution: str,
    officials: Iterable[Official] = (),
    participants: Iterable[User] = (),
    demands: Iterable[Demand] = (),
    answers: str = "",
    notes: str = "",
    request: HttpRequest | None = None,
) -> Meeting:
    """Log a meeting with officials: who met, the demands raised and the answers given."""
    if not institution.strip():
        raise ValidationError({"institution": _("Give the institution met.")})
    if held_on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"held_on": _("This date is more than a year ahead.")})
    officials = _same_organisation(organisation, officials, "officials")
    demands = _same_organisation(organisation, demands, "demands")
    participants = list(participants)
    for user in participants:
        _member(organisation, user, "participants")
    meeting = Meeting.objects.create(
        organisation=organisation, held_on=held_on, institution=institution.strip(),
        answers=answers.strip(), notes=notes.strip(), created_by=by,
    )  # fmt: skip
    meeting.officials.set(officials)
    meeting.participants.set(participants)
    meeting.demands.set(demands)
    audit.record(
        "advocacy.meeting.recorded", organisation=organisation, actor=by, obj=meeting,
        request=request, data={"officials": [str(o.pk) for o in officials],
                               "participants": [u.pk for u in participants],
                               "demands": [str(d.pk) for d in demands]},
    )  # fmt: skip
    return meeting


# --- event reports ----------------------------------------------------------------------------


@transaction.atomic
def record_report(
    *,
    event: Event,
    by: User | None,
    attendance_estimate: int | None,
    press_links: str = "",
    request: HttpRequest | None = None,
) -> EventReport:
    """Record (or correct) what happened at an event that has taken place."""
    if event.starts_at > timezone.now():
        raise ValidationError(_("The event has not taken place yet: its report comes after it."))
    if attendance_estimate is not None and attendance_estimate < 0:
        raise ValidationError({"attendance_estimate": _("An attendance is zero or more.")})
    report, created = EventReport.objects.update_or_create(
        event=event,
        defaults={"organisation": event.organisation, "attendance_estimate": attendance_estimate,
                  "press_links": press_links.strip(), "recorded_by": by},
    )  # fmt: skip
    audit.record("advocacy.report.recorded" if created else "advocacy.report.changed",
                 organisation=event.organisation, actor=by, obj=report, request=request)  # fmt: skip
    return report


@transaction.atomic
def add_statement(
    *,
    report: EventReport,
    by: User | None,
    speaker: str,
    language: str,
    texts: dict[str, str],
    request: HttpRequest | None = None,
) -> Statement:
    """Add what a speaker said, in the language they spoke, with the translations there are."""
    if not speaker.strip():
        raise ValidationError({"speaker": _("Name the speaker as they chose to appear.")})
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose the language the speaker used.")})
    if not (texts.get(f"text_{language}") or "").strip():
        raise ValidationError(
            {f"text_{language}": _("Write what was said in the language it was said in.")}
        )
    statement = Statement.objects.create(
        organisation=report.organisation, report=report, speaker=speaker.strip(),
        language=language, position=report.statements.count(),
        **{f"text_{c}": (texts.get(f"text_{c}") or "").strip() for c in LANGUAGES},
    )  # fmt: skip
    audit.record("advocacy.statement.added", organisation=report.organisation, actor=by,
                 obj=statement, request=request)  # fmt: skip
    return statement


@transaction.atomic
def publish_report(
    *, report: EventReport, by: User | None, request: HttpRequest | None = None
) -> EventReport:
    """Put the report on the event's public page (the event itself must be public)."""
    if not report.event.published:
        raise ValidationError(_("Publish the event's page first."))
    report.published = True
    report.save(update_fields=["published"])
    audit.record("advocacy.report.published", organisation=report.organisation, actor=by,
                 obj=report, request=request)  # fmt: skip
    return report


# --- photos -----------------------------------------------------------------------------------


@transaction.atomic
def add_photo(
    *,
    report: EventReport,
    upload,
    by: User | None,
    caption: str = "",
    everyone_consented: bool = False,
    blur: str = "",
    request: HttpRequest | None = None,
):
    """Add a photo to an event's report: metadata stripped, faces blurred where marked, encrypted."""

    raw = upload.read() if hasattr(upload, "read") else bytes(upload)
    located = photos.has_location(raw)
    clean = clean_upload(raw, name=getattr(upload, "name", "photo"))
    if not clean.content_type.startswith("image/"):
        raise ValidationError({"upload": _("Upload a JPEG or PNG photo.")})
    regions = photos.parse_regions(blur)
    data = photos.blur(clean.data, clean.content_type, regions) if regions else clean.data
    photo = EventPhoto(
        organisation_id=report.organisation_id, report=report, caption=caption.strip()[:300],
        everyone_consented=everyone_consented, blurred=bool(regions), had_location=located,
        content_type=clean.content_type, uploaded_by=by,
    )  # fmt: skip
    store = EncryptedFileStore()
    photo.stored_file = store.save(data, key=photo.data_key(), context=photo.file_context())
    try:
        photo.save()
        audit.record("advocacy.photo.added", organisation=report.organisation, actor=by, obj=photo,
                     request=request, data={"had_location": located, "blurred": bool(regions)})  # fmt: skip
    except BaseException:
        store.delete(photo.stored_file)  # nothing recorded: the file must not stay behind
        raise
    return photo


@transaction.atomic
def publish_photo(*, photo, by: User | None, request: HttpRequest | None = None):
    """Show a photo on the event's public page: only with everyone's consent or faces blurred."""
    if not (photo.everyone_consented or photo.blurred):
        raise ValidationError(
            _("Someone in this photo did not agree to be shown: blur their face before publishing.")
        )
    photo.published = True
    photo.save(update_fields=["published"])
    audit.record("advocacy.photo.published", organisation=photo.organisation, actor=by,
                 obj=photo, request=request)  # fmt: skip
    return photo
