"""People: the list with search, a person's page, registering and editing, documents.

A record that does not decrypt is never shown in part: the page says which record failed and
asks for an administrator, without any of its values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import audit
from panah.core.access import get_for_member, needs_permission
from panah.core.crypto import CryptoError
from panah.core.downloads import private_file
from panah.core.forms import submit
from panah.core.reauth import recent_authentication_required

from . import queries, services
from .erasure import erase_person
from .forms import (
    ConsentForm,
    DocumentForm,
    ErasureForm,
    PersonForm,
    SearchForm,
    SubjectAccessForm,
)
from .models import ConsentRecord, Person, PersonDocument
from .subject_access import export_person

logger = logging.getLogger(__name__)
PAGE_SIZE = 50


def refuse_undecryptable(view: Callable) -> Callable:
    """Turn a decryption or key failure into a plain error page (500) that shows no data."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except CryptoError as exc:
            # The message names the table, column and row, never a value.
            logger.error("Decryption failed: %s", exc)
            return render(request, "people/undecryptable.html", {"problem": str(exc)}, status=500)

    return wrapper


def person_for_member(request: HttpRequest, pk, permission: str = "people.view_person") -> Person:
    """The person the member may see, or 404: another organisation's, a malformed id, or a
    person closed to the member by a compartment (panah.people.rules) are alike not found.

    The one way a view reaches a person (the cases app's "open a case" too)."""
    return get_for_member(request, Person, permission, pk=pk)


def _document(request: HttpRequest, pk) -> PersonDocument:
    """The document of a person the member may see, or 404 (the person's rule decides)."""
    document = get_for_member(request, PersonDocument, pk=pk)
    person_for_member(request, document.person_id)
    return document


def _consent(request: HttpRequest, pk) -> ConsentRecord:
    """The consent record of a person the member may manage, or 404."""
    consent = get_for_member(request, ConsentRecord, pk=pk)
    person_for_member(request, consent.person_id, "people.manage_person")
    return consent


def record_view(request: HttpRequest, person: Person, page: str = "") -> None:
    """Write the audited read of a page showing the person's fields (it counts toward the
    read-burst alert, whichever page shows them: the record, the edit form, a confirmation)."""
    audit.record_read(
        "person.viewed",
        organisation=request.organisation,
        obj=person,
        request=request,
        data={"page": page} if page else None,
    )


def _erased(request: HttpRequest, person: Person) -> HttpResponse:
    """The page of an erased person: only that it was erased, and when (410 Gone)."""
    return render(request, "people/person_erased.html", {"person": person}, status=410)


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    # Rendering is where fields decrypt: do it here, so a failure is caught by the decorator.
    return HttpResponse(render(request, template, context).content)


@needs_permission("people.view_person")
@refuse_undecryptable
def person_list(request: HttpRequest) -> HttpResponse:
    """The people the member may see, newest first, or those matching a name or document number."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    people = queries.people_for(request.membership, query)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list_read(
        request, "person_list.viewed", "people.person", page.object_list, searched=bool(query)
    )
    return _render(request, "people/person_list.html", {"form": form, "page": page, "query": query})


@needs_permission("people.view_person")
@refuse_undecryptable
def person_detail(request: HttpRequest, pk) -> HttpResponse:
    """One person's record; every opening is written to the audit trail."""
    person = person_for_member(request, pk)
    if person.is_erased:
        return _erased(request, person)
    record_view(request, person)
    return _render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "documents": queries.person_documents(person),
            "document_form": DocumentForm(),
            "consents": queries.person_consents(person),
        },
    )


@needs_permission("people.manage_person")
@refuse_undecryptable
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person."""
    form = PersonForm(request.POST or None)
    registered = submit(request, form, lambda data: services.create_person(
        organisation=request.organisation, by=request.user, request=request, **data
    ))  # fmt: skip
    if registered.done:
        messages.success(request, _("The person is registered."))
        return redirect("people:detail", pk=registered.result.pk)
    return _render(request, "people/person_form.html", {"form": form, "person": None})


@needs_permission("people.manage_person")
@refuse_undecryptable
def person_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a person's details."""
    person = person_for_member(request, pk, "people.manage_person")
    if person.is_erased:
        return _erased(request, person)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    updated = submit(request, form, lambda data: services.update_person(
        person=person, by=request.user, request=request, **data
    ))  # fmt: skip
    if updated.done:
        if updated.result:
            messages.success(request, _("The changes are saved."))
        return redirect("people:detail", pk=person.pk)
    # The form is filled with every field of the record, decrypted: a read like the record's.
    record_view(request, person, "edit")
    return _render(request, "people/person_form.html", {"form": form, "person": person})


