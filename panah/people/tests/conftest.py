"""Fixtures of the people tests: fresh key caches, people created through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope

from panah.core.crypto.keys import clear_key_caches
from panah.people.models import Person
from panah.people.services import create_person

NARGES = {
    "given_name_fa": "نرگس",
    "family_name_fa": "حسینی",
    "given_name_latin": "Narges",
    "family_name_latin": "Hosseini",
    "date_of_birth": dt.date(1988, 3, 21),
    "gender": "female",
    "nationality": "Iranian",
    "languages": ["fa", "fr"],
    "phone": "+32 470 12 34 56",
    "email": "narges.hosseini@example.org",
    "address": "Rue de la Loi 16, 1000 Bruxelles",
}


@pytest.fixture(autouse=True)
def _fresh_key_caches():
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def make_person(org_a):
    """make_person(org=org_a, by=None, **details) -> Person, created through create_person.

    `by` registers the person: a caseworker sees the people they registered that have no case
    yet (panah.people.rules), and nobody else's without a case."""

    def make(org=None, by=None, **details) -> Person:
        org = org or org_a
        with scope(organisation=org):
            return create_person(organisation=org, by=by, **(details or NARGES))

    return make


def reload(person: Person) -> Person:
    """The person read again from the database, with nothing cached on the instance."""
    with scope(organisation=person.organisation):
        return Person.objects.get(pk=person.pk)
