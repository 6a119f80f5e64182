"""Who may do what with cases (added to the project's one permission table).

- Caseworkers see the cases assigned to them; coordinators and admins see every case.
- A restricted case opens only to the members named on it, whatever their role.
- The object-level rules answer True for "no object" so the view's decorator can check the
  role first; the view then fetches the case with `get_for_member(..., permission=...)`.
"""

from __future__ import annotations

from uuid import UUID

import rules

from panah.core.models import Membership, Role
from panah.core.precompiled import PrecompiledQuery
from panah.core.rules import add_permissions, has_role

from .models import Case, CaseAssignment

CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN)
SEES_ALL = frozenset({Role.COORDINATOR, Role.ADMIN})

works_on_cases = has_role(*CASE_ROLES)
coordinates = has_role(Role.COORDINATOR, Role.ADMIN)


# Asked on every case page and form: compiled once (core.precompiled). Both filter by the case,
# which the caller has already found in the member's organisation.
_EXAMPLE_CASE = UUID(int=7)
_NAMED_ON_CASE = PrecompiledQuery(
    lambda case_id, user_id: Case.restricted_to.through.objects.filter(
        case_id=case_id, user_id=user_id
    ),
    _EXAMPLE_CASE,
    -7_100_001,
)
_ASSIGNED_TO_CASE = PrecompiledQuery(
    lambda case_id, user_id: CaseAssignment.objects.filter(case_id=case_id, user_id=user_id),
    _EXAMPLE_CASE,
    -7_100_002,
)


def may_open(membership: Membership | None, case) -> bool:
    """Whether this member may open this case (restriction first, then assignment or role)."""
    if membership is None:
        return False
    if case.organisation_id != membership.organisation_id:
        return False
    if case.restricted:
        return bool(_NAMED_ON_CASE(case.pk, membership.user_id))
    if membership.role_set() & SEES_ALL:
        return True
    return bool(_ASSIGNED_TO_CASE(case.pk, membership.user_id))


@rules.predicate
def can_open_case(membership: Membership | None, case=None) -> bool:
    return case is None or may_open(membership, case)


def _with_roles(predicate: rules.Predicate, roles) -> rules.Predicate:
    # The authorisation matrix reads `.roles` to find members who must be refused.
    predicate.roles = frozenset(roles)
    return predicate


add_permissions(
    {
        "cases.view_cases": works_on_cases,
        "cases.view_case": _with_roles(works_on_cases & can_open_case, CASE_ROLES),
        "cases.change_case": _with_roles(works_on_cases & can_open_case, CASE_ROLES),
        "cases.open_case": works_on_cases,
        "cases.assign_case": _with_roles(
            coordinates & can_open_case, (Role.COORDINATOR, Role.ADMIN)
        ),
        "cases.restrict_case": _with_roles(
            coordinates & can_open_case, (Role.COORDINATOR, Role.ADMIN)
        ),
        "cases.view_rules": works_on_cases,
        "cases.edit_rules": has_role(Role.ADMIN),
        "cases.view_statistics": coordinates,
        "cases.export_statistics": coordinates,
        "cases.import": coordinates,
    }
)
