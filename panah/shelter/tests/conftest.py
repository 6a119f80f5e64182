"""Fixtures of the shelter tests: people through the people service, the rest through ours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from panah.core.crypto.keys import clear_key_caches
from panah.core.models import Role
from panah.people.services import create_person
from panah.shelter import services


@pytest.fixture(autouse=True)
def _fresh_key_caches():
    clear_key_caches()
    yield
    clear_key_caches()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def shelter_a(org_a, make_member):
    return make_member(org_a, [Role.SHELTER_COORDINATOR], email="shelter-a@example.org")


@pytest.fixture
def shelter_membership(org_a, shelter_a):
    """The shelter coordinator's membership of organisation A (the queries take one)."""
    from django_scopes import scopes_disabled

    from panah.core.models import Membership

    with scopes_disabled():
        return Membership.objects.get(user=shelter_a, organisation=org_a)


@pytest.fixture
def need_for(org_a, shelter_a, today):
    """need_for(name, women=, men=, children=, **fields) -> an open need in organisation A."""

    def make(name="Household", org=None, by=None, **fields):
        org = org or org_a
        fields.setdefault("adult_women", 0)
        fields.setdefault("adult_men", 0)
        fields.setdefault("children", 0)
        fields.setdefault("area", "brussels")
        fields.setdefault("without_roof_since", today - dt.timedelta(days=10))
        with scope(organisation=org):
            person = create_person(
                organisation=org, by=None, given_name_latin=name, family_name_latin="Test"
            )
            return services.register_need(organisation=org, person=person, by=by, **fields)

    return make


@pytest.fixture
def host_for(org_a, shelter_a, today):
    """host_for(kind, vetted=True, beds=2, **offer) -> (host, offer) in organisation A."""

    def make(kind="family", *, vetted=True, org=None, name="Host", address="Rue Secrète 7",
             cleared=False, area="brussels", **offer):  # fmt: skip
        org = org or org_a
        offer.setdefault("beds", 2)
        offer.setdefault("available_from", today - dt.timedelta(days=1))
        offer.setdefault("accepts_single_men", True)
        with scope(organisation=org):
            host = services.register_host(
                organisation=org, by=None, kind=kind, name=name, address=address, area=area,
                languages=["fa", "fr"],
            )  # fmt: skip
            if vetted:
                services.record_vetting(
                    host=host, by=None, home_visit_on=today - dt.timedelta(days=5),
                    home_visit_by=shelter_a, references_checked=True,
                    charter_signed_on=today - dt.timedelta(days=5),
                    vetting_renewal_on=today + dt.timedelta(days=360),
                    cleared_for_safety_alerts=cleared,
                )  # fmt: skip
            return host, services.add_offer(host=host, by=None, **offer)

    return make
