"""What an intruder with write access to the database tries on the audit trail, beyond one
altered column: moving entries to another organisation, deleting a whole chain with its head,
rewriting members' reads; and reads that must not wait for a writer of their organisation.

The tampering is raw SQL behind the application's back, as in test_audit_verify.
"""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.core import audit, services
from panah.core.models import AuditEntry, AuditHead, Organisation, Role, User

from .test_audit_verify import entries, raw, verify, verify_fails


@pytest.fixture
def chain_a(org_a, admin_a) -> list[AuditEntry]:
    """Organisation A's chain of writes with five entries, sequences 1 to 5."""
    for i in range(5):
        audit.record(
            "member.roles_changed", organisation=org_a, actor=admin_a,
            object_type="core.membership", object_id=100 + i, data={"n": i},
        )  # fmt: skip
    return entries(org_a)


def reads_of(org: Organisation, member: User, n: int) -> list[AuditEntry]:
    return [
        audit.record_read(
            "person.viewed",
            organisation=org,
            actor=member,
            object_type="people.person",
            object_id=f"{member.pk}-{i}",
        )
        for i in range(1, n + 1)
    ]


def chain_of(name: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(chain=name).order_by("sequence"))


def append_v1(org: Organisation, action: str, object_id: str) -> AuditEntry:
    """An entry as Panah wrote them before canonical form 2: its organisation outside the hash."""
    chain = audit.chain_name(org)
    head, _ = AuditHead.objects.get_or_create(
        chain=chain, defaults={"sequence": 0, "last_hash": audit.GENESIS}
    )
    at = timezone.now().replace(microsecond=0)
    sequence = head.sequence + 1
    digest = audit.entry_digest(
        previous_hash=head.last_hash, chain=chain, sequence=sequence, at=audit._at_text(at),
        actor_id=None, action=action, object_type="people.person", object_id=object_id,
        ip=None, user_agent="", data={},
    )  # fmt: skip
    with scopes_disabled():
        entry = AuditEntry.objects.create(
            organisation=org, chain=chain, sequence=sequence, at=at, action=action,
            object_type="people.person", object_id=object_id, data={},
            previous_hash=head.last_hash, entry_hash=digest,
        )  # fmt: skip
    AuditHead.objects.filter(chain=chain).update(sequence=sequence, last_hash=digest)
    return entry


# --- moved to another organisation (M4) ---------------------------------------------------------


def test_an_entry_moved_to_another_organisation_is_named(chain_a, org_a, org_b, admin_b):
    audit.record("organisation.created", organisation=org_b, actor=admin_b, obj=org_b)
    verify()
    moved = chain_a[2]

    raw("UPDATE {table} SET organisation_id = %s WHERE id = %s", [org_b.pk, moved.pk])

    err = verify_fails()
    assert (
        f"chain org-{org_a.pk}: entry id {moved.pk} (sequence 3): it was moved to another"
        " organisation or member than its chain's" in err
    )
    with scope(organisation=org_b):  # where the intruder wanted it seen (or not seen)
        assert AuditEntry.objects.filter(pk=moved.pk).exists()


def test_an_entry_written_before_form_2_moved_to_another_organisation_is_named(
    org_a, org_b, admin_a
):
    """Old entries' hashes leave the organisation out; their chain's name still says it."""
    old = [append_v1(org_a, "person.updated", str(i)) for i in range(3)]
    audit.record("member.invited", organisation=org_a, actor=admin_a)  # form 2, after them
    audit.record("organisation.created", organisation=org_b, obj=org_b)
    assert [e.hash_version for e in entries(org_a)] == [1, 1, 1, 2]
    verify()

    raw("UPDATE {table} SET organisation_id = %s WHERE id = %s", [org_b.pk, old[1].pk])

    problem = audit.verify_chain(audit.chain_name(org_a))
    assert (problem.entry_id, problem.sequence) == (old[1].pk, 2)
    assert "moved to another organisation" in problem.reason


