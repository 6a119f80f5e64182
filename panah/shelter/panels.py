"""Dashboard panel of the shelter app: today's figures and the placements ending unresolved."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from panah.core.dashboard import Panel, panel
from panah.core.models import Role

from . import queries, services


@panel(Role.SHELTER_COORDINATOR, Role.COORDINATOR, Role.ADMIN)
def shelter_panel(request: HttpRequest) -> Panel:
    """People without shelter, nights, free beds, placements ending without a next place."""

    data = queries.figures(membership=request.membership, today=timezone.localdate())
    return Panel(
        "shelter/panels/shelter.html",
        {"figures": data, "points": queries.chart_points(data.over_time)},
    )


@panel(Role.CASEWORKER)
def caseworker_shelter_panel(request: HttpRequest) -> Panel | None:
    """The placements of the people I follow, with the next check-in due."""

    rows = queries.placements_followed_by(request.membership)
    if not rows:
        return None
    today = timezone.localdate()
    items = [
        (p, next((d for d in services.check_in_schedule(p) if d >= today), None)) for p in rows
    ]
    return Panel("shelter/panels/caseworker.html", {"items": items})
