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
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import audit
from panah.core.access import get_for_member, permission_required
from panah.core.crypto import CryptoError

from . import queries, services
from .forms import DocumentForm, PersonForm, SearchForm
from .models import Person, PersonDocument

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


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    # Rendering is where fields decrypt: do it here, so a failure is caught by the decorator.
    return HttpResponse(render(request, template, context).content)


@permission_required("people.view_person")
@refuse_undecryptable
def person_list(request: HttpRequest) -> HttpResponse:
    """The organisation's people, newest first, or those matching a name or document number."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    people = (
        queries.search_people(request.organisation, query)
        if query
        else queries.people_list(request.organisation)
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_read(
        "person_list.viewed",
        organisation=request.organisation,
        request=request,
        object_type="people.person",
        data={"shown": [str(p.pk) for p in page.object_list], "searched": bool(query)},
    )
    return _render(request, "people/person_list.html", {"form": form, "page": page, "query": query})


@permission_required("people.view_person")
@refuse_undecryptable
def person_detail(request: HttpRequest, pk) -> HttpResponse:
    """One person's record; every opening is written to the audit trail."""
    person = get_for_member(request, Person, pk=pk)
    audit.record_read(
        "person.viewed", organisation=request.organisation, obj=person, request=request
    )
    return _render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "documents": queries.person_documents(person),
            "document_form": DocumentForm(),
        },
    )


@permission_required("people.manage_person")
@refuse_undecryptable
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person."""
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(
                organisation=request.organisation,
                by=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The person is registered."))
            return redirect("people:detail", pk=person.pk)
    return _render(request, "people/person_form.html", {"form": form, "person": None})


@permission_required("people.manage_person")
@refuse_undecryptable
def person_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a person's details."""
    person = get_for_member(request, Person, pk=pk)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_person(
                person=person, by=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(request, _("The changes are saved."))
            return redirect("people:detail", pk=person.pk)
    return _render(request, "people/person_form.html", {"form": form, "person": person})


@permission_required("people.manage_person")
@require_POST
@refuse_undecryptable
def document_add(request: HttpRequest, pk) -> HttpResponse:
    """Add a document (number and/or file) to a person."""
    person = get_for_member(request, Person, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                person=person,
                kind=form.cleaned_data["kind"],
                document_number=form.cleaned_data["document_number"],
                upload=form.cleaned_data["file"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error("file" if exc.code in _FILE_ERRORS else None, exc)
        else:
            messages.success(request, _("The document is added."))
            return redirect("people:detail", pk=person.pk)
    return _render(
        request,
        "people/person_detail.html",
        {"person": person, "documents": queries.person_documents(person), "document_form": form},
    )


_FILE_ERRORS = {"size", "type", "damaged", "truncated", "empty"}


@permission_required("people.view_person")
@refuse_undecryptable
def document_file(request: HttpRequest, pk) -> HttpResponse:
    """Download a document's file, decrypted (audited as a read)."""
    document = get_for_member(request, PersonDocument, pk=pk)
    if not document.stored_file:
        return redirect("people:detail", pk=document.person_id)
    opened = services.open_document(document=document, by=request.user, request=request)
    response = HttpResponse(opened.data, content_type=opened.content_type)
    # A neutral name: the original one may carry the person's name into the browser's history.
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
        opened.content_type, "bin"
    )
    name = slugify(document.get_kind_display()) or "document"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response
