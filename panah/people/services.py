"""Every write of the people app: one function per intention, in a transaction, audited.

Audit entries name the record and the fields touched, never their values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.crypto import blind_index
from panah.core.crypto.files import (
    EncryptedFileStore,
    OpenedFile,
    clean_upload,
    open_document_file,
)
from panah.core.crypto.keys import active_organisation_key
from panah.core.models import Organisation, User

from .models import (
    ConsentRecord,
    DocumentKind,
    Household,
    Person,
    PersonDocument,
    PersonToken,
    TokenKind,
)

PERSONAL_FIELDS = (
    "given_name_fa",
    "family_name_fa",
    "given_name_latin",
    "family_name_latin",
    "date_of_birth",
    "gender",
    "nationality",
    "languages",
    "phone",
    "email",
    "address",
)
NAME_FIELDS = ("given_name_fa", "family_name_fa", "given_name_latin", "family_name_latin")


def _check_details(details: dict[str, Any]) -> None:
    unknown = set(details) - set(PERSONAL_FIELDS)
    if unknown:
        raise ValueError(f"Not a personal field of Person: {', '.join(sorted(unknown))}")


def _require_a_name(person: Person) -> None:
    if not any(getattr(person, f) for f in NAME_FIELDS):
        raise ValidationError(_("Give at least one name, in Persian or Latin script."))


@transaction.atomic
def create_person(
    *,
    organisation: Organisation,
    by: User | None,
    request: HttpRequest | None = None,
    household: Household | None = None,
    **details: Any,
) -> Person:
    """Register a person; their fields are encrypted under a new data key of their own."""
    _check_details(details)
    person = Person(organisation=organisation, household=household, created_by=by, **details)
    _require_a_name(person)
    person.save()
    reindex_person(person, new=True)
    audit.record(
        "person.created",
        organisation=organisation,
        actor=by,
        obj=person,
        request=request,
        data={"fields": sorted(k for k, v in details.items() if v not in ("", None, []))},
    )
    return person


@transaction.atomic
def update_person(
    *, person: Person, by: User | None, request: HttpRequest | None = None, **details: Any
) -> list[str]:
    """Change some of a person's details; returns the names of the fields that changed."""
    _check_details(details)
    changed = sorted(name for name, value in details.items() if getattr(person, name) != value)
    if not changed:
        return []
    for name in changed:
        setattr(person, name, details[name])
    _require_a_name(person)
    person.updated_at = timezone.now()
    person.save(update_fields=[*changed, "updated_at"])
    if set(changed) & set(NAME_FIELDS):
        reindex_person(person)
    audit.record(
        "person.updated",
        organisation=person.organisation,
        actor=by,
        obj=person,
        request=request,
        data={"fields": changed},
    )
    return changed


def reindex_person(person: Person, *, new: bool = False) -> int:
    """Rewrite the person's blind-index tokens (names and document numbers); returns how many.

    `new`: the person was just created, so has neither documents nor tokens to read or delete
    (two queries fewer per person, which an import of thousands of people feels).
    """
    org_key = active_organisation_key(person.organisation_id)
    tokens = {
        (TokenKind.NAME, t)
        for t in blind_index.name_tokens(*(getattr(person, f) for f in NAME_FIELDS))
    }
    if not new:
        numbers = PersonDocument.objects.filter(person=person).exclude(document_number=None)
        for document in numbers.select_related("person"):
            token = blind_index.document_token(document.document_number)
            if token:
                tokens.add((TokenKind.DOCUMENT, token))
        PersonToken.objects.filter(person=person).delete()
    PersonToken.objects.bulk_create(
        PersonToken(
            organisation_id=person.organisation_id,
            person=person,
            kind=kind,
            key_id=org_key.key_id,
            digest=blind_index.digest(org_key, kind, token),
        )
        for kind, token in sorted(tokens)
    )
    return len(tokens)


