"""`panah keys rotate`: rewrapping only; old data opens, old copies open with the old key only."""

import io
import sqlite3
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command
from django.db import connection
from django_scopes import scope

from panah.core.crypto import MasterKeyError
from panah.core.crypto.fields import decrypt_bytes, field_context
from panah.core.crypto.keys import (
    clear_key_caches,
    current_keyring,
    data_key_aad,
    data_key_from_unwrapped,
    read_keyring,
    unseal,
    unwrap_organisation_key,
    write_keyring,
)
from panah.core.models import OrganisationKey
from panah.people.models import Person
from panah.people.queries import search_people

from .conftest import reload


def keys(*args) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def copy_of_database(tmp_path):
    """A copy of the key and person tables as they are now (a real file copy on SQLite)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(tmp_path / "copy.sqlite3")
        connection.connection.backup(copy)
        source = copy.cursor()
    else:
        source = connection.cursor()
    source.execute(
        "SELECT organisation_id, key_id, master_key_id, wrapped_key FROM core_organisationkey"
    )
    org_keys = {row[1]: row for row in source.fetchall()}
    source.execute(
        "SELECT id, organisation_id, data_key_id, data_key_org_key_id, data_key_wrapped, "
        "family_name_latin FROM people_person"
    )
    people = [(uuid.UUID(str(r[0])), r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in source]
    return org_keys, people


def read_names_from_copy(copy, keyring) -> list[str]:
    """Decrypt every family name in the copy with nothing but `keyring` and the copied rows."""
    org_keys, people = copy
    names = []
    for pk, org_id, data_key_id, org_key_id, wrapped, blob in people:
        _, _, master_key_id, wrapped_org_key = org_keys[org_key_id]
        org_key = unwrap_organisation_key(
            keyring,
            organisation_id=org_id,
            key_id=org_key_id,
            master_key_id=master_key_id,
            wrapped=bytes(wrapped_org_key),
        )
        aad = data_key_aad(
            organisation_id=org_id,
            table="people_person",
            pk=pk,
            data_key_id=data_key_id,
            org_key_id=org_key_id,
        )
        data_key = data_key_from_unwrapped(
            unseal(AESGCM(org_key), wrapped, aad), data_key_id, table="people_person", pk=pk
        )
        context = field_context("people_person", "family_name_latin", pk)
        names.append(decrypt_bytes(data_key, blob, context, where=str(pk)).decode())
    return names


def keyring_file(path, keys_) -> str:
    write_keyring(path, tuple(keys_))
    return str(path)


def test_data_written_before_a_master_rotation_still_decrypts(make_person):
    person = make_person()
    old = current_keyring().active
    output = keys("rotate", "--master")
    new = current_keyring(refresh=True).active
    assert new.key_id != old.key_id
    assert f"Master key rotated: {old.key_id} -> {new.key_id}, 1 organisation key(s)" in output
    assert OrganisationKey.objects.get().master_key_id == new.key_id
    clear_key_caches()
    assert reload(person).family_name_latin == "Hosseini"


# Transactional: SQLite's backup API cannot copy a database while a transaction is open.
@pytest.mark.django_db(transaction=True)
def test_a_copy_taken_before_rotation_opens_with_the_old_master_key_only(
    make_person, settings, tmp_path
):
    make_person()
    make_person(family_name_latin="Rezaei", given_name_latin="Ali")
    old = current_keyring().active
    copy = copy_of_database(tmp_path)
    keys("rotate")  # master and organisation keys
    new = current_keyring(refresh=True).active

    only_old = read_keyring(keyring_file(tmp_path / "old-only.key", [old]))
    only_new = read_keyring(keyring_file(tmp_path / "new-only.key", [new]))
    assert sorted(read_names_from_copy(copy, only_old)) == ["Hosseini", "Rezaei"]
    with pytest.raises(MasterKeyError, match=f"does not hold master key '{old.key_id}'"):
        read_names_from_copy(copy, only_new)

    # And the database as it is now needs the new master key only.
    (tmp_path / "now").mkdir()
    assert sorted(read_names_from_copy(copy_of_database(tmp_path / "now"), only_new)) == [
        "Hosseini",
        "Rezaei",
    ]
    settings.MASTER_KEY_FILE = only_new.path
    clear_key_caches()
    with scope(organisation=Person.objects.with_scopes_disabled().first().organisation):
        assert sorted(p.family_name_latin for p in Person.objects.all()) == ["Hosseini", "Rezaei"]


def test_an_organisation_key_rotation_rewraps_data_keys_and_keeps_search_working(
    make_person, org_a
):
    before = make_person()
    old_key = OrganisationKey.objects.get(organisation=org_a)
    output = keys("rotate", "--organisation-keys")
    new_key = OrganisationKey.objects.get(organisation=org_a, retired_at__isnull=True)
    assert new_key.key_id != old_key.key_id
    assert f"org-a: organisation key {old_key.key_id} -> {new_key.key_id}, 1 data key(s)" in output
    clear_key_caches()
    again = reload(before)
    assert again.data_key_org_key_id == new_key.key_id
    assert again.data_key_id == before.data_key_id  # the same data key, rewrapped
    assert again.family_name_latin == "Hosseini"

    after = make_person(given_name_latin="Sara", family_name_latin="Hosseini")
    assert after.data_key_org_key_id == new_key.key_id
    with scope(organisation=org_a):
        assert set(search_people(org_a, "Hosseini")) == {before, after}


def test_status_lists_the_keys_and_what_they_wrap(make_person, org_a):
    make_person()
    master = current_keyring().active
    org_key = OrganisationKey.objects.get(organisation=org_a)
    output = keys("status")
    assert f"master active {master.key_id}" in output
    assert "wraps 1 organisation key(s)" in output
    assert f"org-a: {org_key.key_id} active under {master.key_id}; wraps 1 people.person" in output
    assert 'key":' not in output and master.material.hex() not in output


def test_rotation_with_a_missing_keyring_stops_with_the_reason(settings, tmp_path, org_a):
    settings.DEMO = False
    settings.MASTER_KEY_FILE = str(tmp_path / "absent.key")
    clear_key_caches()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="absent.key does not exist"):
        keys("rotate", "--master")
