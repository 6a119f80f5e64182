"""Consent and legal basis per person (GDPR art. 9): recording, withdrawing, who may, the audit."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.models import AuditEntry, Role
from panah.people.models import ConsentRecord
from panah.people.services import record_consent, withdraw_consent


def entries(action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def consent_of(person, **extra) -> ConsentRecord:
    values = {
        "category": "health",
        "legal_basis": "consent",
        "given_on": dt.date(2025, 3, 1),
        "how_recorded": "signed_form",
    } | extra
    with scope(organisation=person.organisation):
        return record_consent(person=person, by=None, **values)


def test_a_caseworker_records_a_consent_from_the_form(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    client = login_as(caseworker_a)
    url = reverse("people:add_consent", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "category": "political_opinion",
            "legal_basis": "legal_claims",
            "given_on": "2025-06-02",
            "how_recorded": "not_applicable",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        [consent] = ConsentRecord.objects.filter(person=person)
    assert (consent.category, consent.legal_basis, consent.given_on, consent.recorded_by) == (
        "political_opinion",
        "legal_claims",
        dt.date(2025, 6, 2),
        caseworker_a,
    )
    assert consent.organisation_id == person.organisation_id
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Political opinion" in page and "Legal claims (art. 9(2)(f))" in page


def test_consent_as_basis_needs_a_way_it_was_recorded(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    response = login_as(caseworker_a).post(
        reverse("people:add_consent", args=[person.pk]),
        {
            "category": "health",
            "legal_basis": "consent",
            "given_on": "2025-06-02",
            "how_recorded": "not_applicable",
        },
    )
    assert response.status_code == 200
    assert "Say how the person gave their consent." in response.content.decode()
    with scopes_disabled():
        assert ConsentRecord.objects.count() == 0


def test_recording_is_audited_with_codes_and_ids_only(make_person):
    person = make_person()
    consent = consent_of(person)
    [entry] = entries("consent.recorded")
    assert (entry.object_type, entry.object_id) == ("people.consentrecord", str(consent.pk))
    assert entry.data == {
        "person": str(person.pk),
        "category": "health",
        "legal_basis": "consent",
        "how_recorded": "signed_form",
    }


def test_a_consent_cannot_be_given_in_the_future(make_person):
    person = make_person()
    with pytest.raises(ValidationError):
        consent_of(person, given_on=dt.date.today() + dt.timedelta(days=2))


def test_withdrawing_keeps_the_record_and_is_audited(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    consent = consent_of(person)
    response = login_as(caseworker_a).post(reverse("people:withdraw_consent", args=[consent.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        consent.refresh_from_db()
    assert consent.withdrawn_on is not None and consent.withdrawn_by == caseworker_a
    [entry] = entries("consent.withdrawn")
    assert entry.actor == caseworker_a
    assert entry.data == {"person": str(person.pk), "category": "health"}


def test_a_consent_is_withdrawn_only_once(make_person):
    person = make_person()
    consent = consent_of(person)
    with scope(organisation=person.organisation):
        withdraw_consent(consent=consent, withdrawn_on=dt.date(2025, 4, 1), by=None)
        with pytest.raises(ValidationError):
            withdraw_consent(consent=consent, by=None)
    assert len(entries("consent.withdrawn")) == 1


def test_withdrawal_is_refused_before_the_consent_was_given(make_person):
    consent = consent_of(make_person())
    with scope(organisation=consent.organisation), pytest.raises(ValidationError):
        withdraw_consent(consent=consent, withdrawn_on=dt.date(2025, 2, 1), by=None)


def test_another_organisations_person_and_consent_are_not_found(
    make_person, org_b, admin_a, login_as
):
    person = make_person(org=org_b)
    consent = consent_of(person)
    client = login_as(admin_a)
    assert client.get(reverse("people:add_consent", args=[person.pk])).status_code == 404
    assert client.post(reverse("people:withdraw_consent", args=[consent.pk])).status_code == 404
    with scopes_disabled():
        consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_researcher_may_not_record_a_consent(make_person, org_a, make_member, login_as):
    researcher = make_member(org_a, [Role.RESEARCHER])
    person = make_person()
    response = login_as(researcher).get(reverse("people:add_consent", args=[person.pk]))
    assert response.status_code == 403
