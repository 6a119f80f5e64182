"""Who may see and manage person records (added to the project's one permission table)."""

from panah.core.models import Role
from panah.core.rules import add_permissions, has_role

add_permissions(
    {
        "people.view_person": has_role(Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN),
        "people.manage_person": has_role(Role.CASEWORKER, Role.COORDINATOR, Role.ADMIN),
        "people.erase_person": has_role(Role.COORDINATOR, Role.ADMIN),
        "people.export_person": has_role(Role.COORDINATOR, Role.ADMIN),
    }
)
