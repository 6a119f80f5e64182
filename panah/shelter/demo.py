"""Synthetic shelter data for the demo (`panah demo` calls create_demo_shelter).

Four households without a roof (a mother with two children, a family, a single man, a large
family that no offer fits), two vetted hosts and a collective shelter not yet vetted, through
the real services; then the matcher runs, so the demo opens on proposals with their reasons.
Nothing here is a real person or a real address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.core.models import Membership, Organisation, Role, User
from panah.people.demo import demo_people
from panah.people.models import Person

from . import services
from .models import MatchRun, Need

HOUSEHOLDS = [
    {"adult_women": 1, "children": 2, "vulnerabilities": ["minors", "trauma"], "days": 21,
     "area": "brussels", "sleeping_now": "Gare du Nord, hall"},
    {"adult_women": 1, "adult_men": 1, "children": 1, "vulnerabilities": [], "days": 9,
     "area": "brussels", "sleeping_now": "A friend's car"},
    {"adult_men": 1, "vulnerabilities": ["medical"], "days": 64, "area": "antwerp",
     "sleeping_now": "Parc Maximilien"},
    {"adult_women": 2, "adult_men": 2, "children": 4, "vulnerabilities": [], "days": 5,
     "area": "liege", "sleeping_now": "Night shelter, Liège"},
]  # fmt: skip

HOSTS = [
    {"kind": "family", "name": "Famille Janssens", "area": "brussels",
     "address": "Avenue des Demo 1, 1030 Schaerbeek", "languages": ["fr", "fa"],
     "offer": {"beds": 3, "accepts_single_men": False}, "vetted": True},
    {"kind": "couple", "name": "Koen & Sarah", "area": "antwerp",
     "address": "Demostraat 2, 2000 Antwerpen", "languages": ["nl", "en"],
     "offer": {"beds": 1, "accepts_single_men": True}, "vetted": True},
    {"kind": "collective", "name": "Maison Demo", "area": "liege",
     "address": "Rue Demo 3, 4000 Liège", "languages": ["fr"],
     "offer": {"beds": 20, "max_households": 10, "stay_days": 28}, "vetted": False},
]  # fmt: skip


def create_demo_shelter(
    organisation: Organisation, people: Sequence[Person], coordinator: User | None
) -> MatchRun:
    """Register the demo households and hosts, then run the matcher once."""
    today = timezone.localdate()
    with scope(organisation=organisation):
        for person, household in zip(people, HOUSEHOLDS, strict=False):
            fields = dict(household)
            days = fields.pop("days")
            services.register_need(
                organisation=organisation,
                person=person,
                by=coordinator,
                without_roof_since=today - dt.timedelta(days=days),
                languages=["fa"],
                **fields,
            )
        for spec in HOSTS:
            spec = dict(spec)
            offer, vetted = spec.pop("offer"), spec.pop("vetted")
            host = services.register_host(organisation=organisation, by=coordinator, **spec)
            if vetted and coordinator is not None:
                services.record_vetting(
                    host=host, by=coordinator, home_visit_on=today - dt.timedelta(days=12),
                    home_visit_by=coordinator, references_checked=True,
                    charter_signed_on=today - dt.timedelta(days=10),
                    vetting_renewal_on=today + dt.timedelta(days=355),
                )  # fmt: skip
            services.add_offer(
                host=host, by=coordinator, available_from=today - dt.timedelta(days=2), **offer
            )
        return services.run_matcher(organisation=organisation, by=coordinator)


def load_demo_records(organisation, progress) -> None:
    """The shelter part of `panah demo`: the last four demo people without a roof."""
    with scopes_disabled():
        if Need.objects.filter(organisation=organisation).exists():
            return
        coordinator = (
            Membership.objects.filter(
                organisation=organisation, grants__role=Role.SHELTER_COORDINATOR
            )
            .select_related("user")
            .first()
        )
    progress("Registering households without a roof and hosts, and matching them...")
    create_demo_shelter(
        organisation, demo_people(organisation)[-4:], coordinator.user if coordinator else None
    )