@needs_permission("people.manage_person")
@require_POST
@refuse_undecryptable
def document_add(request: HttpRequest, pk) -> HttpResponse:
    """Add a document (number and/or file) to a person."""
    person = person_for_member(request, pk, "people.manage_person")
    if person.is_erased:
        return _erased(request, person)
    form = DocumentForm(request.POST, request.FILES)
    if submit(request, form, lambda data: services.add_document(
        person=person, kind=data["kind"], document_number=data["document_number"],
        upload=data["file"], by=request.user, request=request,
    )).done:  # fmt: skip
        messages.success(request, _("The document is added."))
        return redirect("people:detail", pk=person.pk)
    record_view(request, person, "detail")
    return _render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "documents": queries.person_documents(person),
            "document_form": form,
            "consents": queries.person_consents(person),
        },
    )


@needs_permission("people.view_person")
@refuse_undecryptable
def document_file(request: HttpRequest, pk) -> HttpResponse:
    """Download a document's file, decrypted (audited as a read)."""
    document = _document(request, pk)
    if not document.stored_file:
        return redirect("people:detail", pk=document.person_id)
    opened = services.open_document(document=document, by=request.user, request=request)
    # A neutral name: the original one may carry the person's name into the browser's history.
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
        opened.content_type, "bin"
    )
    name = slugify(document.get_kind_display()) or "document"
    return private_file(opened.data, opened.content_type, f"{name}.{extension}")


@needs_permission("people.erase_person")
def person_erase(request: HttpRequest, pk) -> HttpResponse:
    """Erase a person for good, after re-authentication and a stated reason."""
    person = person_for_member(request, pk, "people.erase_person")
    if person.is_erased:
        return _erased(request, person)
    # Fetched first, so that another organisation's id is a 404, not a re-authentication.
    return _erase(request, person)


@recent_authentication_required
@refuse_undecryptable
def _erase(request: HttpRequest, person: Person) -> HttpResponse:
    form = ErasureForm(request.POST or None)
    if submit(request, form, lambda data: erase_person(
        person, by=request.user, reason=data["reason"], request=request
    )).done:  # fmt: skip
        messages.success(request, _("The person's data is erased."))
        return redirect("people:detail", pk=person.pk)
    record_view(request, person, "erase")
    return _render(request, "people/person_erase.html", {"person": person, "form": form})


@needs_permission("people.export_person")
def person_export(request: HttpRequest, pk) -> HttpResponse:
    """Subject access: everything held about a person, as PDF or JSON, after re-authentication."""
    person = person_for_member(request, pk, "people.export_person")
    if person.is_erased:
        return _erased(request, person)
    return _export(request, person)


@recent_authentication_required
@refuse_undecryptable
def _export(request: HttpRequest, person: Person) -> HttpResponse:
    form = SubjectAccessForm(
        request.POST or None, initial={"language": request.user.language, "format": "pdf"}
    )
    if request.method == "POST" and form.is_valid():
        export = export_person(
            person,
            by=request.user,
            fmt=form.cleaned_data["format"],
            language=form.cleaned_data["language"],
            request=request,
        )
        return private_file(export.content, export.content_type, export.filename)
    record_view(request, person, "export")
    return _render(request, "people/person_export.html", {"person": person, "form": form})


@needs_permission("people.manage_person")
def consent_add(request: HttpRequest, pk) -> HttpResponse:
    """Record a consent or another legal basis for one category of a person's data."""
    person = person_for_member(request, pk, "people.manage_person")
    if person.is_erased:
        return _erased(request, person)
    form = ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if submit(request, form, lambda data: services.record_consent(
        person=person, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("The legal basis is recorded."))
        return redirect("people:detail", pk=person.pk)
    # The page shows no personal value: only the person's short id, never a name.
    return render(request, "people/consent_form.html", {"person": person, "form": form})


@needs_permission("people.manage_person")
@require_POST
def consent_withdraw(request: HttpRequest, pk) -> HttpResponse:
    """Mark a consent as withdrawn today."""
    consent = _consent(request, pk)
    try:
        services.withdraw_consent(consent=consent, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The consent is marked as withdrawn."))
    return redirect("people:detail", pk=consent.person_id)
