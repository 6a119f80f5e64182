"""An organisation's temporary files: encrypted under its key, bound to it, swept when stale."""

import os
import stat
import time

import pytest

from panah.core.crypto import DecryptionError
from panah.core.crypto.files import TemporaryFile, TemporaryFileStore
from panah.core.crypto.keys import clear_key_caches
from panah.core.crypto.rotation import rotate_organisation_key
from panah.core.models import OrganisationKey

pytestmark = pytest.mark.django_db

CONTENT = b"source_reference,name_as_written\nR-1,Zahra Kazemi-Tabrizi\n"


@pytest.fixture
def store(tmp_path) -> TemporaryFileStore:
    return TemporaryFileStore(tmp_path / "temporary", purpose="evidence-upload")


def on_disk(store: TemporaryFileStore, kept: TemporaryFile):
    return store.files.path(kept.name)


def test_a_file_is_kept_encrypted_under_a_random_name_and_reads_back(store, org_a):
    kept = store.save(CONTENT, organisation_id=org_a.pk)

    path = on_disk(store, kept)
    raw = path.read_bytes()
    assert b"Zahra" not in raw and b"name_as_written" not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert kept.org_key_id == OrganisationKey.objects.get(organisation=org_a).key_id
    clear_key_caches()  # read back as another process would: the key comes from the database
    assert store.open(kept, organisation_id=org_a.pk) == CONTENT


def test_another_organisation_cannot_open_it(store, org_a, org_b):
    kept = store.save(CONTENT, organisation_id=org_a.pk)
    store.save(b"b", organisation_id=org_b.pk)  # organisation B has a key of its own

    with pytest.raises(DecryptionError):
        store.open(kept, organisation_id=org_b.pk)


def test_a_file_renamed_or_read_for_another_purpose_does_not_decrypt(store, org_a, tmp_path):
    kept = store.save(CONTENT, organisation_id=org_a.pk)
    other = store.save(b"other", organisation_id=org_a.pk)
    os.replace(on_disk(store, kept), on_disk(store, other))

    with pytest.raises(DecryptionError):
        store.open(other, organisation_id=org_a.pk)
    elsewhere = TemporaryFileStore(store.files.location, purpose="something-else")
    third = store.save(CONTENT, organisation_id=org_a.pk)
    with pytest.raises(DecryptionError):
        elsewhere.open(third, organisation_id=org_a.pk)


def test_an_altered_file_does_not_decrypt(store, org_a):
    kept = store.save(CONTENT, organisation_id=org_a.pk)
    path = on_disk(store, kept)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))

    with pytest.raises(DecryptionError):
        store.open(kept, organisation_id=org_a.pk)


def test_a_file_written_before_a_key_rotation_still_opens(store, org_a):
    kept = store.save(CONTENT, organisation_id=org_a.pk)

    rotate_organisation_key(org_a)
    clear_key_caches()

    assert store.open(kept, organisation_id=org_a.pk) == CONTENT
    assert store.save(b"x", organisation_id=org_a.pk).org_key_id != kept.org_key_id


def test_only_stale_files_are_swept(store, org_a):
    old = store.save(b"old", organisation_id=org_a.pk)
    fresh = store.save(b"fresh", organisation_id=org_a.pk)
    a_day_ago = time.time() - 24 * 3600 - 1
    os.utime(on_disk(store, old), (a_day_ago, a_day_ago))

    result = store.remove_expired(max_age_seconds=24 * 3600)

    assert [f.path.name for f in result.removed] == [old.name]
    assert result.kept_young == 1

    assert not store.exists(old.name)
    assert store.exists(fresh.name)


def test_delete_and_exists(store, org_a):
    kept = store.save(CONTENT, organisation_id=org_a.pk)
    assert store.exists(kept.name)

    store.delete(kept.name)
    store.delete(kept.name)  # already gone: nothing happens

    assert not store.exists(kept.name)
    assert not store.exists("../../etc/passwd")


def test_a_purpose_is_a_plain_name(tmp_path):
    with pytest.raises(ValueError):
        TemporaryFileStore(tmp_path, purpose="../uploads")
