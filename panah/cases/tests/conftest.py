"""Fixtures of the casework tests: people through the people service, cases through open_case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from panah.cases import services
from panah.core.crypto.keys import clear_key_caches
from panah.core.models import Role
from panah.people.services import create_person


@pytest.fixture(autouse=True)
def _fresh_key_caches(settings, tmp_path):
    settings.ENCRYPTED_FILES_DIR = str(tmp_path / "files")
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def coordinator_a(org_a, make_member):
    return make_member(org_a, [Role.COORDINATOR], email="coordinator-a@example.org")


@pytest.fixture
def make_person(org_a):
    def make(org=None, by=None, **details):
        org = org or org_a
        details = details or {
            "given_name_fa": "نرگس",
            "family_name_fa": "حسینی",
            "given_name_latin": "Narges",
            "family_name_latin": "Hosseini",
            "nationality": "Iranian",
        }
        with scope(organisation=org):
            return create_person(organisation=org, by=by, **details)

    return make


@pytest.fixture
def make_case(org_a, make_person, today):
    """make_case(caseworkers=[...], org=org_a, registered_on=..., steps=[StepInput...])."""

    def make(caseworkers=(), org=None, registered_on=None, steps=(), person=None, **extra):
        org = org or org_a
        person = person or make_person(org)
        with scope(organisation=org):
            case = services.open_case(
                organisation=org,
                person=person,
                by=None,
                caseworkers=list(caseworkers),
                registered_on=registered_on or today - dt.timedelta(days=200),
                **extra,
            )
            for step in steps:
                services.record_step(case=case, by=None, step=step)
            case.refresh_from_db()
        return case

    return make


def lodged(on: dt.date) -> services.StepInput:
    return services.StepInput("application_lodged", on)


def refusal(on: dt.date, *, mode="hand_delivery", sent_on=None, **kw) -> services.StepInput:
    return services.StepInput(
        "cgrs_decision", on, outcome="refusal", notification_mode=mode, sent_on=sent_on or on, **kw
    )
