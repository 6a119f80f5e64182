"""`panah audit verify` finds every altered, deleted or reordered entry, and passes a sound chain.

The tampering is done the way an intruder with database access would: raw SQL behind the
application's back.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.models import AuditEntry, AuditHead, Organisation

TABLE = AuditEntry._meta.db_table


def raw(sql: str, params: list | tuple = ()) -> None:
    """Run SQL on the audit table directly, as someone holding the database would."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)


def entries(org: Organisation) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(chain=audit.chain_name(org)).order_by("sequence"))


@pytest.fixture
def chain_a(org_a, admin_a) -> list[AuditEntry]:
    """Organisation A's chain with five entries, sequences 1 to 5."""
    for i in range(5):
        audit.record(
            "member.roles_changed",
            organisation=org_a,
            actor=admin_a,
            object_type="core.membership",
            object_id=100 + i,
            data={"roles": ["caseworker"], "n": i},
        )
    return entries(org_a)


def verify(*args: str) -> tuple[str, str]:
    """Run the command; returns (stdout, stderr). Raises CommandError when it fails."""
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def verify_fails(*args: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", *args, stdout=StringIO(), stderr=err, no_color=True)
    assert failure.value.returncode == 1
    return err.getvalue()


def test_an_intact_chain_verifies(chain_a, org_a):
    assert [e.sequence for e in chain_a] == [1, 2, 3, 4, 5]
    assert audit.verify_chain(audit.chain_name(org_a)) is None

    out, err = verify()

    assert f"org-{org_a.pk}: 5 entries verified" in out
    assert "intact" in out
    assert err == ""


def test_an_empty_database_verifies(db):
    out, _err = verify()

    assert "All 0 chain(s) intact: 0 entries" in out


def _another_time(e: AuditEntry) -> dt.datetime:
    return e.at - dt.timedelta(hours=1)


# How an intruder alters each column of the third entry, and which entry verify then names:
# the altered one, or (where the entry no longer sits at its place in the chain) the next one.
ALTERED = {
    "organisation": (lambda e, other: other["org"].pk, "altered"),
    "chain": (lambda e, other: "org-999", "next"),
    "sequence": (lambda e, other: 999, "next"),
    "at": (lambda e, other: _another_time(e), "altered"),
    "actor": (lambda e, other: other["member"].pk, "altered"),
    "action": (lambda e, other: "member.invited", "altered"),
    "object_type": (lambda e, other: "people.person", "altered"),
    "object_id": (lambda e, other: "999", "altered"),
    "ip": (lambda e, other: "10.0.0.9", "altered"),
    "user_agent": (lambda e, other: "curl/8.0", "altered"),
    "data": (lambda e, other: {"roles": ["admin"], "n": 2}, "altered"),
    "previous_hash": (lambda e, other: "f" * 64, "altered"),
    "entry_hash": (lambda e, other: "e" * 64, "altered"),
    "hash_version": (lambda e, other: 1, "altered"),
}


def test_every_column_of_an_entry_is_in_the_tamper_test():
    """A column added to the model and not covered by verify fails here until it is."""
    columns = {f.name for f in AuditEntry._meta.concrete_fields} - {"id"}

    assert columns == set(ALTERED)


@pytest.mark.parametrize("column", sorted(ALTERED))
def test_altering_any_column_of_one_row_names_that_entry(
    chain_a, org_a, org_b, caseworker_a, column
):
    third, fourth = chain_a[2], chain_a[3]
    alter, named = ALTERED[column]
    field = AuditEntry._meta.get_field(column)
    with scopes_disabled():
        AuditEntry.objects.filter(pk=third.pk).update(
            **{field.attname: alter(third, {"org": org_b, "member": caseworker_a})}
        )

    problem = audit.verify_chain(audit.chain_name(org_a))
    err = verify_fails()

    expected = (third.pk, 3) if named == "altered" else (fourth.pk, 4)
    assert (problem.entry_id, problem.sequence) == expected
    assert f"chain org-{org_a.pk}: entry id {expected[0]} (sequence {expected[1]}):" in err


def test_altering_the_time_or_the_member_is_found(chain_a, org_a, caseworker_a):
    second, fourth = chain_a[1], chain_a[3]
    earlier = connection.ops.adapt_datetimefield_value(second.at - dt.timedelta(hours=1))
    raw("UPDATE {table} SET at = %s WHERE id = %s", [earlier, second.pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    assert (problem.entry_id, problem.sequence) == (second.pk, 2)
    assert "altered" in problem.reason

    raw("UPDATE {table} SET at = %s WHERE id = %s", [second.at, second.pk])
    assert audit.verify_chain(audit.chain_name(org_a)) is None
    raw("UPDATE {table} SET actor_id = %s WHERE id = %s", [caseworker_a.pk, fourth.pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    assert (problem.entry_id, problem.sequence) == (fourth.pk, 4)


def test_altering_the_recorded_data_is_found(chain_a, org_a):
    with scopes_disabled():
        AuditEntry.objects.filter(pk=chain_a[0].pk).update(data={"roles": ["admin"], "n": 0})

    problem = audit.verify_chain(audit.chain_name(org_a))

    assert (problem.entry_id, problem.sequence) == (chain_a[0].pk, 1)


def test_deleting_a_middle_row_names_the_gap(chain_a, org_a):
    raw("DELETE FROM {table} WHERE id = %s", [chain_a[2].pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    err = verify_fails()

    assert (problem.entry_id, problem.sequence) == (chain_a[3].pk, 4)
    assert problem.reason == (
        "the entry with sequence 3 before it is missing: it was deleted, or entries were reordered"
    )
    assert f"entry id {chain_a[3].pk} (sequence 4)" in err


def test_deleting_the_first_row_is_found(chain_a, org_a):
    raw("DELETE FROM {table} WHERE id = %s", [chain_a[0].pk])

    problem = audit.verify_chain(audit.chain_name(org_a))

    assert (problem.entry_id, problem.sequence) == (chain_a[1].pk, 2)


def test_swapping_two_rows_sequences_is_found(chain_a, org_a):
    second, third = chain_a[1], chain_a[2]
    # Three steps, because (chain, sequence) is unique.
    raw("UPDATE {table} SET sequence = 999 WHERE id = %s", [second.pk])
    raw("UPDATE {table} SET sequence = 2 WHERE id = %s", [third.pk])
    raw("UPDATE {table} SET sequence = 3 WHERE id = %s", [second.pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    err = verify_fails()

    # The entry now in second place does not follow the first one.
    assert (problem.entry_id, problem.sequence) == (third.pk, 2)
    assert "reordered" in problem.reason
    assert f"entry id {third.pk} (sequence 2)" in err


def test_deleting_the_last_row_is_found_from_the_head(chain_a, org_a):
    raw("DELETE FROM {table} WHERE id = %s", [chain_a[4].pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    err = verify_fails()

    assert (problem.entry_id, problem.sequence) == (None, 5)
    assert problem.reason == "entries 5 to 5 are missing at the end of the chain (deleted)"
    assert f"chain org-{org_a.pk}: the chain's head (sequence 5)" in err


def test_deleting_the_head_record_is_found(chain_a, org_a):
    AuditHead.objects.filter(chain=audit.chain_name(org_a)).delete()

    problem = audit.verify_chain(audit.chain_name(org_a))

    assert problem.reason == "the chain's head record is missing (deleted)"


def test_rewriting_the_chain_without_the_secret_key_is_found(chain_a, org_a):
    """The intruder alters an entry and recomputes every later hash, but lacks the HMAC key."""
    chain = audit.chain_name(org_a)
    guessed_key = b"the intruder does not know SECRET_KEY"
    previous = chain_a[1].entry_hash
    for e in chain_a[2:]:
        action = "member.invited" if e.sequence == 3 else e.action
        digest = audit.entry_digest(
            previous_hash=previous, chain=chain, sequence=e.sequence, at=audit._at_text(e.at),
            actor_id=e.actor_id, action=action, object_type=e.object_type,
            object_id=e.object_id, ip=e.ip, user_agent=e.user_agent, data=e.data,
            key=guessed_key,
        )  # fmt: skip
        raw(
            "UPDATE {table} SET action = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
            [action, previous, digest, e.pk],
        )
        previous = digest
    AuditHead.objects.filter(chain=chain).update(last_hash=previous)

    problem = audit.verify_chain(chain)

    assert (problem.entry_id, problem.sequence) == (chain_a[2].pk, 3)
    assert "altered" in problem.reason


def test_a_chain_written_under_an_earlier_secret_key_verifies_while_it_is_kept(
    settings, org_a, admin_a
):
    settings.SECRET_KEY = "the old secret key, long enough for this test 0123456789"
    audit.record("organisation.created", organisation=org_a, actor=admin_a, obj=org_a)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "the new secret key, long enough for this test 9876543210"
    audit.record("member.invited", organisation=org_a, actor=admin_a)
    chain = audit.chain_name(org_a)

    settings.SECRET_KEY_FALLBACKS = [old]
    assert audit.verify_chain(chain) is None

    settings.SECRET_KEY_FALLBACKS = []
    problem = audit.verify_chain(chain)
    assert problem.sequence == 1
    assert problem.reason == (
        "its content was altered (or the secret key it was written under is gone)"
    )


def test_only_the_named_organisation_is_verified(chain_a, org_a, org_b, admin_b):
    audit.record("organisation.created", organisation=org_b, actor=admin_b, obj=org_b)
    raw("DELETE FROM {table} WHERE id = %s", [chain_a[2].pk])

    out, _err = verify("--organisation", "org-b")
    assert out.startswith(f"org-{org_b.pk}: 1 entries verified")
    verify_fails("--organisation", "org-a")
    verify_fails()


def test_an_unknown_organisation_is_refused_by_name(db):
    with pytest.raises(CommandError, match="No organisation has the slug 'nope'."):
        verify("--organisation", "nope")


def test_long_chains_report_their_progress(chain_a, org_a):
    seen: list[int] = []

    assert (
        audit.verify_chain(audit.chain_name(org_a), progress=seen.append, progress_every=2) is None
    )
    assert seen == [2, 4]


def test_an_ipv6_address_is_stored_as_it_was_hashed(org_a, admin_a):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0:0:0:0:1")
    request.user = admin_a

    entry = audit.record("member.invited", organisation=org_a, request=request)

    entry.refresh_from_db()
    assert entry.ip == "2001:db8::1"
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_the_anchor_file_finds_a_chain_cut_back_with_its_head(chain_a, org_a, tmp_path):
    anchor = tmp_path / "heads.json"
    chain = audit.chain_name(org_a)
    out, _err = verify("--anchor", str(anchor))
    assert json.loads(anchor.read_text()) == {chain: [5, chain_a[4].entry_hash]}
    assert "Chain heads remembered" in out

    # The intruder deletes the newest entry and sets the head back: the chain alone looks sound.
    raw("DELETE FROM {table} WHERE id = %s", [chain_a[4].pk])
    AuditHead.objects.filter(chain=chain).update(sequence=4, last_hash=chain_a[3].entry_hash)
    assert audit.verify_chain(chain) is None

    err = verify_fails("--anchor", str(anchor))

    assert (
        f"chain {chain}: the chain's head (sequence 5): the entry remembered in the anchor file"
        " is gone: the chain was cut back" in err
    )
    assert json.loads(anchor.read_text()) == {chain: [5, chain_a[4].entry_hash]}


def test_an_anchor_file_that_is_not_json_is_refused_clearly(db, tmp_path):
    anchor = tmp_path / "heads.json"
    anchor.write_text("not json")

    with pytest.raises(CommandError, match="cannot be read"):
        verify("--anchor", str(anchor))


@pytest.mark.parametrize("key", [b"", b"k" * 32, b"k" * 64, b"k" * 100])
def test_the_keyed_hash_is_hmac_sha256_of_the_previous_hash_and_the_body(key):
    import hashlib
    import hmac

    body = '["org-1",1,"2026-01-01T00:00:00+00:00",null,"x","","","",""]'

    assert (
        audit._keyed(key)("0" * 64, body)
        == hmac.new(key, f"{'0' * 64}|{body}".encode(), hashlib.sha256).hexdigest()
    )


def test_the_canonical_form_is_sorted_compact_json():
    values = [
        "org-1", 12, "2026-01-01T00:00:00+00:00", None, 'say "hi"\n', "people.person",
        "٤٢", "::1", "Mozilla/5.0 — پناه", {"b": [1, 2.5, True], "a": {"z": None, "y": "\u0007"}},
    ]  # fmt: skip

    assert audit._canonical(*values) == json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