def test_a_read_moved_to_another_organisation_or_member_is_named(
    org_a, org_b, admin_a, admin_b, caseworker_a
):
    audit.record("organisation.created", organisation=org_a, obj=org_a)
    audit.record("organisation.created", organisation=org_b, obj=org_b)
    first, second = reads_of(org_a, caseworker_a, 2)
    reads = audit.read_chain_name(org_a, caseworker_a.pk)

    raw("UPDATE {table} SET organisation_id = %s WHERE id = %s", [org_b.pk, second.pk])
    assert "moved" in audit.verify_chain(reads).reason
    raw("UPDATE {table} SET organisation_id = %s, actor_id = %s WHERE id = %s",
        [org_a.pk, admin_a.pk, second.pk])  # fmt: skip

    problem = audit.verify_chain(reads)
    err = verify_fails()

    assert (problem.entry_id, problem.sequence) == (second.pk, 2)
    assert f"chain {reads}: entry id {second.pk} (sequence 2)" in err


# --- a whole chain deleted with its head (L4) ---------------------------------------------------


def test_deleting_an_organisations_whole_chain_and_head_is_found_without_an_anchor(chain_a, org_a):
    chain = audit.chain_name(org_a)
    verify()

    raw("DELETE FROM {table} WHERE chain = %s", [chain])
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(AuditHead._meta.db_table)} WHERE chain = %s",  # noqa: S608
            [chain],
        )

    err = verify_fails()
    assert (
        f"chain {chain}: organisation 'org-a' has no audit chain: its entries and head were"
        " deleted (or it was created outside Panah)" in err
    )
    assert "has no audit chain" in verify_fails("--organisation", "org-a")


def test_an_organisation_created_by_panah_has_its_chain_from_the_start(db):
    founder = User.objects.create_user("founder@example.org", "pw", display_name="Founder")

    services.create_organisation(name="Anjoman", founder=founder)

    out, err = verify()
    assert "All 1 chain(s) intact" in out and err == ""


def test_deleting_a_members_whole_read_chain_and_head_is_found(chain_a, org_a, caseworker_a):
    reads_of(org_a, caseworker_a, 3)
    reads = audit.read_chain_name(org_a, caseworker_a.pk)
    verify()
    [opened] = [e for e in entries(org_a) if e.action == audit.READ_CHAIN_OPENED]

    raw("DELETE FROM {table} WHERE chain = %s", [reads])
    AuditHead.objects.filter(chain=reads).delete()

    err = verify_fails()
    assert (
        f"chain {reads}: the read chain opened by entry id {opened.pk} (sequence"
        f" {opened.sequence}) of org-{org_a.pk} has no entries: they were deleted with its head"
        in err
    )


# --- reads: their own chains, verified like the writes ------------------------------------------


def test_reads_are_chained_per_member_and_verify(chain_a, org_a, admin_a, caseworker_a):
    reads_of(org_a, caseworker_a, 3)
    reads_of(org_a, admin_a, 2)

    out, err = verify()

    assert f"{audit.read_chain_name(org_a, caseworker_a.pk)}: 3 entries verified" in out
    assert f"{audit.read_chain_name(org_a, admin_a.pk)}: 2 entries verified" in out
    assert f"org-{org_a.pk}: 7 entries verified" in out  # 5 writes, 2 read chains opened
    assert err == ""
    out, _ = verify("--organisation", "org-a")
    assert "All 3 chain(s) intact" in out


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("UPDATE {table} SET object_id = 'another person' WHERE id = %s", "altered"),
        ("DELETE FROM {table} WHERE id = %s", "missing"),
    ],
)
def test_an_altered_or_deleted_read_is_named(chain_a, org_a, caseworker_a, change, named):
    first, second, third = reads_of(org_a, caseworker_a, 3)
    reads = audit.read_chain_name(org_a, caseworker_a.pk)

    raw(change, [second.pk])

    problem = audit.verify_chain(reads)
    err = verify_fails()
    expected = second if named == "altered" else third
    assert (problem.entry_id, problem.sequence) == (expected.pk, expected.sequence)
    assert named in problem.reason
    assert f"chain {reads}: entry id {expected.pk}" in err


