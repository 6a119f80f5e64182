"""audit.batch(): many entries in one transaction, the chain's head written once, no gap ever."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def note(org, n: int) -> None:
    audit.record("test.noted", organisation=org, data={"n": n})


def sequences(org) -> list[int]:
    with scopes_disabled():
        entries = AuditEntry.objects.filter(chain=audit.chain_name(org)).order_by("sequence")
        return list(entries.values_list("sequence", flat=True))


def head(org) -> tuple[int, str]:
    with scopes_disabled():
        row = AuditHead.objects.get(chain=audit.chain_name(org))
    return row.sequence, row.last_hash


def test_a_batch_writes_the_head_once_and_the_chain_verifies(org_a):
    note(org_a, 0)
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit.batch(org_a):
        for n in range(1, 6):
            note(org_a, n)
    updates = [q for q in queries if q["sql"].startswith('UPDATE "core_audithead"')]
    assert len(updates) == 1
    assert sequences(org_a) == [1, 2, 3, 4, 5, 6]
    assert head(org_a)[0] == 6
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_an_entry_rolled_back_inside_a_batch_leaves_no_gap(org_a):
    with transaction.atomic(), audit.batch(org_a):
        note(org_a, 1)
        with pytest.raises(ValueError), transaction.atomic():  # an import's failed row
            note(org_a, 2)
            raise ValueError
        note(org_a, 3)
    assert sequences(org_a) == [1, 2]  # note 3 took the place of the rolled-back note 2
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_a_failed_batch_whose_error_is_caught_still_leaves_a_true_head(org_a):
    with transaction.atomic():
        with pytest.raises(ValueError), audit.batch(org_a):
            note(org_a, 1)
            raise ValueError
        note(org_a, 2)  # the caller goes on and commits
    assert head(org_a)[0] == 2
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_other_chains_are_appended_as_usual_inside_a_batch(org_a, org_b):
    with transaction.atomic(), audit.batch(org_a):
        note(org_a, 1)
        note(org_b, 1)
        note(org_a, 2)
    for org in (org_a, org_b):
        assert audit.verify_chain(audit.chain_name(org)) is None
    assert head(org_a)[0] == 2 and head(org_b)[0] == 1


def test_a_deleted_entry_still_shows_after_a_batch(org_a):
    """The head read at the start is the authority: a batch does not close a gap."""
    note(org_a, 1)
    note(org_a, 2)
    with scopes_disabled():
        AuditEntry.objects.filter(chain=audit.chain_name(org_a), sequence=2).delete()
    with transaction.atomic(), audit.batch(org_a):
        note(org_a, 3)
    problem = audit.verify_chain(audit.chain_name(org_a))
    assert problem is not None and problem.sequence == 3


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused(org_a):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"), audit.batch(org_a):
        pass
