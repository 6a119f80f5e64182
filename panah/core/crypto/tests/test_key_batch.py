"""keys.batch(): many new data keys in one transaction (an import) without a lookup per key."""

import os
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from panah.core.crypto import keys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_key_caches(settings, tmp_path):
    settings.DATA_KEY_SHARES_DIR = str(tmp_path / "shares")
    keys.clear_key_caches()
    yield
    keys.clear_key_caches()


def new_key(org) -> keys.WrappedDataKey:
    stored, _key = keys.new_data_key(organisation_id=org.pk, table="people_person", pk=uuid.uuid4())
    return stored


def test_the_active_key_is_read_once_and_locked_for_the_transaction(org_a):
    first = new_key(org_a)  # creates the organisation's key
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), keys.batch(org_a.pk):
        made = [new_key(org_a) for _ in range(5)]
    reads = [q["sql"] for q in queries if 'FROM "core_organisationkey"' in q["sql"]]
    assert len(reads) == 1
    if connection.vendor == "postgresql":  # SQLite has no row locks: its writer holds the file
        assert "FOR UPDATE" in reads[0]
    assert {k.org_key_id for k in made} == {first.org_key_id}


def test_outside_a_batch_each_new_key_reads_the_active_key(org_a):
    new_key(org_a)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            new_key(org_a)
    assert sum('FROM "core_organisationkey"' in q["sql"] for q in queries) == 3


def test_shares_are_synced_together_before_the_block_ends(org_a, monkeypatch):
    new_key(org_a)
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))  # the file's path (Linux)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with transaction.atomic(), keys.batch(org_a.pk):
        made = [new_key(org_a) for _ in range(3)]
        assert synced == []
    shares = {str(keys.share_path(k.data_key_id)) for k in made}
    assert shares <= set(synced)
    assert str(keys.shares_dir()) in synced  # and the folders that list them


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused(org_a):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"), keys.batch(org_a.pk):
        pass
