"""What every page's layout needs: the organisation, the member's others, the demo flag."""

from django.conf import settings


def panah(request):
    """Context for base.html."""
    membership = getattr(request, "membership", None)
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": membership,
        # The main menu is cached by role set (base.html): it depends on nothing else.
        "current_roles": ",".join(sorted(membership.role_set())) if membership else "",
        "other_memberships": [
            m
            for m in getattr(request, "memberships", [])
            if m.organisation_id != getattr(getattr(request, "organisation", None), "pk", None)
        ],
        "demo_mode": settings.DEMO,
    }
