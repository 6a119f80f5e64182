"""Risk assessments, safety plans, referrals, the flag and the anonymised aggregates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from panah.people.services import create_person
from panah.safety import queries, services


def test_risk_history_keeps_every_assessment_and_the_newest_flags(org_a, officer_a, person_a):
    today = dt.date.today()
    with scope(organisation=org_a):
        services.assess_risk(
            person=person_a, level="low", assessed_on=today - dt.timedelta(days=90),
            next_review_on=today - dt.timedelta(days=30), reviewer=officer_a, by=officer_a,
        )  # fmt: skip
        assert not queries.has_safety_flag(person_a)
        services.assess_risk(
            person=person_a, level="critical", assessed_on=today,
            next_review_on=today + dt.timedelta(days=14), reviewer=officer_a, by=officer_a,
            factors=["relatives_in_iran", "known_address"], notes="Moved twice",
        )  # fmt: skip
        history = list(person_a.risk_assessments.all())
    assert [a.level for a in history] == ["critical", "low"]
    assert history[0].factors == ["relatives_in_iran", "known_address"]
    assert queries.has_safety_flag(person_a)


def test_a_review_before_the_assessment_and_an_unknown_factor_are_refused(
    org_a, officer_a, person_a
):
    today = dt.date.today()
    with scope(organisation=org_a):
        with pytest.raises(ValidationError) as early:
            services.assess_risk(
                person=person_a, level="high", assessed_on=today,
                next_review_on=today - dt.timedelta(days=1), reviewer=officer_a, by=officer_a,
            )  # fmt: skip
        with pytest.raises(ValidationError) as unknown:
            services.assess_risk(
                person=person_a, level="high", assessed_on=today, next_review_on=today,
                reviewer=officer_a, by=officer_a, factors=["astrology"],
            )  # fmt: skip
    assert list(early.value.message_dict) == ["next_review_on"]
    assert list(unknown.value.message_dict) == ["factors"]


def test_plans_and_referrals_need_the_persons_recorded_consent(org_a, officer_a, person_a):
    today = dt.date.today()
    with scope(organisation=org_a):
        with pytest.raises(ValidationError) as no_consent:
            services.refer(
                person=person_a, referred_to="state_security", consent_given_on=None,
                consent_method="signed_form", by=officer_a,
            )  # fmt: skip
        with pytest.raises(ValidationError) as no_method:
            services.agree_safety_plan(
                person=person_a, agreed_on=today, consent_given_on=today,
                consent_method="not_applicable", by=officer_a, measures=["change_address"],
            )  # fmt: skip
        referral = services.refer(
            person=person_a, referred_to="federal_police", consent_given_on=today,
            consent_method="oral_with_witness", by=officer_a, reference="PV 2026/123",
            follow_up_on=today + dt.timedelta(days=7),
        )  # fmt: skip
        services.update_referral(referral=referral, status="made", by=officer_a)
        referral.refresh_from_db()
    assert list(no_consent.value.message_dict) == ["consent_given_on"]
    assert list(no_method.value.message_dict) == ["consent_method"]
    assert (referral.status, referral.made_on, referral.reference) == (
        "made", today, "PV 2026/123",
    )  # fmt: skip


def test_aggregates_count_by_category_and_country_and_hide_small_cells(
    org_a, officer_a, officer_key_a, settings
):
    settings.DISCLOSURE_THRESHOLD = 3
    with scope(organisation=org_a):
        person = create_person(organisation=org_a, by=None, given_name_latin="Count")
    day = dt.date.today() - dt.timedelta(days=1)
    for category, country, n in (
        ("threat_online", "ON", 4),
        ("hacking", "ON", 5),
        ("spyware", "BE", 1),
    ):
        for _ in range(n):
            with scope(organisation=org_a):
                services.record_incident(
                    organisation=org_a, person=person, by=officer_a, category=category,
                    occurred_on=day, country=country, confidence="likely",
                    reported_by="the_person",
                )  # fmt: skip
    by_category = queries.incident_counts(org_a.pk, by="category")
    assert by_category["hacking"].value == 5
    assert by_category["spyware"].value is None  # 1 < 3: suppressed
    assert str(by_category["spyware"]) == "< 3"
    # Secondary suppression: the smallest other cell goes too, so no subtraction recovers 1.
    assert by_category["threat_online"].value is None
    by_country = queries.incident_counts(org_a.pk, by="country")
    # With only two countries, hiding Belgium's 1 hides the other too.
    assert [c.value for c in by_country.values()] == [None, None]
    by_year = queries.incident_counts(org_a.pk, by="year")
    assert {k: c.value for k, c in by_year.items()} == {f"{day:%Y}": 10}
    with pytest.raises(ValueError):
        queries.incident_counts(org_a.pk, by="person")


def test_aggregates_of_one_organisation_do_not_count_another(org_a, org_b, officer_a,
                                                              officer_key_a):  # fmt: skip
    with scope(organisation=org_a):
        person = create_person(organisation=org_a, by=None, given_name_latin="Count")
    for _ in range(5):
        with scope(organisation=org_a):
            services.record_incident(
                organisation=org_a, person=person, by=officer_a, category="defamation",
                occurred_on=dt.date.today(), country="BE", confidence="likely",
                reported_by="the_person",
            )  # fmt: skip
    assert queries.incident_counts(org_b.pk) == {}
    with scopes_disabled():
        assert queries.incident_counts(org_a.pk)["defamation"].value == 5
