"""Personal fields are encrypted in the database and read back in clear only through the model."""

import datetime as dt

import pytest
from django.db import connection
from django_scopes import scope

from panah.core.crypto import DecryptionError
from panah.core.crypto.errors import PlaintextWriteError
from panah.core.crypto.fields import Sealed
from panah.core.models import OrganisationKey
from panah.people.models import Person

from .conftest import NARGES, reload


def raw(table: str, column: str, pk) -> bytes | None:
    with connection.cursor() as cursor:
        pk = pk.hex if connection.vendor == "sqlite" else pk
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        value = cursor.fetchone()[0]
    return None if value is None else bytes(value)


def test_every_personal_field_reads_back_as_written(make_person):
    person = reload(make_person())
    for name, value in NARGES.items():
        assert getattr(person, name) == value, name
    assert person.name_latin == "Narges Hosseini"
    assert person.name_fa == "نرگس حسینی"
    assert person.language_names == ["Persian", "French"]


def test_the_database_holds_versioned_ciphertext_not_the_value(make_person):
    person = make_person()
    blob = raw("people_person", "family_name_latin", person.pk)
    assert blob[0] == 1
    assert blob[1:9] == bytes.fromhex(person.data_key_id)
    assert b"Hosseini" not in blob
    assert len(blob) == 1 + 8 + 12 + 16 + 16  # one padded block and the tag


def test_empty_values_are_stored_as_null(make_person):
    person = make_person(given_name_latin="Reza")
    assert raw("people_person", "family_name_latin", person.pk) is None
    assert raw("people_person", "date_of_birth", person.pk) is None
    again = reload(person)
    assert again.family_name_latin == ""
    assert again.date_of_birth is None


def test_each_person_has_a_data_key_wrapped_by_the_organisation_key(make_person, org_a):
    first, second = make_person(), make_person()
    org_key = OrganisationKey.objects.get(organisation=org_a)
    assert first.data_key_org_key_id == second.data_key_org_key_id == org_key.key_id
    assert first.data_key_id != second.data_key_id
    assert bytes(first.data_key_wrapped) != bytes(second.data_key_wrapped)


def test_an_unchanged_field_keeps_its_ciphertext_when_saved(make_person):
    person = reload(make_person())
    before = raw("people_person", "phone", person.pk)
    assert person.phone == "+32 470 12 34 56"
    person.address = "Boulevard Anspach 1, 1000 Bruxelles"
    person.save()
    assert raw("people_person", "phone", person.pk) == before
    assert reload(person).address == "Boulevard Anspach 1, 1000 Bruxelles"


def test_encrypted_fields_cannot_be_filtered_or_updated_with_plaintext(make_person, org_a):
    make_person()
    with scope(organisation=org_a):
        with pytest.raises(PlaintextWriteError, match="searched only through the blind index"):
            list(Person.objects.filter(family_name_latin="Hosseini"))
        with pytest.raises(PlaintextWriteError):
            Person.objects.update(phone="+32 000")


def test_values_queries_give_sealed_values_that_refuse_to_print(make_person, org_a):
    make_person()
    with scope(organisation=org_a):
        value = Person.objects.values_list("family_name_latin", flat=True).get()
    assert isinstance(value, Sealed)
    assert repr(value).startswith("<Sealed ")
    with pytest.raises(DecryptionError, match="about to be shown without decryption"):
        str(value)


def test_wrong_types_are_refused_before_anything_is_written(make_person):
    person = reload(make_person())
    person.date_of_birth = dt.datetime(1988, 3, 21, 10, 0)
    with pytest.raises(PlaintextWriteError, match="takes a date, not datetime"):
        person.save()


def test_deferred_encrypted_fields_load_and_decrypt(make_person, org_a):
    person = make_person()
    with scope(organisation=org_a):
        partial = Person.objects.only("id", "organisation_id").get(pk=person.pk)
        assert partial.address == NARGES["address"]
