"""A person's shelter records in their subject access export: their needs, the places proposed
and given (how each was chosen), check-ins, messages, where they slept and their host record;
never a host's name or address, and nothing of another person."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django_scopes import scope

from panah.people.models import Household, Person
from panah.people.services import create_person
from panah.people.subject_access import export_person
from panah.people.tests.test_subject_access import values
from panah.shelter import services

pytestmark = pytest.mark.django_db


def _placed(org_a, need_for, host_for, shelter_a, today):
    need = need_for(
        "Leila", adult_women=1, children=2, vulnerabilities=["pregnancy"], notes="Fled in May",
        place_needed_until=today + dt.timedelta(days=40),
    )  # fmt: skip
    host, offer = host_for(name="Famille Lambert", address="Rue Cachée 4", beds=3)
    with scope(organisation=org_a):
        placement = services.propose_placement(need=need, offer=offer, by=shelter_a)
        services.confirm_placement(placement=placement, by=shelter_a)
        placement = services.record_guest_decision(placement=placement, accepted=True, by=shelter_a)
        services.record_check_in(
            placement=placement, by=shelter_a, kind="check_in", occurred_on=today,
            guest_safe=True, working=True, note="Settled, the children go to school",
        )  # fmt: skip
    return need, host


def _export(person, by) -> tuple[str, dict]:
    text = export_person(person, by=by, fmt="json", language="en").content.decode()
    return text, values(json.loads(text))


def test_the_export_lists_the_need_its_place_check_ins_and_nights(
    org_a, need_for, host_for, shelter_a, admin_a, today
):
    need, _host = _placed(org_a, need_for, host_for, shelter_a, today)
    text, shown = _export(need.person, admin_a)
    assert shown["Children (under 18)"] == "2"
    assert shown["Vulnerabilities"] == "Pregnancy"
    assert shown["Notes"] == "Fled in May"
    assert shown["Place"] == "A family, Brussels"
    assert shown["Status"] == "Accepted by the guest"
    assert shown["How the place was chosen"].startswith("Chosen by a coordinator; priority score")
    assert shown["Note"] == "Settled, the children go to school"
    assert shown["Where"] == "A host"  # the last accommodation episode
    assert "Request for shelter 1" in text and "Where you slept" in text
    # The host's name and address are the host's own data.
    assert "Famille Lambert" not in text and "Rue Cachée" not in text


def test_the_export_says_which_stay_a_dynamic_run_weighed(
    org_a, need_for, host_for, shelter_a, admin_a, today
):
    need = need_for("Leila", adult_women=1, place_needed_until=today + dt.timedelta(days=40))
    host_for(kind="couple")
    with scope(organisation=org_a):
        services.run_matcher(organisation=org_a, by=shelter_a, policy="dynamic")
    _text, shown = _export(need.person, admin_a)
    assert shown["How the place was chosen"].startswith("Proposed by the matcher; priority score")
    assert shown["How the place was chosen"].endswith(
        ". Expected stay: about 40 nights, from the “needs a place until” date"
    )


def test_another_persons_export_holds_none_of_it_and_a_host_sees_their_own_record(
    org_a, need_for, host_for, shelter_a, admin_a, today
):
    need, host = _placed(org_a, need_for, host_for, shelter_a, today)
    with scope(organisation=org_a):
        other = need_for("Other", adult_men=1).person
    text, shown = _export(other, admin_a)
    assert "Fled in May" not in text and "Settled" not in text and "Pregnancy" not in text
    assert shown["Adult men"] == "1"
    # The host's contact reads their host record, and nothing of their guest.
    text, shown = _export(host.person, admin_a)
    assert shown["Name"] == "Famille Lambert" and shown["Address"] == "Rue Cachée 4"
    assert "Fled in May" not in text and "Settled" not in text


def test_a_household_member_reads_the_shared_facts_not_the_leads_details(
    org_a, need_for, host_for, shelter_a, admin_a, today
):
    need, _host = _placed(org_a, need_for, host_for, shelter_a, today)
    with scope(organisation=org_a):
        household = Household.objects.create(organisation=org_a)
        Person.objects.filter(pk=need.person_id).update(household=household)
        need.household = household
        need.save(update_fields=["household"])
        daughter = create_person(
            organisation=org_a, by=None, household=household, given_name_latin="Sara"
        )
    text, shown = _export(daughter, admin_a)
    assert shown["Children (under 18)"] == "2" and shown["Status"] == "Accepted by the guest"
    assert "Fled in May" not in text and "Pregnancy" not in text and "Settled" not in text
