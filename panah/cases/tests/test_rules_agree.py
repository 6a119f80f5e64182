"""The object rules and the lists agree, and both say what docs/casework.md says.

For random small organisations (members with random roles, cases with random assignments and
restrictions, people registered by random members), every member is asked about every case
and every person three ways: the object rule, membership of the list, and a plain statement
of the documented rule written here in Python. All three must give the same answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django_scopes import scope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panah.cases import services
from panah.cases.queries import visible_cases
from panah.cases.rules import may_open
from panah.core.models import Membership, Role
from panah.people.models import Person
from panah.people.rules import may_see_person, people_open_to
from panah.people.services import create_person

pytestmark = pytest.mark.django_db

ROLES = [Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN, Role.RESEARCHER]
MEMBERS = 3
PEOPLE = 3


@dataclass(frozen=True)
class CaseSpec:
    person: int
    assigned: frozenset[int]
    restricted: bool
    named: frozenset[int]


members = st.lists(st.sets(st.sampled_from(ROLES), min_size=1), min_size=MEMBERS, max_size=MEMBERS)
member_sets = st.frozensets(st.integers(0, MEMBERS - 1))
cases = st.lists(
    st.builds(
        CaseSpec,
        person=st.integers(0, PEOPLE - 1),
        assigned=member_sets,
        restricted=st.booleans(),
        named=member_sets,
    ),
    max_size=4,
)
registrars = st.lists(
    st.one_of(st.none(), st.integers(0, MEMBERS - 1)), min_size=PEOPLE, max_size=PEOPLE
)


def works(roles) -> bool:
    return bool(set(roles) & {Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN})


def sees_all(roles) -> bool:
    return bool(set(roles) & {Role.COORDINATOR, Role.ADMIN})


def documented_may_open(member: int, roles, case: CaseSpec) -> bool:
    """docs/casework.md: assigned cases, or all for coordinators and admins; a restricted case
    only to the members named on it among those."""
    if case.restricted and member not in case.named:
        return False
    return sees_all(roles) or member in case.assigned


def documented_may_see(member: int, roles, person: int, registrar, all_cases) -> bool:
    """docs/security.md: the person follows the case compartment."""
    theirs = [c for c in all_cases if c.person == person]
    if any(c.restricted and member not in c.named for c in theirs):
        return False
    if sees_all(roles):
        return True
    if not theirs and registrar == member:
        return True
    return any(documented_may_open(member, roles, c) for c in theirs)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(roles=members, case_specs=cases, registered_by=registrars)
def test_the_object_rules_the_lists_and_the_documentation_agree(
    org_a, make_member, roles, case_specs, registered_by
):
    # Only caseworkers, coordinators and admins can be assigned (the service refuses others).
    case_specs = [
        dataclasses.replace(s, assigned=frozenset(i for i in s.assigned if works(roles[i])))
        for s in case_specs
    ]
    with transaction.atomic(), scope(organisation=org_a):
        users = [make_member(org_a, r) for r in roles]
        people = [
            create_person(
                organisation=org_a,
                by=None if who is None else users[who],
                given_name_latin=f"P{i}",
            )
            for i, who in enumerate(registered_by)
        ]
        made = []
        for spec in case_specs:
            case = services.open_case(
                organisation=org_a,
                person=people[spec.person],
                by=None,
                registered_on=dt.date(2026, 1, 1),
                caseworkers=[users[i] for i in sorted(spec.assigned)],
            )
            if spec.restricted:
                # Test data: a restriction as the service leaves it, without the restricter.
                case.restricted = True
                case.save(update_fields=["restricted"])
                case.restricted_to.set([users[i] for i in spec.named])
            made.append(case)
        for i, user in enumerate(users):
            membership = Membership.objects.get(organisation=org_a, user=user)
            listed_cases = set(visible_cases(membership).values_list("pk", flat=True))
            for case, spec in zip(made, case_specs, strict=True):
                expected = documented_may_open(i, roles[i], spec)
                assert may_open(membership, case) == expected
                assert (case.pk in listed_cases) == expected
            listed_people = set(
                people_open_to(membership, Person.objects.all()).values_list("pk", flat=True)
            )
            for j, person in enumerate(people):
                expected = documented_may_see(i, roles[i], j, registered_by[j], case_specs)
                assert may_see_person(membership, person) == expected
                assert (person.pk in listed_people) == expected
        transaction.set_rollback(True)
