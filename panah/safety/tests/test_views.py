"""Safety pages as their users meet them: the compartment, the unlock, the alert, the flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.core.models import AuditEntry, Role
from panah.safety import services
from panah.safety.models import Incident

from .conftest import MARKER, PASSPHRASE


def _unlocked_client(officer):
    client = verified_client(officer)
    response = client.post(reverse("safety:key"), {"action": "unlock", "passphrase": PASSPHRASE})
    assert response.status_code == 302
    return client


def test_an_officer_reads_the_narrative_only_after_unlocking(officer_a, officer_key_a, record):
    incident = record()
    url = reverse("safety:incident", kwargs={"pk": incident.pk})
    client = verified_client(officer_a)
    locked = client.get(url).content.decode()
    assert MARKER not in locked
    assert "Unlock my key to read them" in locked
    client.post(reverse("safety:key"), {"action": "unlock", "passphrase": PASSPHRASE})
    page = client.get(url).content.decode()
    assert MARKER in page
    assert "Brother Hamid Karimi, Tabriz" in page
    # Locking again hides it.
    client.post(reverse("safety:key"), {"action": "lock"})
    assert MARKER not in client.get(url).content.decode()


def test_a_wrong_passphrase_says_so_and_unlocks_nothing(officer_a, officer_key_a, record):
    incident = record()
    client = verified_client(officer_a)
    response = client.post(reverse("safety:key"), {"action": "unlock", "passphrase": "wrong one"})
    assert response.status_code == 400
    assert "This passphrase does not open your safety key" in response.content.decode()
    page = client.get(reverse("safety:incident", kwargs={"pk": incident.pk})).content.decode()
    assert MARKER not in page


def test_the_unlocked_key_is_not_in_the_session_store_alone(officer_a, officer_key_a, record):
    incident = record()
    client = _unlocked_client(officer_a)
    # The cookie without the session's secret (a stolen cookie, a new session) opens nothing.
    cookie = client.cookies["panah_safety_key"].value
    other = verified_client(officer_a)
    other.cookies["panah_safety_key"] = cookie
    page = other.get(reverse("safety:incident", kwargs={"pk": incident.pk})).content.decode()
    assert MARKER not in page
    assert "Unlock my key to read them" in page


def test_the_assigned_caseworker_sees_the_incident_but_not_the_sealed_facts(
    caseworker_a, officer_key_a, case_a, record
):
    incident = record()
    client = verified_client(caseworker_a)
    page = client.get(reverse("safety:incident", kwargs={"pk": incident.pk})).content.decode()
    assert "Coercion through relatives in Iran" in page
    assert MARKER not in page
    assert "Hamid" not in page
    assert "only the organisation’s safety officers can read" in page.replace("'", "’").replace(
        "&#x27;", "’"
    )
    # The caseworker cannot fetch sealed evidence or record anything.
    assert (
        client.get(reverse("safety:record", kwargs={"pk": incident.person_id})).status_code == 403
    )


def test_others_outside_the_compartment_are_refused(
    org_a, make_member, admin_a, admin_b, officer_key_a, case_a, record
):
    incident = record()
    url = reverse("safety:incident", kwargs={"pk": incident.pk})
    unassigned = make_member(org_a, [Role.CASEWORKER], email="unassigned@example.org")
    for user, expected in ((unassigned, 404), (admin_a, 403), (admin_b, 403)):
        response = verified_client(user).get(url)
        assert response.status_code == expected, user.email
        assert "Evin" not in response.content.decode()
    listing = verified_client(unassigned).get(reverse("safety:incidents")).content.decode()
    assert "Karimi-A" not in listing


def test_a_serious_incident_alerts_the_caseworker_and_officers_without_the_facts(
    caseworker_a, officer_a, officer_key_a, case_a, record
):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        incident = record(category="kidnapping")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["caseworker-a@example.org", "officer-a@example.org"]
    for message in mail.outbox:
        assert "Kidnapping attempt" in message.body
        assert str(incident.pk) in message.body
        for secret in (MARKER, "Hamid", "Evin", "Karimi", "Reza"):
            assert secret not in message.body and secret not in message.subject


def test_a_minor_incident_alerts_no_one(officer_key_a, case_a, record):
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        record(category="defamation")
    assert mail.outbox == []


def test_recording_sealed_facts_while_locked_keeps_the_form_and_stores_nothing(
    officer_a, officer_key_a, person_a
):
    client = verified_client(officer_a)
    response = client.post(
        reverse("safety:record", kwargs={"pk": person_a.pk}),
        {
            "category": "threat_online", "occurred_on": "1403/05/12", "country": "ON",
            "confidence": "possible", "reported_by": "the_person", "narrative": MARKER,
        },
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "Unlock your safety key to record sealed facts. Nothing was saved." in page
    assert MARKER in page  # what was typed is kept in the form
    with scopes_disabled():
        assert Incident.objects.count() == 0


def test_an_officer_records_with_a_solar_hijri_date(officer_a, officer_key_a, person_a):
    client = _unlocked_client(officer_a)
    response = client.post(
        reverse("safety:record", kwargs={"pk": person_a.pk}),
        {
            "category": "threat_online", "occurred_on": "1403/05/12", "country": "ON",
            "confidence": "possible", "reported_by": "the_person", "narrative": MARKER,
        },
    )  # fmt: skip
    assert response.status_code == 302
    with scopes_disabled():
        incident = Incident.objects.get()
    assert incident.occurred_on == dt.date(2024, 8, 2)
    assert MARKER in client.get(response["Location"]).content.decode()


def test_the_incident_attached_as_evidence_shows_on_the_case_without_the_narrative(
    officer_a, officer_key_a, caseworker_a, case_a, record
):
    incident = record()
    client = verified_client(officer_a)
    response = client.post(
        reverse("safety:attach", kwargs={"pk": incident.pk}),
        {"case": str(case_a.pk), "consent_given_on": dt.date.today().isoformat(),
         "consent_method": "signed_form"},
    )  # fmt: skip
    assert response.status_code == 302
    page = verified_client(caseworker_a).get(reverse("cases:detail", kwargs={"pk": case_a.pk}))
    text = page.content.decode()
    assert "Safety incidents as evidence" in text
    assert "Coercion through relatives in Iran" in text
    assert MARKER not in text and "Hamid" not in text


def test_attaching_without_consent_is_refused(officer_a, officer_key_a, case_a, record):
    incident = record()
    response = verified_client(officer_a).post(
        reverse("safety:attach", kwargs={"pk": incident.pk}),
        {"case": str(case_a.pk), "consent_method": "signed_form"},
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert not incident.attachments.exists()


def test_the_people_list_shows_the_flag_not_the_facts(org_a, make_member, officer_key_a, record):
    coordinator_like = make_member(org_a, [Role.COORDINATOR], email="coord@example.org")
    record(category="physical_attack")
    page = verified_client(coordinator_like).get(reverse("people:list")).content.decode()
    assert "Safety alert" in page
    assert "Physical attack" not in page and MARKER not in page


def test_the_case_list_shows_the_flag_not_the_facts(
    caseworker_a, case_a, officer_key_a, record, org_a, make_member
):
    client = verified_client(caseworker_a)
    assert "Safety alert" not in client.get(reverse("cases:list")).content.decode()

    record(category="physical_attack")
    page = client.get(reverse("cases:list")).content.decode()

    assert page.count("Safety alert</span>") == 1
    assert "Physical attack" not in page and MARKER not in page


def test_every_safety_page_read_is_audited(officer_a, officer_key_a, record):
    incident = record()
    client = _unlocked_client(officer_a)
    client.get(reverse("safety:incident", kwargs={"pk": incident.pk}))
    with scopes_disabled():
        actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"incident.viewed", "incident_sealed.viewed", "safety.key_unlocked"} <= actions


def test_the_emergency_lock_ends_the_unlocked_session(org_a, admin_a, officer_a, officer_key_a,
                                                      record):  # fmt: skip
    from panah.core.lockdown import lock_organisation

    incident = record()
    client = _unlocked_client(officer_a)
    with scope(organisation=org_a):
        lock_organisation(organisation=org_a, by=admin_a, reason="device_lost")
    response = client.get(reverse("safety:incident", kwargs={"pk": incident.pk}))
    assert response.status_code == 302
    assert MARKER not in response.content.decode()


def test_escrow_is_created_by_an_admin_and_shares_are_shown_once(org_a, admin_a, make_member):
    second = make_member(org_a, [Role.ADMIN], email="second-admin@example.org")
    client = verified_client(admin_a)
    response = client.post(
        reverse("safety:escrow"),
        {"action": "create", "first_holder": admin_a.pk, "second_holder": second.pk},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the shares down now" in page
    assert "Write the shares down now" not in client.get(reverse("safety:escrow")).content.decode()


def test_services_refuse_a_person_of_another_organisation(org_a, org_b, officer_a, officer_key_a):
    from panah.people.services import create_person

    with scope(organisation=org_b):
        other = create_person(organisation=org_b, by=None, given_name_latin="Other")
    with scope(organisation=org_a), pytest.raises(ValidationError):
        services.record_incident(
            organisation=org_a, person=other, by=officer_a, category="defamation",
            occurred_on=dt.date.today(), country="BE", confidence="likely",
            reported_by="the_person",
        )  # fmt: skip


def test_an_officer_revokes_the_key_of_someone_who_lost_the_role(
    org_a, officer_a, officer_key_a, make_member, record
):
    from panah.safety.models import IncidentKey, OfficerKey

    former = make_member(org_a, [Role.SAFETY_OFFICER], email="former@example.org")
    with scope(organisation=org_a):
        former_key = services.set_up_officer_key(
            organisation=org_a, user=former, passphrase="former officer phrase"
        )
    record()
    with scope(organisation=org_a):
        private = services.unlock(officer_key=officer_key_a, passphrase=PASSPHRASE)
        services.grant_access(officer_key=officer_key_a, private=private, to=former_key,
                              by=officer_a)  # fmt: skip
    with scopes_disabled():
        former.memberships.get().grants.filter(role=Role.SAFETY_OFFICER).delete()
    client = verified_client(officer_a)
    page = client.get(reverse("safety:officers")).content.decode()
    assert "no longer an officer" in page
    client.post(reverse("safety:officers"), {"officer_key": former_key.pk, "action": "revoke"})
    with scopes_disabled():
        assert OfficerKey.objects.get(pk=former_key.pk).revoked_at is not None
        assert not IncidentKey.objects.filter(officer_key=former_key).exists()
    # The former officer's safety pages are refused as well.
    refused = verified_client(former).get(reverse("safety:incidents"))
    assert refused.status_code in (302, 403)
    assert "Karimi-A" not in refused.content.decode()


def test_an_error_report_of_a_failed_recording_holds_no_sealed_text(
    officer_a, officer_key_a, person_a, monkeypatch
):
    import sys

    from django.core.signals import got_request_exception
    from django.views.debug import ExceptionReporter

    from panah.safety import services as safety_services

    reports = []

    def report(sender, request, **kwargs):
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_text())

    def broken_audit(*args, **kwargs):
        raise RuntimeError("the audit trail is unreachable")

    client = _unlocked_client(officer_a)
    client.raise_request_exception = False
    monkeypatch.setattr(safety_services.audit, "record", broken_audit)
    got_request_exception.connect(report)
    try:
        response = client.post(
            reverse("safety:record", kwargs={"pk": person_a.pk}),
            {
                "category": "threat_online", "occurred_on": "2025-01-02", "country": "ON",
                "confidence": "possible", "reported_by": "the_person", "narrative": MARKER,
                "relatives": "Brother Hamid in Tabriz",
            },
        )  # fmt: skip
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500
    assert reports and "the audit trail is unreachable" in reports[0]
    assert MARKER not in reports[0] and "Hamid" not in reports[0]
    with scopes_disabled():
        assert Incident.objects.count() == 0


def test_incidents_recorded_before_the_escrow_key_are_escrowed_from_the_officers_page(
    org_a, admin_a, make_member, officer_a, officer_key_a, record
):
    from panah.safety.models import EscrowKey, IncidentKey

    incident = record()
    second = make_member(org_a, [Role.ADMIN], email="second-admin@example.org")
    with scope(organisation=org_a):
        services.create_escrow(
            organisation=org_a, first_holder=admin_a, second_holder=second, by=admin_a
        )
    with scopes_disabled():
        escrow_key = EscrowKey.objects.get()
        assert not IncidentKey.objects.filter(incident=incident, escrow_key=escrow_key).exists()
    client = _unlocked_client(officer_a)
    assert (
        "Escrow key (two administrators)" in client.get(reverse("safety:officers")).content.decode()
    )
    client.post(reverse("safety:officers"), {"officer_key": escrow_key.pk, "to": "escrow"})
    with scopes_disabled():
        assert IncidentKey.objects.filter(incident=incident, escrow_key=escrow_key).exists()


def test_an_unlocked_officer_corrects_the_sealed_facts(officer_a, officer_key_a, record):
    incident = record()
    url = reverse("safety:amend_sealed", kwargs={"pk": incident.pk})
    locked = verified_client(officer_a).get(url)
    assert locked.status_code == 302 and "/safety/key/" in locked["Location"]
    client = _unlocked_client(officer_a)
    assert MARKER in client.get(url).content.decode()  # the form starts from the sealed text
    client.post(url, {"narrative": "Corrected account", "sources": "", "relatives": "Uncle"})
    page = client.get(reverse("safety:incident", kwargs={"pk": incident.pk})).content.decode()
    assert "Corrected account" in page and "Uncle" in page and MARKER not in page
