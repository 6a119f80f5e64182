"""Fixtures of the safety tests: officers with keys, a person with an assigned caseworker."""

from __future__ import annotations

import datetime as dt

import pytest
from django_scopes import scope

from panah.cases import services as case_services
from panah.core.crypto.keys import clear_key_caches
from panah.core.models import Role
from panah.people.services import create_person
from panah.safety import services

PASSPHRASE = "a long walk to Tabriz at dawn"  # noqa: S105 (test passphrase)
MARKER = "NARRATIVE-MARKER-7f3a"


@pytest.fixture(autouse=True)
def _cheap_kdf(settings, tmp_path):
    settings.SAFETY_KDF_TIME_COST = 1
    settings.SAFETY_KDF_MEMORY_KIB = 1024
    settings.ENCRYPTED_FILES_DIR = str(tmp_path / "files")
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def officer_a(org_a, make_member):
    return make_member(org_a, [Role.SAFETY_OFFICER], email="officer-a@example.org")


@pytest.fixture
def officer_key_a(org_a, officer_a):
    with scope(organisation=org_a):
        return services.set_up_officer_key(
            organisation=org_a, user=officer_a, passphrase=PASSPHRASE
        )


@pytest.fixture
def person_a(org_a):
    with scope(organisation=org_a):
        return create_person(
            organisation=org_a, by=None, given_name_latin="Reza", family_name_latin="Karimi-A"
        )


@pytest.fixture
def case_a(org_a, person_a, caseworker_a, admin_a):
    with scope(organisation=org_a):
        case = case_services.open_case(
            organisation=org_a, person=person_a, by=admin_a,
            registered_on=dt.date.today() - dt.timedelta(days=30),
        )  # fmt: skip
        case_services.assign_case(case=case, caseworkers=[caseworker_a], by=admin_a)
    return case


@pytest.fixture
def record(org_a, person_a, officer_a):
    """record(**overrides) -> an incident of person_a with sealed facts holding MARKER."""

    def make(**overrides):
        values = {
            "organisation": org_a,
            "person": person_a,
            "by": officer_a,
            "category": "coercion_relatives",
            "occurred_on": dt.date.today() - dt.timedelta(days=3),
            "country": "IR",
            "confidence": "likely",
            "reported_by": "the_person",
            "place": "Tehran, Evin prison visiting room",
            "indicators": ["summons_of_relatives"],
            "sealed": services.SealedFacts(
                narrative=f"His brother was summoned {MARKER}",
                sources="Cousin Ali, phone +98 912 000 0000",
                relatives="Brother Hamid Karimi, Tabriz",
            ),
            "unlocked": True,
        }
        values.update(overrides)
        with scope(organisation=org_a):
            return services.record_incident(**values)

    return make