def test_a_read_does_not_move_the_organisations_chain_once_opened(org_a, caseworker_a):
    reads_of(org_a, caseworker_a, 1)
    position = audit.written_position(org_a)

    reads_of(org_a, caseworker_a, 5)

    assert audit.written_position(org_a) == audit.chain_position(org_a) == position
    assert len(chain_of(audit.read_chain_name(org_a, caseworker_a.pk))) == 6


def test_a_burst_is_counted_from_the_members_read_chain(settings, org_a, org_b, caseworker_a):
    settings.READ_ALERT_COUNT = 3
    reads_of(org_b, caseworker_a, 2)  # in another organisation: not A's burst
    audit.record("person.updated", organisation=org_a, actor=caseworker_a)  # a write

    reads_of(org_a, caseworker_a, 2)
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="security.read_burst").exists()
    reads_of(org_a, caseworker_a, 1)
    with scopes_disabled():
        [alert] = AuditEntry.objects.filter(action="security.read_burst")
    assert (alert.organisation_id, alert.data["reads"]) == (org_a.pk, 3)


def test_the_audit_page_shows_reads_and_writes_together(chain_a, org_a, caseworker_a, make_member,
                                                        login_as):  # fmt: skip
    auditor = make_member(org_a, [Role.AUDITOR], email="auditor-a@example.org")
    [read] = reads_of(org_a, caseworker_a, 1)

    page = login_as(auditor).get("/audit/").context["page"]

    listed = [(e.chain, e.action) for e in page.object_list]
    assert listed[0] == (audit.read_chain_name(org_a, caseworker_a.pk), "person.viewed")
    assert (f"org-{org_a.pk}", "member.roles_changed") in listed
    assert (
        f'title="{read.chain} #1">{read.pk}<' in login_as(auditor).get("/audit/").content.decode()
    )


# --- reads do not wait for writers --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writing transaction at a time: every write waits for every other",
)
def test_neither_a_read_nor_a_write_waits_for_an_import_until_it_chains_its_entries(
    org_a, caseworker_a
):
    """One connection runs an import's batch in an open transaction; another records a read
    and a write, and both return: the batch takes the organisation's head only when it chains
    its entries, at its end. A write on a connection holding the head still waits (control)."""
    audit.record("organisation.created", organisation=org_a, obj=org_a)
    reads_of(org_a, caseworker_a, 1)  # the member's read chain is open already
    importing_rows, go_on, chained, finish = (threading.Event() for _ in range(4))
    failures = []

    def importing():
        try:
            with transaction.atomic():
                with audit.batch(org_a):
                    audit.record("cases.imported", organisation=org_a)
                    importing_rows.set()
                    go_on.wait(30)
                # The batch has chained its entries: the head is held until the commit.
                chained.set()
                finish.wait(30)
        except Exception as exc:  # reported in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=importing)
    thread.start()
    try:
        assert importing_rows.wait(10)
        with connection.cursor() as cursor:
            # A read or write that had to wait for the head would fail with a lock timeout.
            cursor.execute("SET lock_timeout = '3s'")
        [read] = reads_of(org_a, caseworker_a, 1)
        assert read.sequence == 2
        with transaction.atomic():
            note = audit.record("person.updated", organisation=org_a, actor=caseworker_a)
        # The control: once the batch has chained its entries it holds the head to its commit.
        go_on.set()
        assert chained.wait(10)
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            audit.record("person.updated", organisation=org_a, actor=caseworker_a)
    finally:
        go_on.set()
        finish.set()
        thread.join(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not failures
    with scopes_disabled():
        imported = AuditEntry.objects.get(action="cases.imported", organisation=org_a)
    assert imported.chain == audit.chain_name(org_a)
    assert imported.sequence == note.sequence + 1  # chained after the note written meanwhile
    assert all(audit.verify_chain(c) is None for c in audit.all_chains())
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    assert "intact" in out.getvalue()
