"""An unusual burst of reads by one member alerts the admins, once per window, in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation
from django_scopes import scopes_disabled

from panah.core import audit, read_alerts
from panah.core.models import AuditEntry, Role


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.READ_ALERT_COUNT = 3
    settings.READ_ALERT_MINUTES = 10


@pytest.fixture
def second_admin_a(org_a, make_member):
    return make_member(org_a, [Role.ADMIN], email="admin2-a@example.org", language="fa")


def read(org, member, n: int, capture, start: int = 1) -> list[AuditEntry]:
    """`member` views `n` person records; on-commit callbacks (the emails) run."""
    entries = []
    with capture(execute=True):
        for i in range(start, start + n):
            entries.append(
                audit.record_read(
                    "person.viewed",
                    organisation=org,
                    actor=member,
                    object_type="people.person",
                    object_id=i,
                )
            )
    return entries


def alerts(org) -> list[AuditEntry]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(
                organisation=org, action=read_alerts.READ_BURST_ACTION
            ).order_by("sequence")
        )


def test_reads_below_the_threshold_raise_no_alert(
    org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    read(org_a, caseworker_a, 2, django_capture_on_commit_callbacks)

    assert alerts(org_a) == []
    assert mail.outbox == []


def test_a_burst_alerts_every_admin_and_is_audited(
    org_a, admin_a, second_admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    entries = read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)

    [alert] = alerts(org_a)
    assert alert.actor is None
    assert (alert.object_type, alert.object_id) == ("core.user", str(caseworker_a.pk))
    assert alert.data == {"reads": 3, "minutes": 10, "threshold": 3, "last_entry": entries[-1].pk}
    assert sorted(m.to[0] for m in mail.outbox) == ["admin-a@example.org", "admin2-a@example.org"]
    message = next(m for m in mail.outbox if m.to == ["admin-a@example.org"])
    assert message.subject == "Panah: unusual reading of records in Organisation A"
    assert "caseworker-a opened 3 sensitive records within 10 minutes." in message.body
    assert "/audit/" in message.body
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_each_admin_is_written_to_in_their_own_language(
    org_a, admin_a, second_admin_a, caseworker_a, django_capture_on_commit_callbacks, monkeypatch
):
    languages = {}
    original = read_alerts.render_to_string

    def spy(template, context):
        languages[len(languages)] = translation.get_language()
        return original(template, context)

    monkeypatch.setattr(read_alerts, "render_to_string", spy)

    read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)

    # Admins are written to in name order: "admin-a" (English), then "admin2-a" (Persian).
    assert languages == {0: "en", 1: "fa"}


def test_further_reads_in_the_same_window_do_not_alert_again(
    org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)
    read(org_a, caseworker_a, 10, django_capture_on_commit_callbacks, start=4)

    assert len(alerts(org_a)) == 1
    assert len(mail.outbox) == 1


def test_a_new_burst_after_the_window_alerts_again(
    org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)
    with scopes_disabled():
        for entry in AuditEntry.objects.filter(organisation=org_a):
            AuditEntry.objects.filter(pk=entry.pk).update(at=entry.at - timedelta(minutes=11))

    read(org_a, caseworker_a, 2, django_capture_on_commit_callbacks, start=4)
    assert len(alerts(org_a)) == 1
    read(org_a, caseworker_a, 1, django_capture_on_commit_callbacks, start=6)

    assert len(alerts(org_a)) == 2
    assert len(mail.outbox) == 2


def test_reads_by_different_members_are_counted_apart(
    org_a, admin_a, caseworker_a, make_member, django_capture_on_commit_callbacks
):
    other = make_member(org_a, [Role.CASEWORKER])
    read(org_a, caseworker_a, 2, django_capture_on_commit_callbacks)
    read(org_a, other, 2, django_capture_on_commit_callbacks)

    assert alerts(org_a) == []


def test_writes_do_not_count_as_reads(
    org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    for i in range(5):
        audit.record("person.updated", organisation=org_a, actor=caseworker_a, object_id=i)
    read(org_a, caseworker_a, 2, django_capture_on_commit_callbacks)

    assert alerts(org_a) == []


def test_a_threshold_of_zero_turns_the_alert_off(
    settings, org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    settings.READ_ALERT_COUNT = 0

    read(org_a, caseworker_a, 5, django_capture_on_commit_callbacks)

    assert alerts(org_a) == []


def test_an_unreachable_mail_server_does_not_break_the_read(
    settings, org_a, admin_a, caseworker_a, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens there

    entries = read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)

    assert len(entries) == 3
    assert len(alerts(org_a)) == 1


def test_a_read_must_be_named_as_a_read(org_a, caseworker_a):
    with pytest.raises(ValueError, match=r"recorded as '<thing>\.viewed', not 'person\.updated'"):
        audit.record_read("person.updated", organisation=org_a, actor=caseworker_a)


def test_the_admin_dashboard_shows_recent_alerts(
    org_a, admin_a, caseworker_a, login_as, django_capture_on_commit_callbacks
):
    read(org_a, caseworker_a, 3, django_capture_on_commit_callbacks)

    body = login_as(admin_a).get("/").content.decode()

    assert "3 reads by one member" in body
    assert f"object_type=core.user&amp;object_id={caseworker_a.pk}" in body
    assert 'href="/emergency-lock/"' in body


def test_asking_whether_a_member_was_alerted_reads_only_the_alerts(org_a, caseworker_a):
    """Asked on every read: it must not walk the organisation's recent entries (SQLite plan)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    if connection.vendor != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    entry = AuditEntry(organisation=org_a, actor=caseworker_a, at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        read_alerts._reads_unless_alerted(entry, entry.at - timedelta(minutes=10), limit=3)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        plan = " ".join(str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "audit_read_burst_alerts" in plan


def test_counting_a_members_reads_walks_only_their_recent_entries(org_a, caseworker_a):
    """Counted from the member's read chain on every read: by the (member, time) index, not by
    the chain's own index, which would walk every read the member ever made (SQLite plan)."""
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    entry = AuditEntry(organisation=org_a, actor=caseworker_a, at=timezone.now())
    sql, params = read_alerts._reads_query(entry, entry.at - timedelta(minutes=10))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "actor_id=? AND at>?" in plan
