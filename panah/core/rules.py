"""Who may do what: every permission of the project, granted to roles, in one place.

Views never test roles themselves; they name a permission (`core.manage_members`) and
`panah.core.access` asks this rule set with the member's current membership. Predicates take
`(membership, obj)`; compartments (a safety file assigned to named officers) are predicates on obj.
"""

from __future__ import annotations

import rules

from .models import Membership, Role

panah_rules = rules.RuleSet()


def has_role(*roles: str) -> rules.Predicate:
    """A predicate true when the membership holds any of `roles`."""
    wanted = frozenset(roles)

    @rules.predicate(name="has_role:" + ",".join(sorted(wanted)))
    def predicate(membership: Membership | None) -> bool:
        return membership is not None and bool(membership.role_set() & wanted)

    predicate.roles = wanted
    return predicate


is_member = has_role(*Role.values)
is_admin = has_role(Role.ADMIN)

# The permission table. Each entry: permission name -> roles that hold it.
# (Other apps add theirs in their own rules.py, built with has_role, so the table stays readable.)
PERMISSIONS: dict[str, rules.Predicate] = {
    "core.view_dashboard": is_member,
    "core.view_members": has_role(Role.ADMIN, Role.COORDINATOR),
    "core.manage_members": is_admin,
    "core.view_audit": has_role(Role.AUDITOR, Role.ADMIN),
    # Exporting the trail also needs a recent re-authentication (panah.core.reauth).
    "core.export_audit": has_role(Role.AUDITOR, Role.ADMIN),
    # The emergency lock: any one admin locks; two different admins unlock.
    "core.lock_organisation": is_admin,
    "core.unlock_organisation": is_admin,
}

for name, predicate in PERMISSIONS.items():
    panah_rules.add_rule(name, predicate)


def add_permissions(table: dict[str, rules.Predicate]) -> None:
    """Register another app's permissions (called from its rules.py)."""
    for name, predicate in table.items():
        PERMISSIONS[name] = predicate
        panah_rules.add_rule(name, predicate)


def member_may(membership: Membership | None, permission: str, obj=None) -> bool:
    """True when this membership holds `permission` (on `obj`, for compartmented records)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to a rules.py table.")
    return panah_rules.test_rule(permission, membership, obj)


def with_object_rule(roles: rules.Predicate, object_rule: rules.Predicate) -> rules.Predicate:
    """`roles` (a has_role predicate) and an object rule such as an assignment or a compartment.

    The result keeps the roles, so that the authorisation matrix knows whom to refuse, and says
    it is compartmented, so that the matrix also sends a member holding those roles who is
    neither assigned nor named.
    """
    combined = roles & object_rule
    combined.roles = roles.roles
    combined.compartmented = True
    return combined


def roles_granting(permission: str) -> frozenset[str]:
    """The roles that hold `permission` (used by the authorisation-matrix test).

    A predicate that names no role is a mistake the matrix must not skip silently: build it
    with has_role, or with with_object_rule for an object rule.
    """
    roles = getattr(PERMISSIONS[permission], "roles", None)
    if not roles:
        raise LookupError(
            f"The permission {permission!r} names no role: build it with has_role or "
            "with_object_rule, so the authorisation matrix can refuse the other roles."
        )
    return roles
