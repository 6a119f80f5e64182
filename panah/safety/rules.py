"""Who may do what with safety files (added to the project's one permission table).

The compartment: the organisation's safety officers, and the caseworker assigned to a case of
the person (for that person only). Administrators and coordinators are not in it: their role
does not open safety files. Sealed facts open only with an officer's unlocked key, whatever
the permission says. Object rules answer True for "no object", so the decorator checks the
role first and the view then fetches the object with `get_for_member(..., permission=...)`.
"""

from __future__ import annotations

import rules

from panah.core.models import Membership, Role
from panah.core.rules import add_permissions, has_role

from . import queries

is_officer = has_role(Role.SAFETY_OFFICER)
in_compartment_roles = has_role(Role.SAFETY_OFFICER, Role.CASEWORKER)


@rules.predicate
def may_see_person_safety(membership: Membership | None, obj=None) -> bool:
    if obj is None:
        return True
    person = getattr(obj, "person", obj)
    return queries.may_see_safety_of(membership, person)


def _with_roles(predicate: rules.Predicate, roles) -> rules.Predicate:
    # The authorisation matrix reads `.roles` to find members who must be refused.
    predicate.roles = frozenset(roles)
    return predicate


COMPARTMENT = (Role.SAFETY_OFFICER, Role.CASEWORKER)

add_permissions(
    {
        "safety.view_incidents": in_compartment_roles,
        "safety.view_incident": _with_roles(
            in_compartment_roles & may_see_person_safety, COMPARTMENT
        ),
        "safety.view_person": _with_roles(
            in_compartment_roles & may_see_person_safety, COMPARTMENT
        ),
        "safety.record": is_officer,
        "safety.manage": _with_roles(is_officer & may_see_person_safety, (Role.SAFETY_OFFICER,)),
        "safety.hold_key": is_officer,
        "safety.manage_escrow": has_role(Role.ADMIN),
    }
)
