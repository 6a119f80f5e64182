"""Who may see and manage person records (added to the project's one permission table).

A person follows the compartments of the records other apps keep about them. The rule is
stated once, here, as a queryset (`people_open_to`); the object rule of `people.view_person`
and `people.manage_person` asks that same queryset for the one person, so the list, the search
and every page of a person cannot disagree.

- Coordinators and administrators reach everyone; other roles reach the people an app opens
  to them (a caseworker: the people behind the cases they may open) and the people they
  registered themselves that no app follows yet (so that they can open the first case).
- An app may also close a person whatever the role: a restricted case closes its person to
  everyone not named on it.

The people app knows nothing of cases: `core <- people <- cases`. Each app that keeps records
about people registers a `Compartment` (the cases app in its rules.py), saying which people it
follows, opens and closes for a member. Shelter coordinators and safety officers will be added
the same way, by their apps, without touching this rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import rules
from django.db.models import Q, QuerySet

from panah.core.models import Membership, Role
from panah.core.rules import add_permissions, has_role, with_object_rule

from .models import Person

SEES_EVERYONE = frozenset({Role.COORDINATOR, Role.ADMIN})
PERSON_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN)

# Person ids, as a subquery (`.values("person_id")`).
PersonIds = QuerySet


@dataclass(frozen=True)
class Compartment:
    """How one app's records about people open and close them to a member.

    `follows(organisation_id)`: the people this app keeps a record of (they are no longer the
    registering member's alone); `opens(membership)`: the people it opens to that member;
    `closes(membership)`: the people it closes to that member, whatever their role. `opens` and
    `closes` return None for no one: the rule then leaves that part out rather than building a
    subquery that finds nobody (building the rule's query was half a caseworker's dashboard).
    """

    name: str
    follows: Callable[[int], PersonIds]
    opens: Callable[[Membership], PersonIds | None]
    closes: Callable[[Membership], PersonIds | None]


COMPARTMENTS: dict[str, Compartment] = {}


def register_compartment(compartment: Compartment) -> None:
    """Make the people an app follows follow its compartment (called from the app's rules.py)."""
    COMPARTMENTS[compartment.name] = compartment


def people_closed_to(membership: Membership) -> PersonIds:
    """The people some compartment closes to this member whatever their role (a subquery)."""
    closed = Q(pk__in=[])
    for compartment in COMPARTMENTS.values():
        if (ids := compartment.closes(membership)) is not None:
            closed |= Q(pk__in=ids)
    return (
        Person.objects.filter(organisation_id=membership.organisation_id)
        .filter(closed)
        .values("pk")
    )


UNKNOWN = object()


def people_open_to(
    membership: Membership, people: QuerySet, *, only=None, registered_by=UNKNOWN
) -> QuerySet:
    """`people` narrowed to those this member may see: the one statement of the person rule.

    `only`: the one person asked about (may_see_person). Each compartment's people are then
    narrowed to that person, so the database looks up their few records through the person's
    index instead of listing every record of the organisation (50,000 cases) to test one.
    `registered_by`: that person's `created_by_id`, when known. If another member registered
    them, the part of the rule about the member's own registrations cannot open them and is
    left out of the statement (building it was a third of the rule's cost).
    """

    def of(ids: PersonIds) -> PersonIds:
        return ids if only is None else Person.objects.filter(pk=only, pk__in=ids).values("pk")

    people = people.filter(organisation_id=membership.organisation_id)
    for compartment in COMPARTMENTS.values():
        if (closed := compartment.closes(membership)) is not None:
            people = people.exclude(pk__in=of(closed))
    if membership.role_set() & SEES_EVERYONE:
        return people
    reach = None
    if registered_by is UNKNOWN or registered_by == membership.user_id:
        reach = Q(created_by_id=membership.user_id)
        for compartment in COMPARTMENTS.values():
            reach &= ~Q(pk__in=of(compartment.follows(membership.organisation_id)))
    for compartment in COMPARTMENTS.values():
        if (opened := compartment.opens(membership)) is not None:
            opens = Q(pk__in=of(opened))
            reach = opens if reach is None else reach | opens
    return people.none() if reach is None else people.filter(reach)


def may_see_person(membership: Membership | None, person) -> bool:
    """Whether this member may see this person (the queryset above, asked for one row)."""
    if membership is None or person.organisation_id != membership.organisation_id:
        return False
    # Who registered the person prunes the rule only when it was read with the person.
    known = "created_by_id" not in person.get_deferred_fields() and person.pk is not None
    registered_by = person.created_by_id if known else UNKNOWN
    people = Person.objects.filter(pk=person.pk)
    return people_open_to(membership, people, only=person.pk, registered_by=registered_by).exists()


@rules.predicate
def can_see_person(membership: Membership | None, person=None) -> bool:
    # True for "no object", so the view's decorator checks the role first; the view then
    # fetches the person through views._person, which asks again with the person.
    return person is None or may_see_person(membership, person)


works_with_people = has_role(*PERSON_ROLES)
coordinates = has_role(Role.COORDINATOR, Role.ADMIN)

add_permissions(
    {
        "people.view_person": with_object_rule(works_with_people, can_see_person),
        "people.manage_person": with_object_rule(works_with_people, can_see_person),
        "people.erase_person": with_object_rule(coordinates, can_see_person),
        "people.export_person": with_object_rule(coordinates, can_see_person),
    }
)
