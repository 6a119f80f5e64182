"""Who may publish: researchers publish statistics; researchers and coordinators see the list."""

from panah.core.models import Role
from panah.core.rules import add_permissions, has_role

add_permissions(
    {
        "public.view_publications": has_role(Role.RESEARCHER, Role.COORDINATOR),
        "public.publish_statistics": has_role(Role.RESEARCHER),
    }
)
