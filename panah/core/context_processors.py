"""What every page's layout needs: the organisation, the member's others, the demo flag."""

from django.conf import settings


def panah(request):
    """Context for base.html."""
    return {
        "current_organisation": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
        "other_memberships": [
            m
            for m in getattr(request, "memberships", [])
            if m.organisation_id != getattr(getattr(request, "organisation", None), "pk", None)
        ],
        "demo_mode": settings.DEMO,
    }
