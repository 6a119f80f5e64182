"""Who may do what with shelter (added to the project's one permission table).

- Shelter coordinators (and coordinators, admins) register needs, hosts and offers, vet hosts,
  run the matcher and confirm placements.
- A host's address: shelter coordinators only, until a placement with that host is confirmed;
  then also the guest's caseworker, on that placement's page.
- A caseworker opens the placements of the people they may see through their cases (and records
  check-ins there); the object rule answers True for "no object" so the decorator can check the
  role first.
- The people behind needs (the lead and their household) and host contacts follow shelter's
  `Compartment` (registered here with the people app): it opens them to shelter coordinators,
  and a restricted case still closes its person to every member not named on it. Every shelter
  list and page narrows through `people_open_to`, so shelter and the people pages agree: a need,
  host or placement whose person the member may not see is absent from lists and answers 404.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from panah.core.models import Membership, Role
from panah.core.rules import add_permissions, has_role, with_object_rule
from panah.people.models import Person
from panah.people.rules import Compartment, people_closed_to, people_open_to, register_compartment

from .models import Host, Need, Placement

SHELTER_ROLES = (Role.SHELTER_COORDINATOR, Role.COORDINATOR, Role.ADMIN)
PLACEMENT_ROLES = (*SHELTER_ROLES, Role.CASEWORKER)

coordinates_shelter = has_role(*SHELTER_ROLES)


# --- the compartment -----------------------------------------------------------------------------


def _people_followed(organisation_id: int) -> QuerySet:
    # The lead of every need, the members of its household, and every host's contact person.
    needs = Need.objects.filter(organisation_id=organisation_id)
    hosts = Host.objects.filter(organisation_id=organisation_id)
    return (
        Person.objects.filter(organisation_id=organisation_id)
        .filter(
            Q(pk__in=needs.values("person_id"))
            | Q(household_id__in=needs.exclude(household_id=None).values("household_id"))
            | Q(pk__in=hosts.values("person_id"))
        )
        .values("pk")
    )


def _people_opened(membership: Membership) -> QuerySet | None:
    # Shelter coordinators work with every household and host; the people app still applies
    # every compartment's closures (a restricted case) on top of this. No one for other roles.
    if Role.SHELTER_COORDINATOR not in membership.role_set():
        return None
    return _people_followed(membership.organisation_id)


def _people_closed(membership: Membership) -> None:
    # Shelter closes no one by itself: the restriction of a person is a case's to make.
    return None


register_compartment(
    Compartment(
        name="shelter",
        follows=_people_followed,
        opens=_people_opened,
        closes=_people_closed,
    )
)


def _open_people(membership: Membership) -> QuerySet:
    return people_open_to(membership, Person.objects.all()).values("pk")


def needs_open_to(membership: Membership, needs: QuerySet[Need]) -> QuerySet[Need]:
    """`needs` narrowed to those whose lead person this member may see."""
    return needs.filter(person_id__in=_open_people(membership))


def hosts_open_to(membership: Membership, hosts: QuerySet[Host]) -> QuerySet[Host]:
    """`hosts` narrowed to those whose contact person this member may see."""
    return hosts.filter(person_id__in=_open_people(membership))


def placements_open_to(membership: Membership, placements: QuerySet[Placement]) -> QuerySet:
    """`placements` narrowed to those whose guest this member may see and whose host contact
    no compartment closes to them (a caseworker sees the guest's host without following it)."""
    return placements.filter(need__person_id__in=_open_people(membership)).exclude(
        offer__host__person_id__in=people_closed_to(membership)
    )


def may_see(membership: Membership | None, obj) -> bool:
    """Whether this member may see this need, host or placement (the querysets, for one row)."""
    if membership is None or obj.organisation_id != membership.organisation_id:
        return False
    narrow = {Need: needs_open_to, Host: hosts_open_to, Placement: placements_open_to}
    model = type(obj)
    return narrow[model](membership, model.objects.filter(pk=obj.pk)).exists()


@rules.predicate
def can_see_shelter_object(membership: Membership | None, obj=None) -> bool:
    # True for "no object", so the decorator checks the role first; the view then fetches
    # the object through get_for_member with the permission, which asks again with it.
    return obj is None or may_see(membership, obj)


add_permissions(
    {
        "shelter.view_shelter": with_object_rule(coordinates_shelter, can_see_shelter_object),
        "shelter.manage_shelter": with_object_rule(coordinates_shelter, can_see_shelter_object),
        "shelter.view_host_address": has_role(Role.SHELTER_COORDINATOR),
        "shelter.view_placement": with_object_rule(
            has_role(*PLACEMENT_ROLES), can_see_shelter_object
        ),
        "shelter.record_check_in": with_object_rule(
            has_role(*PLACEMENT_ROLES), can_see_shelter_object
        ),
    }
)
