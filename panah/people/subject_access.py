"""Subject access (GDPR art. 15): everything held about one person, as JSON and as a PDF.

`collect` reads the person, their documents and consents, and what every other app keeps about
them through the sections those apps register (cases: every case with its steps, deadlines,
notes, chosen residences, appointments, referrals and case documents), written for the person
in their language: labels, dates in their calendar, choices and
codes as words, no internal ids or storage columns, and for each kind of record what it is and
why it is kept (its legal basis).
`export_person` is the one service: it audits the export (ids, format and language only) and
returns the bytes. The PDF is made by WeasyPrint from a template with self-contained CSS: the
Persian font is loaded from the project's static folder by file URL, never from the network.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from panah.core import audit, dates, pdf
from panah.core.dates import shows_jalali
from panah.core.models import Membership, User
from panah.core.persian import html_in_persian_digits, isolate, localised_digits, persian_digits
from panah.core.rules import member_may

from .models import LANGUAGE_CHOICES, ConsentRecord, Person, PersonDocument

FORMATS = ("json", "pdf")

# How a value is written for the person: a date in their calendar, a choice or code as words,
# a member's name, a code to copy as written. Never an id, a storage column or a raw timestamp.
DATE, MOMENT, TEXT, CODE, PHONE, ADDRESS, YES_NO, MEMBER, LANGUAGES = (
    "date", "moment", "text", "code", "phone", "address", "yes_no", "member", "languages",
)  # fmt: skip


@dataclass(frozen=True)
class Shown:
    """One field as the person reads it: its name on the record, its label, how it is written,
    and for a code of the rule table, the function that names it."""

    name: str
    label: Any
    kind: str = TEXT
    words: Callable[[str], str] | None = None


PERSON_FIELDS = (
    Shown("given_name_fa", gettext_lazy("Given name (Persian script)")),
    Shown("family_name_fa", gettext_lazy("Family name (Persian script)")),
    Shown("given_name_latin", gettext_lazy("Given name (Latin script)")),
    Shown("family_name_latin", gettext_lazy("Family name (Latin script)")),
    Shown("date_of_birth", gettext_lazy("Date of birth"), DATE),
    Shown("gender", gettext_lazy("Gender")),
    Shown("nationality", gettext_lazy("Nationality")),
    Shown("languages", gettext_lazy("Languages"), LANGUAGES),
    Shown("phone", gettext_lazy("Phone"), PHONE),
    Shown("email", gettext_lazy("Email address"), CODE),
    Shown("address", gettext_lazy("Address"), ADDRESS),
    Shown("created_at", gettext_lazy("Registered on"), DATE),
    Shown("updated_at", gettext_lazy("Last changed on"), DATE),
)
DOCUMENT_FIELDS = (
    Shown("kind", gettext_lazy("Kind of document")),
    Shown("document_number", gettext_lazy("Document number"), CODE),
    Shown("original_name", gettext_lazy("File name"), CODE),
    Shown("uploaded_at", gettext_lazy("Added on"), DATE),
)
CONSENT_FIELDS = (
    Shown("category", gettext_lazy("What it covers")),
    Shown("legal_basis", gettext_lazy("Legal basis")),
    Shown("given_on", gettext_lazy("Given or established on"), DATE),
    Shown("how_recorded", gettext_lazy("How it was recorded")),
    Shown("withdrawn_on", gettext_lazy("Withdrawn on"), DATE),
)


def _sections() -> dict[str, tuple[Any, Any]]:
    """Each kind of record: its title, and what it is and why it is kept (its legal basis)."""
    return {
        "person": (
            gettext_lazy("Your details"),
            gettext_lazy(
                "Your name, date of birth, contact details and languages: so that we recognise "
                "you, can reach you and help you in your language. Legal basis: our legitimate "
                "activities as a not-for-profit association helping refugees, for our members "
                "and the people in regular contact with us (GDPR art. 6(1)(f) and 9(2)(d)), and "
                "your consent where it is recorded below (art. 6(1)(a) and 9(2)(a))."
            ),
        ),
        "documents": (
            gettext_lazy("Your documents"),
            gettext_lazy(
                "The numbers and copies of the documents you gave us (passport, annex 26 and "
                "others), to support your asylum procedure. Legal basis: the establishment, "
                "exercise or defence of your legal claims (GDPR art. 9(2)(f))."
            ),
        ),
        "consents": (
            gettext_lazy("Your consent and the legal basis of each kind of information"),
            gettext_lazy(
                "What you agreed to, and on which legal basis we hold information about your "
                "political opinion, origin, religion, health and contact details (GDPR art. 6 "
                "and 9). You may withdraw a consent at any time; what was done before stays "
                "lawful."
            ),
        ),
    }  # fmt: skip


def _moment(value: dt.datetime | dt.date, *, with_time: bool) -> str:
    """A date (and time) as the person reads it: Solar Hijri with the Gregorian date in Persian."""
    text = dates.both_calendars(dates.local_date(value))
    if shows_jalali():
        text = (
            f"{dates.jalali_text(value)} ({isolate(persian_digits(dates.gregorian_text(value)))})"
        )
    if with_time and isinstance(value, dt.datetime):
        text += " " + isolate(timezone.localtime(value).strftime("%H:%M"), "ltr")
    return localised_digits(text)


def _written(obj: models.Model, shown: Shown) -> str | None:
    """The field's value written for the person, or None when it holds nothing."""
    if shown.kind == MEMBER:
        member = getattr(obj, shown.name)
        return member.display_name or None if member else None
    value = getattr(obj, shown.name)
    if value is None or value == "" or value == []:
        return None
    if shown.kind == YES_NO:
        return str(_("Yes") if value else _("No"))
    if shown.kind in (DATE, MOMENT):
        return _moment(value, with_time=shown.kind == MOMENT)
    if shown.kind == LANGUAGES:
        names = dict(LANGUAGE_CHOICES)
        return ", ".join(str(names.get(code, code)) for code in value)
    if shown.words:
        return str(shown.words(value))
    field = obj._meta.get_field(shown.name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, int):
        return localised_digits(str(value))
    return str(value)


