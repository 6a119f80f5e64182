"""Altered, moved or misread ciphertext fails loudly, names the place, and is never re-saved."""

import json

import pytest
from django.db import connection, transaction
from django_scopes import scope

from panah.core.crypto import DecryptionError, MasterKeyError
from panah.core.crypto.keys import clear_key_caches, current_keyring, new_master_key, write_keyring
from panah.people.models import Person

from .conftest import reload


def _pk(pk):
    return pk.hex if connection.vendor == "sqlite" else pk


def read_raw(column: str, pk) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM people_person WHERE id = %s", [_pk(pk)])  # noqa: S608
        return bytes(cursor.fetchone()[0])


def write_raw(column: str, pk, value: bytes) -> None:
    with connection.cursor() as cursor:
        sql = f"UPDATE people_person SET {column} = %s WHERE id = %s"  # noqa: S608
        cursor.execute(sql, [value, _pk(pk)])


def test_a_ciphertext_copied_from_another_person_fails_and_names_the_row(make_person):
    first, second = make_person(), make_person(family_name_latin="Rezaei", given_name_latin="Ali")
    write_raw("family_name_latin", second.pk, read_raw("family_name_latin", first.pk))
    with pytest.raises(DecryptionError) as exc:
        reload(second).family_name_latin  # noqa: B018
    assert str(exc.value) == (
        f"people_person.family_name_latin of row {second.pk} was encrypted under data key "
        f"{first.data_key_id}, but its owner holds {second.data_key_id}: it was copied from "
        "another record."
    )


def test_a_ciphertext_copied_into_another_column_fails(make_person):
    person = make_person()
    write_raw("given_name_latin", person.pk, read_raw("family_name_latin", person.pk))
    again = reload(person)
    assert again.family_name_latin == "Hosseini"
    with pytest.raises(DecryptionError) as exc:
        again.given_name_latin  # noqa: B018
    assert str(exc.value) == (
        f"people_person.given_name_latin of row {person.pk} does not decrypt: it was altered, "
        "or copied from another row or column."
    )


def test_a_flipped_byte_fails(make_person):
    person = make_person()
    blob = bytearray(read_raw("address", person.pk))
    blob[-5] ^= 0x01
    write_raw("address", person.pk, bytes(blob))
    with pytest.raises(DecryptionError, match="address of row .* does not decrypt"):
        reload(person).address  # noqa: B018


def test_a_damaged_value_is_never_saved_back(make_person):
    person = make_person()
    blob = bytearray(read_raw("phone", person.pk))
    blob[20] ^= 0xFF
    write_raw("phone", person.pk, bytes(blob))
    again = reload(person)
    again.address = "Somewhere else 1"
    with pytest.raises(DecryptionError, match="phone of row"), transaction.atomic():
        again.save()
    assert read_raw("phone", person.pk) == bytes(blob)


def test_a_wrapped_data_key_copied_to_another_person_fails(make_person):
    first, second = make_person(), make_person()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person SET data_key_wrapped = %s, data_key_id = %s WHERE id = %s",
            [bytes(first.data_key_wrapped), first.data_key_id, _pk(second.pk)],
        )
    with pytest.raises(DecryptionError) as exc:
        reload(second).family_name_latin  # noqa: B018
    assert str(exc.value) == (
        f"The data key of people_person row {second.pk} does not open with organisation key "
        f"{first.data_key_org_key_id}: it was altered or copied from another row."
    )


def test_the_wrong_master_key_is_a_clear_error(settings, make_person):
    person = make_person()
    keyring = current_keyring()
    # Same key id, different key material: someone deployed another machine's keyring.
    impostor = new_master_key()
    write_keyring(
        settings.MASTER_KEY_FILE,
        (type(impostor)(keyring.active.key_id, impostor.created, impostor.material),),
    )
    clear_key_caches()
    with pytest.raises(DecryptionError) as exc:
        reload(person).family_name_latin  # noqa: B018
    assert str(exc.value) == (
        f"Organisation key {person.data_key_org_key_id} does not open with master key "
        f"{keyring.active.key_id} from {settings.MASTER_KEY_FILE}: the keyring file is not the "
        "one this database was written with, or the key row was altered."
    )


def test_a_keyring_without_the_needed_master_key_is_named(settings, make_person):
    person = make_person()
    old_id = current_keyring().active.key_id
    write_keyring(settings.MASTER_KEY_FILE, (new_master_key(),))
    clear_key_caches()
    with pytest.raises(MasterKeyError, match=f"does not hold master key '{old_id}'"):
        reload(person).family_name_latin  # noqa: B018


def test_a_missing_key_file_in_production_is_a_clear_error(settings, tmp_path, make_person):
    person = make_person()
    settings.DEMO = False
    settings.MASTER_KEY_FILE = str(tmp_path / "gone.key")
    clear_key_caches()
    with pytest.raises(MasterKeyError) as exc:
        reload(person).family_name_latin  # noqa: B018
    assert str(exc.value).startswith(f"The master key file {tmp_path / 'gone.key'} does not exist.")


def test_a_keyring_edited_into_nonsense_is_a_clear_error(settings, make_person):
    person = make_person()
    with open(settings.MASTER_KEY_FILE, "w") as fh:
        json.dump({"format": "panah-master-keyring", "version": 1, "keys": "oops"}, fh)
    clear_key_caches()
    with pytest.raises(MasterKeyError, match="is not a valid Panah keyring: it holds no keys"):
        reload(person).family_name_latin  # noqa: B018


def test_an_erased_data_key_makes_the_fields_unreadable(make_person, org_a):
    person = make_person()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person SET data_key_wrapped = NULL WHERE id = %s", [_pk(person.pk)]
        )
    with scope(organisation=org_a):
        again = Person.objects.get(pk=person.pk)
    with pytest.raises(DecryptionError, match="has no data key: its data was erased"):
        again.family_name_latin  # noqa: B018
