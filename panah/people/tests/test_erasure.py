"""Erasing a person: crypto-shredding that reaches backups taken before, and keeps the counts."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.backup import ledger
from panah.core.crypto import DecryptionError
from panah.core.crypto.fields import decrypt_bytes, field_context
from panah.core.crypto.keys import (
    WrappedDataKey,
    clear_key_caches,
    open_data_key,
    share_path,
)
from panah.core.models import AuditEntry, Role
from panah.core.reauth import REAUTH_SESSION_KEY
from panah.people.erasure import (
    ErasureReason,
    dependants,
    encrypted_models,
    erase_person,
    own_key_holders,
)
from panah.people.models import Person, PersonDocument, PersonToken
from panah.people.services import add_document

from .conftest import reload

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def coordinator_a(org_a, make_member):
    return make_member(org_a, [Role.COORDINATOR], email="coordinator-a@example.org")


def reauthenticated(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def open_case_of(person, by=None):
    from panah.cases import services as cases

    with scope(organisation=person.organisation):
        case = cases.open_case(
            organisation=person.organisation,
            person=person,
            by=by,
            registered_on=dt.date.today() - dt.timedelta(days=30),
            external_reference="XLS-17",
        )
        cases.add_note(case=case, text="Fled after the arrest of her brother", by=by)
        cases.add_document(case=case, upload=PDF, by=by, description="Statement")
    return case


def erased_entries() -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action="person.erased"))


def test_erasure_needs_a_reason_from_the_list(make_person):
    person = make_person()
    for reason in ("", "because"):
        with pytest.raises(ValidationError) as refused:
            erase_person(person, by=None, reason=reason)
        assert refused.value.code == "reason"
    assert reload(person).family_name_latin == "Hosseini"
    assert erased_entries() == []


def test_erasure_destroys_the_key_share_tokens_documents_and_every_ciphertext(make_person, admin_a):
    person = make_person()
    with scope(organisation=person.organisation):
        document = add_document(
            person=person, kind="passport", by=None, document_number="K1234567", upload=PDF
        )
    case = open_case_of(person, by=admin_a)
    data_key_id = person.data_key_id
    assert share_path(data_key_id).exists()
    with scopes_disabled():
        case_file = case.documents.get().stored_file

    result = erase_person(person, by=admin_a, reason=ErasureReason.SUBJECT_REQUEST)

    assert (result.documents_deleted, result.files_deleted, result.share_destroyed) == (2, 2, True)
    assert not share_path(data_key_id).exists()
    from panah.core.crypto.files import EncryptedFileStore

    store = EncryptedFileStore()
    assert not store.path(document.stored_file).exists()
    assert not store.path(case_file).exists()
    with scopes_disabled():
        row = Person.objects.filter(pk=person.pk).values(
            "data_key_wrapped", "data_key_id", "given_name_latin", "address", "erased_at"
        )[0]
        assert row["data_key_wrapped"] is None and row["data_key_id"] == data_key_id
        assert (row["given_name_latin"], row["address"]) == ("", "")  # NULL reads as ""
        assert Person.objects.filter(
            pk=person.pk, given_name_latin__isnull=True, address__isnull=True
        ).exists()
        assert row["erased_at"] is not None
        assert PersonToken.objects.filter(person_id=person.pk).count() == 0
        assert PersonDocument.objects.filter(person_id=person.pk).count() == 0
        # Every dependant's ciphertext is gone from the live database too.
        for dependant in dependants():
            rows = dependant.model._base_manager.filter(**{dependant.lookup: person.pk})
            for column in dependant.encrypted:
                assert not rows.exclude(**{f"{column}__isnull": True}).exists(), column
        # The case stays (without its old spreadsheet reference), so counts survive.
        from panah.cases.models import Case

        assert Case.objects.filter(person_id=person.pk).count() == 1
        erased_case = Case.objects.get(pk=case.pk)
        assert (erased_case.external_reference, erased_case.external_reference_index) == ("", "")
        assert case.notes.count() == 1 and case.notes.get().text == ""


def test_an_erased_person_reads_as_an_empty_tombstone_and_cannot_be_erased_twice(make_person):
    person = make_person()
    erase_person(person, by=None, reason=ErasureReason.RETENTION_EXPIRED)
    clear_key_caches()
    again = reload(person)
    assert again.is_erased
    assert (again.given_name_latin, again.address, again.date_of_birth) == ("", "", None)
    assert again.name_latin == "Erased person" and again.name_fa == ""
    with pytest.raises(DecryptionError, match="its data was erased"):
        again.data_key()
    with pytest.raises(ValidationError) as refused:
        erase_person(again, by=None, reason=ErasureReason.RETENTION_EXPIRED)
    assert refused.value.code == "erased"


def test_the_erasure_is_audited_with_ids_and_the_reason_code_only(make_person, admin_a):
    person = make_person()
    erase_person(person, by=admin_a, reason=ErasureReason.CONSENT_WITHDRAWN)
    [entry] = erased_entries()
    assert entry.actor_id == admin_a.pk
    assert (entry.object_type, entry.object_id) == ("people.person", str(person.pk))
    assert entry.data == {
        "reason": "consent_withdrawn",
        "data_key_id": person.data_key_id,
        "documents": 0,
        "rows_blanked": 0,
    }


def test_the_erasure_is_written_to_the_backup_ledger(make_person):
    person = make_person()
    erase_person(person, by=None, reason=ErasureReason.SUBJECT_REQUEST)
    assert [(e.table, e.pk, e.data_key_id) for e in ledger.read()] == [
        ("people_person", str(person.pk), person.data_key_id)
    ]


def test_every_encrypted_model_is_reached_by_erasure():
    reached = {d.model for d in dependants()} | {Person} | set(own_key_holders())
    assert reached == set(encrypted_models())
    # Only records about no refugee may hold their own key outside a person's erasure.
    assert {m._meta.label for m in own_key_holders()} <= {"advocacy.Official"}


# --- A copy of the database taken before the erasure ------------------------------------------


def _person_rows(cursor) -> dict[uuid.UUID, tuple]:
    cursor.execute(
        "SELECT id, organisation_id, data_key_id, data_key_org_key_id, data_key_wrapped, "
        "family_name_latin FROM people_person"
    )
    return {uuid.UUID(str(r[0])): (r[1], r[2], r[3], r[4], r[5]) for r in cursor.fetchall()}


def _decrypt_family_name(pk: uuid.UUID, row: tuple) -> str:
    """Open a copied row with nothing but the master keyring, the share folder and the row."""
    org_id, data_key_id, org_key_id, wrapped, blob = row
    key = open_data_key(
        organisation_id=org_id,
        table="people_person",
        pk=pk,
        stored=WrappedDataKey(data_key_id, org_key_id, bytes(wrapped)),
    )
    context = field_context("people_person", "family_name_latin", pk)
    return decrypt_bytes(key, bytes(blob), context, where=str(pk)).decode()


# Transactional: SQLite's backup API cannot copy a database while a transaction is open.
@pytest.mark.django_db(transaction=True)
def test_a_database_copy_taken_before_the_erasure_no_longer_opens_the_person(make_person, tmp_path):
    narges = make_person()
    ali = make_person(given_name_latin="Ali", family_name_latin="Rezaei")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(tmp_path / "before-erasure.sqlite3")
        connection.connection.backup(copy)
        copy.close()
        with sqlite3.connect(tmp_path / "before-erasure.sqlite3") as db:
            before = _person_rows(db.cursor())
    else:
        # PostgreSQL: the rows as a dump would hold them, read before the erasure.
        with connection.cursor() as cursor:
            before = _person_rows(cursor)
    assert before[narges.pk][3] is not None  # the copy holds the wrapped key

    erase_person(narges, by=None, reason=ErasureReason.SUBJECT_REQUEST)
    clear_key_caches()  # a fresh process: nothing remembered from before

    with pytest.raises(DecryptionError) as failed:
        _decrypt_family_name(narges.pk, before[narges.pk])
    assert str(failed.value) == (
        f"The key share of people_person row {narges.pk} (data key {narges.data_key_id}) is "
        f"not in {share_path(narges.data_key_id).parent.parent}: the record was erased, or "
        "this is not the key share folder that belongs to this database."
    )
    assert _decrypt_family_name(ali.pk, before[ali.pk]) == "Rezaei"


@pytest.mark.django_db(transaction=True)
def test_restoring_the_old_rows_into_the_live_database_does_not_bring_the_person_back(
    make_person,
):
    person = make_person()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_key_wrapped, family_name_latin FROM people_person WHERE id = %s",
            [Person._meta.pk.get_db_prep_value(person.pk, connection)],
        )
        wrapped, name = cursor.fetchone()
    erase_person(person, by=None, reason=ErasureReason.SUBJECT_REQUEST)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person SET data_key_wrapped = %s, family_name_latin = %s, "
            "erased_at = NULL WHERE id = %s",
            [wrapped, name, Person._meta.pk.get_db_prep_value(person.pk, connection)],
        )
    clear_key_caches()
    with pytest.raises(DecryptionError, match="the record was erased"):
        _ = reload(person).family_name_latin


# --- The pages -----------------------------------------------------------------------------


def test_erasing_asks_for_re_authentication_first(make_person, coordinator_a, login_as):
    person = make_person()
    url = reverse("people:erase", args=[person.pk])
    response = login_as(coordinator_a).post(url, {"reason": "subject_request", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauthenticate"))
    assert not reload(person).is_erased


def test_a_caseworker_may_not_erase(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    client = reauthenticated(login_as(caseworker_a))
    response = client.post(
        reverse("people:erase", args=[person.pk]), {"reason": "subject_request", "confirm": "on"}
    )
    assert response.status_code == 403
    assert not reload(person).is_erased


def test_another_organisation_gets_a_404_not_a_re_authentication(make_person, admin_b, login_as):
    person = make_person()
    response = login_as(admin_b).get(reverse("people:erase", args=[person.pk]))
    assert response.status_code == 404


def test_the_confirmation_page_needs_a_reason_and_the_confirmation(
    make_person, coordinator_a, login_as
):
    person = make_person()
    client = reauthenticated(login_as(coordinator_a))
    url = reverse("people:erase", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Narges Hosseini" in page.content.decode()
    response = client.post(url, {"reason": "subject_request"})
    assert response.status_code == 200
    assert not reload(person).is_erased


def test_a_coordinator_erases_and_the_pages_then_say_so(make_person, coordinator_a, login_as):
    person = make_person()
    client = reauthenticated(login_as(coordinator_a))
    response = client.post(
        reverse("people:erase", args=[person.pk]), {"reason": "subject_request", "confirm": "on"}
    )
    assert response.status_code == 302
    assert reload(person).is_erased
    for name in ("people:detail", "people:edit", "people:erase"):
        page = client.get(reverse(name, args=[person.pk]))
        assert page.status_code == 410, name
        body = page.content.decode()
        assert "This person's data was erased" in body
        assert "Hosseini" not in body
    listing = client.get(reverse("people:list")).content.decode()
    assert "Narges" not in listing and "Erased person" not in listing