def record(obj: models.Model, fields: tuple[Shown, ...], title: str = "") -> dict[str, Any]:
    """One record as labelled values, empty ones left out."""
    items = []
    for shown in fields:
        value = _written(obj, shown)
        if value is not None:
            items.append(
                {
                    "label": str(shown.label),
                    "value": value,
                    # Written left to right whatever the page's direction; a code or an
                    # address keeps its digits as written (copied into the authorities' forms).
                    "ltr": shown.kind in (CODE, PHONE),
                    "code": shown.kind in (CODE, ADDRESS),
                }
            )
    return {"title": title, "items": items}


def section(title: Any, about: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A kind of record as the person reads it: its title, what it is and why it is kept."""
    return {"title": str(title), "about": str(about), "records": records}


def _section(key: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    return section(*_sections()[key], records)


# The records other apps keep about a person, each app adding its section (its collect function
# returns `section(...)`), as the person compartments do: people never imports those apps.
SECTIONS: dict[str, Callable[[Person], dict[str, Any]]] = {}


@dataclass(frozen=True)
class Guard:
    """A section only members holding `permission` on the person may put in an export (a
    compartment that the export must not open); `heading()` gives its title and what it is."""

    permission: str
    heading: Callable[[], tuple[Any, Any]]


GUARDS: dict[str, Guard] = {}


def register_section(
    key: str,
    collect_section: Callable[[Person], dict[str, Any]],
    *,
    permission: str | None = None,
    heading: Callable[[], tuple[Any, Any]] | None = None,
) -> None:
    """Add an app's records about a person to the subject access export (from its AppConfig).

    With `permission` (and the section's `heading`), only an export made by a member who holds
    it on the person lists the records; anyone else's export names the section and says who
    to ask, without reading it.
    """
    SECTIONS[key] = collect_section
    if permission is not None:
        if heading is None:
            raise ValueError("A guarded section needs its heading.")
        GUARDS[key] = Guard(permission, heading)


def _withheld(key: str) -> dict[str, Any]:
    return {
        **section(*GUARDS[key].heading(), []),
        "withheld": str(
            _(
                "Only the members who may open these records put them in a copy, and this copy "
                "was made by someone who may not: ask us for this part."
            )
        ),
    }


def collect(person: Person, *, membership: Membership | None = None) -> dict[str, Any]:
    """Everything held about `person`, decrypted and written for them, in the active language.

    A guarded section's records are read only when `membership` holds its permission.
    """
    with scopes_disabled():
        data: dict[str, Any] = {
            "person": _section("person", [record(person, PERSON_FIELDS)]),
            "documents": _section(
                "documents",
                [
                    record(d, DOCUMENT_FIELDS)
                    for d in PersonDocument.objects.filter(person=person).order_by("uploaded_at")
                ],
            ),
            "consents": _section(
                "consents",
                [
                    record(c, CONSENT_FIELDS)
                    for c in ConsentRecord.objects.filter(person=person).order_by("given_on")
                ],
            ),
        }
        for key, collect_section in SECTIONS.items():
            guard = GUARDS.get(key)
            if guard and not member_may(membership, guard.permission, person):
                data[key] = _withheld(key)
            else:
                data[key] = collect_section(person)
    return data


def _rights() -> list[str]:
    months = localised_digits(str(settings.RETENTION_PERSON_MONTHS))
    return [
        _("How long we keep it: your record is erased when nothing about you has moved for "
          "%(months)s months, or sooner when you ask us.") % {"months": months},
        _("Your rights: to have any of this corrected (GDPR art. 16) or erased (art. 17), to "
          "object or to restrict its use (art. 18 and 21), and to complain to the Belgian Data "
          "Protection Authority (dataprotectionauthority.be)."),
    ]  # fmt: skip


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


@transaction.atomic
def export_person(
    person: Person,
    *,
    by: User | None,
    fmt: str,
    language: str,
    request: HttpRequest | None = None,
) -> Export:
    """Everything held about a person as JSON or PDF, in `language`; audited (ids only)."""
    if fmt not in FORMATS:
        raise ValidationError(_("Choose JSON or PDF."), code="format")
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language."), code="language")
    if person.is_erased:
        raise ValidationError(_("This person's data was erased."), code="erased")
    with scopes_disabled():
        membership = (
            Membership.objects.filter(
                user=by, organisation=person.organisation, removed_at__isnull=True
            ).first()
            if by is not None
            else None
        )
    with translation.override(language):
        data = collect(person, membership=membership)
        made = timezone.now()
        document = {
            "title": _("Data held about you"),
            "held_by": person.organisation.name,
            "made_on": _moment(made, with_time=False),
            "language": str(dict(LANGUAGE_CHOICES).get(language, language)),
            "why": _(
                "This document lists everything the organisation holds about you in Panah, as "
                "required by article 15 of the General Data Protection Regulation: each kind "
                "of information, what it is for and why we may keep it."
            ),
            "sections": list(data.values()),
            "your_rights": _rights(),
        }
        if fmt == "json":
            content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
            result = Export(content, "application/json", f"subject-access-{made:%Y%m%d}.json")
        else:
            result = Export(
                render_pdf(document, language),
                "application/pdf",
                f"subject-access-{made:%Y%m%d}.pdf",
            )
    audit.record(
        "person.exported",
        organisation=person.organisation,
        actor=by,
        obj=person,
        request=request,
        data={
            "format": fmt,
            "language": language,
            **{key: len(data[key]["records"]) for key in SECTIONS},
        },
    )
    return result


def render_pdf(document: dict[str, Any], language: str) -> bytes:
    """The export as a readable PDF (right to left in Persian)."""
    html = render_to_string(
        "people/subject_access.html",
        {
            "document": document,
            "font_url": pdf.FONT_FILE.as_uri(),
            "rtl": translation.get_language_bidi(),
            "language": language,
        },
    )
    if shows_jalali(language):
        html = html_in_persian_digits(html)  # as on a Persian page: one digit system
    return pdf.render_pdf(html)
