"""Auditors filter the trail and export it as CSV: the filters hold, the export is audited."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core import audit
from panah.core.models import AuditEntry, Membership, Role
from panah.core.reauth import REAUTH_SESSION_KEY

EXPORT = "/audit/export.csv"


@pytest.fixture
def auditor_a(org_a, make_member):
    return make_member(org_a, [Role.AUDITOR], email="auditor-a@example.org")


@pytest.fixture
def trail(org_a, org_b, admin_a, caseworker_a, admin_b):
    """A few entries in A by two members, and one in B."""
    audit.record(
        "member.invited",
        organisation=org_a,
        actor=admin_a,
        object_type="core.invitation",
        object_id=7,
    )
    audit.record(
        "person.viewed",
        organisation=org_a,
        actor=caseworker_a,
        object_type="people.person",
        object_id=11,
    )
    audit.record(
        "person.viewed",
        organisation=org_a,
        actor=caseworker_a,
        object_type="people.person",
        object_id=12,
    )
    audit.record(
        "member.invited",
        organisation=org_b,
        actor=admin_b,
        object_type="core.invitation",
        object_id=99,
    )


def reauthenticated(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_an_auditor_exports_the_organisations_trail_oldest_first(
    auditor_a, caseworker_a, trail, login_as, org_a
):
    response = reauthenticated(login_as(auditor_a)).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-org-a-')
    assert "no-store" in response["Cache-Control"]
    rows = rows_of(response)
    assert [(r["action"], r["object_id"]) for r in rows] == [
        ("member.invited", "7"),
        # The caseworker's first read opened their read chain (in the organisation's chain).
        (audit.READ_CHAIN_OPENED, str(caseworker_a.pk)),
        ("person.viewed", "11"),
        ("person.viewed", "12"),
    ]
    reads = audit.read_chain_name(org_a, caseworker_a.pk)
    assert [(r["chain"], int(r["sequence"])) for r in rows] == [
        (f"org-{org_a.pk}", 1),
        (f"org-{org_a.pk}", 2),
        (reads, 1),
        (reads, 2),
    ]
    assert rows[2]["member"] == "caseworker-a"
    assert len(rows[0]["entry_hash"]) == 64
    assert "99" not in [r["object_id"] for r in rows]  # organisation B's entry


def test_the_export_respects_the_filters(auditor_a, caseworker_a, trail, login_as, org_a):
    with scopes_disabled():
        membership = Membership.objects.get(user=caseworker_a, organisation=org_a)
    today = timezone.localdate().isoformat()
    client = reauthenticated(login_as(auditor_a))

    by_member = rows_of(client.get(EXPORT, {"member": membership.pk}))
    by_record = rows_of(client.get(EXPORT, {"object_type": "people.person", "object_id": "12"}))
    by_action = rows_of(client.get(EXPORT, {"action": "member."}))
    by_period = rows_of(client.get(EXPORT, {"since": "2000-01-01", "until": "2000-12-31"}))
    today_only = rows_of(client.get(EXPORT, {"since": today, "until": today, "action": "person"}))

    assert [r["object_id"] for r in by_member] == [str(caseworker_a.pk), "11", "12"]
    assert [r["object_id"] for r in by_record] == ["12"]
    assert [r["action"] for r in by_action] == ["member.invited"]
    assert by_period == []
    assert [r["object_id"] for r in today_only] == ["11", "12"]


def test_invalid_filters_are_refused_rather_than_ignored(auditor_a, trail, login_as):
    response = reauthenticated(login_as(auditor_a)).get(
        EXPORT, {"since": "2026-02-01", "until": "2026-01-01"}
    )

    assert response.status_code == 400


def test_the_export_is_itself_audited_with_its_filters_and_size(auditor_a, trail, login_as, org_a):
    client = reauthenticated(login_as(auditor_a))

    rows = rows_of(client.get(EXPORT, {"action": "person", "since": "2020-01-01"}))

    with scopes_disabled():
        entry = AuditEntry.objects.get(action="audit.exported")
    assert entry.organisation == org_a
    assert entry.actor == auditor_a
    assert entry.data == {"filters": {"action": "person", "since": "2020-01-01"}, "rows": 2}
    assert len(rows) == 2
    # The export's own entry is not in the file it describes.
    assert "audit.exported" not in [r["action"] for r in rows]
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_the_export_needs_a_recent_reauthentication(auditor_a, trail, login_as):
    response = login_as(auditor_a).get(EXPORT, {"action": "person"})

    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Faudit%2Fexport.csv%3Faction%3Dperson"
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_a_member_without_the_auditor_role_cannot_export(caseworker_a, trail, login_as):
    response = reauthenticated(login_as(caseworker_a)).get(EXPORT)

    assert response.status_code == 403


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(auditor_a, login_as, org_a):
    request = RequestFactory().get("/", HTTP_USER_AGENT='=HYPERLINK("https://evil.example")')
    request.user = auditor_a
    audit.record("account.logged_in", organisation=org_a, request=request)

    rows = rows_of(reauthenticated(login_as(auditor_a)).get(EXPORT))

    assert rows[0]["user_agent"] == '\'=HYPERLINK("https://evil.example")'


def test_the_trail_page_offers_the_export_with_the_same_filters(auditor_a, trail, login_as):
    response = login_as(auditor_a).get("/audit/", {"action": "person", "page": "1"})

    assert response.status_code == 200
    assert 'href="/audit/export.csv?action=person"' in response.content.decode()


def test_the_trail_page_filters_by_record(auditor_a, trail, login_as):
    response = login_as(auditor_a).get(
        "/audit/", {"object_type": "people.person", "object_id": "11"}
    )

    page = response.context["page"]
    assert [(e.action, e.object_id) for e in page.object_list] == [("person.viewed", "11")]
