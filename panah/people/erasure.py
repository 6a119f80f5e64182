"""Erasing a person (GDPR art. 17) by crypto-shredding, keeping a tombstone.

What `erase_person` destroys, in one transaction:
- the person's wrapped data key (the three key columns: the wrapped bytes go, the ids stay for
  the erasure ledger) and the key's share in the share folder outside the database (see
  panah.core.crypto.keys): a copy of the database taken before the erasure holds the wrapped key
  but no longer the share, so it cannot be opened with the master key either;
- every encrypted column of the person and of every record encrypted under their key (case
  steps, notes, residences, appointments, referrals): set to NULL, so the live database holds
  no ciphertext of them at all;
- their documents (rows and encrypted files) and their blind-index tokens.

What stays: the Person row (marked `erased_at`) and the rows that hang on it (cases, steps,
deadlines, appointments) with their clear columns (dates, stages, kinds), so counts and
statistics survive without the person. Case.PROTECT on Person forbids deleting the row anyway.
The erasure is written to the backup ledger (panah.core.backup.ledger) so that a restore of an
older backup destroys the key again, and audited with ids and a reason code only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.backup import ledger
from panah.core.crypto.fields import DataKeyHolder, EncryptedField
from panah.core.crypto.files import EncryptedFileStore
from panah.core.crypto.keys import destroy_data_key_share
from panah.core.models import User

from .models import Person, PersonToken


class ErasureReason(models.TextChoices):
    """Why a person was erased. A fixed list: the audit trail never holds free text."""

    SUBJECT_REQUEST = "subject_request", gettext_lazy("The person asked for erasure (art. 17)")
    CONSENT_WITHDRAWN = "consent_withdrawn", gettext_lazy("The person withdrew their consent")
    RETENTION_EXPIRED = "retention_expired", gettext_lazy("The retention period ended")
    NO_LONGER_NEEDED = "no_longer_needed", gettext_lazy("The data is no longer needed")
    RECORDED_IN_ERROR = "recorded_in_error", gettext_lazy("The person was recorded in error")
    SAFETY = "safety", gettext_lazy("The person's safety requires it")


@dataclass(frozen=True)
class Dependant:
    """A model whose rows are encrypted under a person's key, and how to reach them."""

    model: type[models.Model]
    lookup: str  # the path from the model to the Person ("person", "case__person")
    encrypted: tuple[str, ...]  # attnames of its encrypted columns
    has_file: bool


def _person_path(model: type[models.Model]) -> str | None:
    """The lookup from `model` to Person through a `person` or `case` foreign key, if any."""
    for field in model._meta.get_fields():
        if field.many_to_one and field.related_model is Person:
            return field.name
    for field in model._meta.get_fields():
        if field.many_to_one and field.name == "case" and field.related_model is not None:
            inner = _person_path(field.related_model)
            if inner:
                return f"case__{inner}"
    return None


def encrypted_models() -> list[type[models.Model]]:
    """Every installed model with at least one encrypted column."""
    return [
        m
        for m in apps.get_models()
        if any(isinstance(f, EncryptedField) for f in m._meta.concrete_fields)
    ]


def own_key_holders() -> list[type[models.Model]]:
    """Encrypted models that are not about a person and hold their own data key (an official's
    contact in advocacy): a person's erasure does not concern them; destroying their own key
    shreds them."""
    return [m for m in encrypted_models() if m is not Person and issubclass(m, DataKeyHolder)]


def dependants() -> Iterator[Dependant]:
    """The models encrypted under a person's key, other than Person itself.

    A model with encrypted columns that cannot be reached from Person, and that does not hold
    its own key, is an error (its rows would survive an erasure): see
    test_every_encrypted_model_is_reached_by_erasure.
    """
    holders = own_key_holders()
    for model in encrypted_models():
        if model is Person or model in holders:
            continue
        lookup = _person_path(model)
        if lookup is None:
            raise LookupError(
                f"{model._meta.label} has encrypted columns but no path to a Person: "
                "teach panah.people.erasure how to erase it."
            )
        yield Dependant(
            model,
            lookup,
            tuple(f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedField)),
            any(f.name == "stored_file" for f in model._meta.concrete_fields),
        )


@dataclass(frozen=True)
class ErasureResult:
    person_id: str
    documents_deleted: int
    files_deleted: int
    rows_blanked: int
    tokens_deleted: int
    share_destroyed: bool


@transaction.atomic
def erase_person(
    person: Person, *, by: User | None, reason: str, request: HttpRequest | None = None
) -> ErasureResult:
    """Erase a person's data for good (crypto-shredding); the row stays as a tombstone.

    `reason` is an ErasureReason code. Refuses a person already erased.
    """
    if reason not in ErasureReason.values:
        raise ValidationError(_("Choose why the person is erased."), code="reason")
    with scopes_disabled():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.erased_at is not None:
            raise ValidationError(_("This person was already erased."), code="erased")
        store = EncryptedFileStore()
        files: list[str] = []
        documents = blanked = 0
        for dependant in dependants():
            rows = dependant.model._base_manager.filter(
                organisation_id=person.organisation_id, **{dependant.lookup: person}
            )
            if dependant.has_file:
                files += [n for n in rows.values_list("stored_file", flat=True) if n]
                documents += rows.delete()[1].get(dependant.model._meta.label, 0)
            else:
                blanked += rows.update(**dict.fromkeys(dependant.encrypted))
        blanked += _clear_case_references(person)
        # Apps that keep more about the person under other keys (safety's sealed facts) erase
        # it too, and name the files to delete.
        for config in apps.get_app_configs():
            hook = getattr(config, "erase_person_data", None)
            if hook is not None:
                files += hook(person)
        tokens = PersonToken.objects.filter(person=person).delete()[0]
        data_key_id = person.data_key_id
        ledger.remember(table=Person._meta.db_table, pk=person.pk, data_key_id=data_key_id)
        encrypted = [
            f.attname for f in Person._meta.concrete_fields if isinstance(f, EncryptedField)
        ]
        now = timezone.now()
        Person.objects.filter(pk=person.pk).update(
            data_key_wrapped=None, erased_at=now, updated_at=now, **dict.fromkeys(encrypted)
        )
        audit.record(
            "person.erased",
            organisation=person.organisation,
            actor=by,
            obj=person,
            request=request,
            data={
                "reason": reason,
                "data_key_id": data_key_id,
                "documents": documents,
                "rows_blanked": blanked,
            },
        )
        # Last, so that a failure above leaves the person readable and not half erased. The
        # files are useless without the share, but they go too.
        share_destroyed = destroy_data_key_share(data_key_id) if data_key_id else False
        for name in files:
            store.delete(name)
    return ErasureResult(str(person.pk), documents, len(files), blanked, tokens, share_destroyed)


def _clear_case_references(person: Person) -> int:
    """Blank the old spreadsheet reference of the person's cases: it could lead back to them."""
    if not apps.is_installed("panah.cases"):
        return 0
    case = apps.get_model("cases", "Case")
    # The keyed hash too: whoever knows the reference could find the case by it.
    return (
        case._base_manager.filter(person=person)
        .exclude(external_reference_index="")
        .update(external_reference=None, external_reference_index="")
    )
