"""Dashboard panels of the cases app: the caseworker's deadlines and the coordinator's overview."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from panah.core import charts
from panah.core.dashboard import Panel, panel
from panah.core.models import Role

from . import queries
from .statistics import waiting_statistics


@panel(Role.CASEWORKER)
def caseworker_panel(request: HttpRequest) -> Panel:
    """How many of my deadlines are overdue or due this week, and my next appointment."""

    membership = request.membership
    today = timezone.localdate()
    counts = queries.deadline_counts(membership, today=today, everyone=False)
    upcoming = queries.my_appointments(membership, since=timezone.now()).first()
    return Panel(
        "cases/panels/caseworker.html",
        {
            "overdue": counts["overdue"],
            "soon": counts["soon"],
            "cases": queries.case_list(membership).filter(ended=False).count(),
            "next_appointment": upcoming,
        },
    )


@panel(Role.COORDINATOR, Role.ADMIN)
def coordinator_panel(request: HttpRequest) -> Panel:
    """Open cases, deadlines at risk across the organisation, and the waiting-time curve."""

    membership = request.membership
    today = timezone.localdate()
    counts = queries.deadline_counts(membership, today=today, everyone=True)

    def draw() -> str:
        stats = waiting_statistics(membership.organisation_id, as_of=today)
        if not stats.cases:
            return ""
        return charts.survival_chart(
            stats.by_procedure[:3],
            title=_("Share of cases still waiting for a first decision"),
            desc=_("Kaplan–Meier curves by procedure; cases still waiting count until today."),
            x_label=_("days since registration"),
        )

    # The curves move by the day; an organisation with 100,000 cases should not redraw them
    # on every visit to the dashboard.
    key = f"cases:panel-chart:{membership.organisation_id}:{today}:{get_language()}"
    chart = cache.get_or_set(key, draw, timeout=600)
    return Panel(
        "cases/panels/coordinator.html",
        {
            "open_cases": queries.open_case_count(membership),
            "overdue": counts["overdue"],
            "soon": counts["soon"],
            "chart": mark_safe(chart) if chart else None,  # noqa: S308 (escaped in charts)
        },
    )
