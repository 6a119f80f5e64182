"""The researcher's dashboard panel: what the evidence holds, and what to do first."""

from __future__ import annotations

from django.http import HttpRequest

from panah.core.dashboard import Panel, panel
from panah.core.models import Role

from .queries import evidence_counts


@panel(Role.RESEARCHER)
def evidence_panel(request: HttpRequest) -> Panel:
    """Counts of sources, reports and victims; an empty state that points to the first import."""

    return Panel("evidence/panel.html", {"counts": evidence_counts(request.organisation)})
