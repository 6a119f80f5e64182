"""Who may do what with cases (added to the project's one permission table).

- Caseworkers see the cases assigned to them; coordinators and admins see every case.
- A restricted case opens only to the members named on it, and among them only to those who
  could open it anyway (assigned, or a coordinator or admin): restricting narrows, never widens.
- "Who may open a case" is stated once, as a queryset filter (`open_to`); the object rule
  (`may_open`) and every list (`queries.visible_cases`, the deadlines) come from it, and a
  property test checks that they agree.
- The object-level rules answer True for "no object" so the view's decorator can check the
  role first; the view then fetches the case with `get_for_member(..., permission=...)`.
- The person behind a case follows its compartment: this module registers the cases'
  `Compartment` with the people app (panah.people.rules), which owns the person rule.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from panah.core.models import Membership, Role
from panah.core.rules import add_permissions, has_role, with_object_rule
from panah.people.rules import Compartment, register_compartment

from .models import Case

CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN)
SEES_ALL = frozenset({Role.COORDINATOR, Role.ADMIN})

works_on_cases = has_role(*CASE_ROLES)
coordinates = has_role(Role.COORDINATOR, Role.ADMIN)


def sees_all(membership: Membership) -> bool:
    """Whether the member's roles open every (unrestricted) case of the organisation."""
    return bool(membership.role_set() & SEES_ALL)


def open_to(membership: Membership, rows: QuerySet, *, via: str = "") -> QuerySet:
    """`rows` narrowed to the cases this member may open: the one statement of the rule.

    `rows` are cases, or rows about a case when `via` is the path to it ("case__"). The rows
    must already be of the member's organisation.
    """
    named = Case.restricted_to.through.objects.filter(user_id=membership.user_id)
    rows = rows.filter(
        Q(**{f"{via}restricted": False}) | Q(**{f"{via}pk__in": named.values("case_id")})
    )
    if not sees_all(membership):
        # A join, not `pk IN (subquery)`: the planner then starts from the member's few
        # assignments (index on user) instead of walking 100,000 cases in deadline order. One
        # assignment per case and member (a constraint), so the join repeats no row.
        rows = rows.filter(**{f"{via}assignments__user_id": membership.user_id})
    return rows


def may_open(membership: Membership | None, case) -> bool:
    """Whether this member may open this case (the rule above, asked for one case)."""
    if membership is None or case.organisation_id != membership.organisation_id:
        return False
    one = Case.objects.filter(organisation_id=membership.organisation_id, pk=case.pk)
    return open_to(membership, one).exists()


@rules.predicate
def can_open_case(membership: Membership | None, case=None) -> bool:
    return case is None or may_open(membership, case)


def _of_person(cases: QuerySet, only) -> QuerySet:
    return cases if only is None else cases.filter(person_id=only)


def _people_followed(organisation_id: int, *, only=None) -> QuerySet:
    return _of_person(Case.objects.filter(organisation_id=organisation_id), only).values(
        "person_id"
    )


def _people_opened(membership: Membership, *, only=None) -> QuerySet:
    cases = _of_person(Case.objects.filter(organisation_id=membership.organisation_id), only)
    return open_to(membership, cases).values("person_id")


def _people_closed(membership: Membership, *, only=None) -> QuerySet:
    # A person with a restricted case is closed to whoever is not named on it, whatever their
    # role and whatever their other cases: the restriction protects the person, not one file.
    named = Case.restricted_to.through.objects.filter(user_id=membership.user_id)
    return (
        _of_person(
            Case.objects.filter(organisation_id=membership.organisation_id, restricted=True), only
        )
        .exclude(pk__in=named.values("case_id"))
        .values("person_id")
    )


register_compartment(
    Compartment(
        name="cases",
        follows=_people_followed,
        opens=_people_opened,
        closes=_people_closed,
    )
)

add_permissions(
    {
        "cases.view_cases": works_on_cases,
        "cases.view_case": with_object_rule(works_on_cases, can_open_case),
        "cases.change_case": with_object_rule(works_on_cases, can_open_case),
        "cases.open_case": works_on_cases,
        "cases.assign_case": with_object_rule(coordinates, can_open_case),
        "cases.restrict_case": with_object_rule(coordinates, can_open_case),
        "cases.view_rules": works_on_cases,
        "cases.edit_rules": has_role(Role.ADMIN),
        "cases.view_statistics": coordinates,
        "cases.export_statistics": coordinates,
        "cases.import": coordinates,
    }
)
