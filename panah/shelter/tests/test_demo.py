"""The demo's shelter data: proposals with reasons, and a household no offer fits."""

from __future__ import annotations

import pytest
from django_scopes import scope

from panah.core.models import Role
from panah.shelter.demo import create_demo_shelter

pytestmark = pytest.mark.django_db


def test_the_demo_matches_two_households_and_explains_the_others(org_a, make_member):
    from panah.people.services import create_person

    coordinator = make_member(org_a, [Role.SHELTER_COORDINATOR])
    with scope(organisation=org_a):
        people = [
            create_person(organisation=org_a, by=None, given_name_latin=f"Demo {n}")
            for n in range(4)
        ]
    run = create_demo_shelter(org_a, people, coordinator)
    with scope(organisation=org_a):
        assert run.proposals.count() == 2
    reasons = sorted(run.unhoused.values())
    assert reasons == [["host_vetted", "whole_household_fits"], ["shortage"]]
