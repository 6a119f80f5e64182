"""Fixtures of the advocacy tests: a coordinator of organisation A and the year's records."""

from __future__ import annotations

import pytest
from django_scopes import scope

from panah.core.crypto.keys import clear_key_caches
from panah.core.models import Role

from .scenario import typical_year


@pytest.fixture(autouse=True)
def _fresh_key_caches():
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def coordinator_a(org_a, make_member):
    return make_member(org_a, [Role.COORDINATOR], email="coordinator-a@example.org")


@pytest.fixture
def year(org_a, coordinator_a):
    with scope(organisation=org_a):
        return typical_year(org_a, coordinator_a)
