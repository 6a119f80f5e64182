"""Who may do what with shelter (added to the project's one permission table).

- Shelter coordinators (and coordinators, admins) register needs, hosts and offers, vet hosts,
  run the matcher and confirm placements.
- A host's address: shelter coordinators only, until a placement with that host is confirmed;
  then also the guest's caseworker, on that placement's page.
- A caseworker opens the placements of the people whose cases are assigned to them (and records
  check-ins there); the object rule answers True for "no object" so the decorator can check the
  role first.
"""

from __future__ import annotations

import rules

from panah.core.models import Membership, Role
from panah.core.rules import add_permissions, has_role

SHELTER_ROLES = (Role.SHELTER_COORDINATOR, Role.COORDINATOR, Role.ADMIN)
PLACEMENT_ROLES = (*SHELTER_ROLES, Role.CASEWORKER)

coordinates_shelter = has_role(*SHELTER_ROLES)


def follows_guest(membership: Membership | None, placement) -> bool:
    """Whether this member coordinates shelter, or follows a case of the placement's guest."""
    if membership is None or placement.organisation_id != membership.organisation_id:
        return False
    if membership.role_set() & set(SHELTER_ROLES):
        return True
    from panah.cases.models import CaseAssignment

    return CaseAssignment.objects.filter(
        case__person_id=placement.need.person_id, user_id=membership.user_id
    ).exists()


@rules.predicate
def can_open_placement(membership: Membership | None, placement=None) -> bool:
    return placement is None or follows_guest(membership, placement)


def _with_roles(predicate: rules.Predicate, roles) -> rules.Predicate:
    # The authorisation matrix reads `.roles` to find members who must be refused.
    predicate.roles = frozenset(roles)
    return predicate


add_permissions(
    {
        "shelter.view_shelter": coordinates_shelter,
        "shelter.manage_shelter": coordinates_shelter,
        "shelter.view_host_address": has_role(Role.SHELTER_COORDINATOR),
        "shelter.view_placement": _with_roles(
            has_role(*PLACEMENT_ROLES) & can_open_placement, PLACEMENT_ROLES
        ),
        "shelter.record_check_in": _with_roles(
            has_role(*PLACEMENT_ROLES) & can_open_placement, PLACEMENT_ROLES
        ),
    }
)
