"""Subject access (GDPR art. 15): everything held about one person, as JSON and as a PDF.

`collect` reads the person, their documents and every case with its steps, deadlines, notes,
chosen residences, appointments, referrals and case documents (file names, not the files).
`export_person` is the one service: it audits the export (ids, format and language only) and
returns the bytes. The PDF is made by WeasyPrint from a template with self-contained CSS: the
Persian font is loaded from the project's static folder by file URL, never from the network.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from panah.cases.models import Case
from panah.core import audit
from panah.core.crypto.fields import EncryptedField
from panah.core.models import User

from .models import ConsentRecord, Person, PersonDocument

FORMATS = ("json", "pdf")
FONT_FILE = Path(settings.BASE_DIR) / "static/vendor/vazirmatn/Vazirmatn-wght.woff2"
# Columns that say nothing to the person and only describe storage.
_SKIPPED = {"organisation", "data_key_wrapped", "data_key_id", "data_key_org_key_id", "stored_file"}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "hex") and not isinstance(value, bytes | str | int | float):
        return str(value)  # UUID
    return value


def _record(obj: models.Model) -> dict[str, Any]:
    """Every concrete field of `obj` (encrypted ones decrypted) with its label and value."""
    fields = []
    for field in obj._meta.concrete_fields:
        if field.name in _SKIPPED:
            continue
        if field.many_to_one:
            value = getattr(obj, field.attname)
        else:
            value = getattr(obj, field.attname)
            if field.choices and value not in (None, ""):
                value = {"code": value, "label": str(dict(field.flatchoices).get(value, value))}
        if value in (None, "", []) and isinstance(field, EncryptedField):
            continue
        fields.append(
            {"name": field.name, "label": str(field.verbose_name), "value": _value(value)}
        )
    return {"id": str(obj.pk), "type": obj._meta.label_lower, "fields": fields}


def collect(person: Person) -> dict[str, Any]:
    """Everything held about `person`, decrypted, in a JSON-ready structure."""
    with scopes_disabled():
        data: dict[str, Any] = {
            "person": _record(person),
            "documents": [
                _record(d) for d in PersonDocument.objects.filter(person=person).order_by("pk")
            ],
            # What the person agreed to, and on which legal basis we hold each kind of data.
            "consents": [
                _record(c) for c in ConsentRecord.objects.filter(person=person).order_by("given_on")
            ],
            "cases": [],
        }
        if apps.is_installed("panah.cases"):
            for case in Case.objects.filter(person=person).order_by("opened_at"):
                entry = _record(case)
                for related in (
                    "steps",
                    "deadlines",
                    "notes",
                    "residences",
                    "appointments",
                    "referrals",
                    "documents",
                ):
                    entry[related] = [_record(r) for r in getattr(case, related).order_by("pk")]
                data["cases"].append(entry)
    return data


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
    with translation.override(language):
        data = collect(person)
        made = timezone.now()
        document = {
            "format": "panah-subject-access",
            "version": 1,
            "made_at": made.isoformat(),
            "organisation": person.organisation.name,
            "language": language,
            **data,
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
        data={"format": fmt, "language": language, "cases": len(data["cases"])},
    )
    return result


def _only_the_font():
    """A WeasyPrint URL fetcher that serves the bundled font and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415 (weasyprint is slow to import; only this path needs it)

    class OnlyTheFont(URLFetcher):
        def fetch(self, url, headers=None):
            if url == FONT_FILE.as_uri():
                return URLFetcherResponse(
                    url, FONT_FILE.read_bytes(), {"Content-Type": "font/woff2"}
                )
            raise ValueError(f"The subject access PDF may not load {url!r}.")

    return OnlyTheFont(allowed_protocols=("file",))


def _case_parts() -> dict[str, str]:
    return {
        "steps": _("Steps"),
        "deadlines": _("Deadlines"),
        "notes": _("Notes"),
        "residences": _("Chosen residences"),
        "appointments": _("Appointments"),
        "referrals": _("Referrals"),
        "documents": _("Case documents"),
    }


def render_pdf(document: dict[str, Any], language: str) -> bytes:
    """The export as a readable PDF (right to left in Persian)."""
    from weasyprint import HTML  # noqa: PLC0415 (weasyprint is slow to import; only this path needs it)

    labels = _case_parts()
    cases = [
        (case, [(labels[k], case[k]) for k in labels if case.get(k)]) for case in document["cases"]
    ]
    html = render_to_string(
        "people/subject_access.html",
        {
            "document": document,
            "cases": cases,
            "font_url": FONT_FILE.as_uri(),
            "rtl": translation.get_language_bidi(),
            "language": language,
        },
    )
    return HTML(string=html, url_fetcher=_only_the_font()).write_pdf()
