"""A person's safety file in their subject access export: the clear tier only, never a sealed
fact nor a perpetrator indicator, and only in a copy made by a member who may open the file."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django_scopes import scope

from panah.core.models import Role
from panah.people.services import create_person
from panah.people.subject_access import export_person
from panah.people.tests.test_subject_access import values
from panah.safety import services

from .conftest import MARKER

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_coordinator(org_a, make_member):
    """A safety officer who is also a coordinator: the one who may both open and export."""
    return make_member(org_a, [Role.SAFETY_OFFICER, Role.COORDINATOR], email="oc-a@example.org")


def _file(person, officer):
    today = dt.date.today()
    with scope(organisation=person.organisation):
        services.assess_risk(
            person=person, level="high", assessed_on=today, reviewer=officer, by=officer,
            next_review_on=today + dt.timedelta(days=30), factors=["relatives_in_iran"],
            notes="Reviewed after the summons",
        )  # fmt: skip
        services.agree_safety_plan(
            person=person, agreed_on=today, consent_given_on=today, by=officer,
            consent_method="signed_form", measures=["phone_hygiene"],
        )  # fmt: skip
        services.refer(
            person=person, referred_to="federal_police", consent_given_on=today, by=officer,
            consent_method="signed_form", made_on=today, reference="PV-2026-118",
        )  # fmt: skip


def _export(person, by) -> tuple[str, dict]:
    text = export_person(person, by=by, fmt="json", language="en").content.decode()
    return text, values(json.loads(text))


def test_the_clear_tier_is_in_the_export_and_no_sealed_fact(
    org_a, person_a, officer_key_a, officer_a, officer_coordinator, record
):
    record()
    _file(person_a, officer_a)
    text, shown = _export(person_a, officer_coordinator)
    assert shown["What happened"] == "Coercion through relatives in Iran"
    assert shown["Place"] == "Tehran, Evin prison visiting room"
    assert shown["Risk level"] == "High"
    assert shown["Risk factors"] == "Relatives in Iran under pressure"
    assert shown["Notes"] == "Reviewed after the summons"
    assert shown["Measures"] == "Phone and account hygiene"
    assert shown["Referred to"] == "Federal police"
    assert shown["Their reference"] == "PV-2026-118"
    # Never a sealed fact, nor what we concluded about the perpetrators.
    for secret in (MARKER, "Cousin Ali", "Hamid", "Relatives summoned by the authorities"):
        assert secret not in text
    assert "kept sealed and are not listed here" in text


def test_another_persons_export_holds_none_of_it(
    org_a, person_a, officer_key_a, officer_a, officer_coordinator, record
):
    record()
    _file(person_a, officer_a)
    with scope(organisation=org_a):
        other = create_person(organisation=org_a, by=None, given_name_latin="Other")
    text, shown = _export(other, officer_coordinator)
    assert "Tehran" not in text and "PV-2026-118" not in text
    assert "Risk level" not in shown


def test_a_copy_made_outside_the_safety_compartment_names_the_part_and_lists_nothing(
    org_a, person_a, officer_key_a, officer_a, admin_a, record
):
    # The administrator may export a person but may not open safety files: the copy they make
    # must not open them either.
    record()
    _file(person_a, officer_a)
    text, shown = _export(person_a, admin_a)
    assert "Tehran" not in text and "PV-2026-118" not in text and "Risk level" not in shown
    data = json.loads(text)
    titles = {s["title"]: s for s in data["sections"]}
    assert titles["Threats and incidents"]["records"] == []
    assert "ask us for this part" in titles["Threats and incidents"]["withheld"]