@transaction.atomic
def create_household(
    *,
    organisation: Organisation,
    members: Iterable[Person],
    by: User | None,
    request: HttpRequest | None = None,
) -> Household:
    """Group people who live together."""
    household = Household.objects.create(organisation=organisation)
    ids = []
    for person in members:
        if person.organisation_id != organisation.pk:
            raise ValidationError(_("A household belongs to one organisation."))
        person.household = household
        person.save(update_fields=["household"])
        ids.append(str(person.pk))
    audit.record(
        "household.created",
        organisation=organisation,
        actor=by,
        obj=household,
        request=request,
        data={"members": ids},
    )
    return household


@transaction.atomic
def add_document(
    *,
    person: Person,
    kind: str,
    by: User | None,
    document_number: str = "",
    upload=None,
    request: HttpRequest | None = None,
) -> PersonDocument:
    """Record a document of a person: its number and/or a scan, both encrypted."""
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose the kind of document."))
    if not document_number and upload is None:
        raise ValidationError(_("Give the document number, a file, or both."))
    document = PersonDocument(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        document_number=document_number.strip(),
        uploaded_by=by,
    )
    store = EncryptedFileStore()
    if upload is not None:
        try:
            clean = clean_upload(upload)
        except ValidationError as exc:  # about the file: shown beside the file field
            raise ValidationError({"file": exc.error_list}) from exc
        document.original_name = clean.original_name[:200]
        document.content_type = clean.content_type
        document.stored_file = store.save(
            clean.data, key=person.data_key(), context=document.file_context()
        )
    try:
        document.save()
        if document.document_number:
            reindex_person(person)
        audit.record(
            "person_document.added",
            organisation=person.organisation,
            actor=by,
            obj=document,
            request=request,
            data={
                "person": str(person.pk),
                "kind": kind,
                "file": bool(document.stored_file),
                "number": bool(document.document_number),
            },
        )
    except BaseException:
        # Nothing was recorded, so the encrypted file must not stay behind.
        if document.stored_file:
            store.delete(document.stored_file)
        raise
    return document


def open_document(
    *, document: PersonDocument, by: User | None, request: HttpRequest | None = None
) -> OpenedFile:
    """Decrypt a document's file for the member who asked (audited as a read)."""
    audit.record_read(
        "person_document.viewed",
        organisation=document.organisation,
        actor=by,
        obj=document,
        request=request,
        data={"person": str(document.person_id)},
    )
    return open_document_file(document)


@transaction.atomic
def record_consent(
    *,
    person: Person,
    category: str,
    legal_basis: str,
    given_on: dt.date,
    how_recorded: str,
    by: User | None,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Record the legal basis (or consent) for one category of a person's data; audited by codes."""
    if person.is_erased:
        raise ValidationError(_("This person was erased."), code="erased")
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")}, code="future")
    consent = ConsentRecord(
        organisation_id=person.organisation_id,
        person=person,
        category=category,
        legal_basis=legal_basis,
        given_on=given_on,
        how_recorded=how_recorded,
        recorded_by=by,
    )
    consent.full_clean(exclude=["organisation", "person", "recorded_by"])
    consent.save()
    audit.record(
        "consent.recorded",
        organisation=person.organisation,
        actor=by,
        obj=consent,
        request=request,
        data={
            "person": str(person.pk),
            "category": category,
            "legal_basis": legal_basis,
            "how_recorded": how_recorded,
        },
    )
    return consent


@transaction.atomic
def withdraw_consent(
    *,
    consent: ConsentRecord,
    withdrawn_on: dt.date | None = None,
    by: User | None,
    request: HttpRequest | None = None,
) -> ConsentRecord:
    """Mark a consent as withdrawn from a date (today by default); the record itself stays."""
    consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    withdrawn_on = withdrawn_on or timezone.localdate()
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."), code="withdrawn")
    if withdrawn_on < consent.given_on:
        raise ValidationError(
            _("A consent cannot be withdrawn before it was given."), code="before_given"
        )
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_by = by
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit.record(
        "consent.withdrawn",
        organisation=consent.organisation,
        actor=by,
        obj=consent,
        request=request,
        data={"person": str(consent.person_id), "category": consent.category},
    )
    return consent
