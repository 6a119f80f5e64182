"""Who may do what in advocacy: coordinators and admins run it; members see the plans.

Every member of the organisation may read the events, meetings and demands (volunteers take
tasks); coordinators and admins create, change and publish them and generate briefs. An
official's contact details open to coordinators and admins only.
"""

from panah.core.models import Role
from panah.core.rules import add_permissions, has_role

coordinates = has_role(Role.COORDINATOR, Role.ADMIN)
# Every role but the auditor, who reads the trail and never the records themselves.
works_here = has_role(*(r for r in Role.values if r != Role.AUDITOR))

add_permissions(
    {
        "advocacy.view": works_here,
        "advocacy.manage": coordinates,
        "advocacy.view_contacts": coordinates,
        "advocacy.publish": coordinates,
        "advocacy.briefs": coordinates,
        # A volunteer marks their own task done; coordinators any (checked in the view).
        "advocacy.complete_task": works_here,
    }
)
