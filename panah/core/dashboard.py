"""The home dashboard's panels: each app contributes panels for the roles it serves.

A panel is a template and its context. Apps register a function with `panel(role)`; the
dashboard shows the panels of every role the member holds, each once, drawn on every visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .models import READ_BURST_ACTION, AuditEntry, Role
from .queries import open_invitations, organisation_members


@dataclass
class Panel:
    """One box on the dashboard."""

    template: str
    context: dict = field(default_factory=dict)


PanelFunction = Callable[[HttpRequest], Panel | None]
_REGISTRY: list[tuple[str, PanelFunction]] = []


def panel(*roles: str) -> Callable[[PanelFunction], PanelFunction]:
    """Register a panel function for members holding any of `roles`."""

    def decorator(func: PanelFunction) -> PanelFunction:
        for role in roles:
            _REGISTRY.append((role, func))
        return func

    return decorator


def panels_for(request: HttpRequest) -> list[Panel]:
    """The panels for the current member's roles, in registration order, without repeats."""
    roles = request.membership.role_set()
    seen: set[PanelFunction] = set()
    panels = []
    for role, func in _REGISTRY:
        if role in roles and func not in seen:
            seen.add(func)
            result = func(request)
            if result is not None:
                panels.append(result)
    return panels


def rendered_panels(request: HttpRequest) -> SafeString:
    """The HTML of the member's panels."""
    html = "".join(
        render_to_string(p.template, {"p": p.context}, request) for p in panels_for(request)
    )
    return mark_safe(html)  # noqa: S308 (rendered by the autoescaping templates above)


@panel(*Role.values)
def welcome(request: HttpRequest) -> Panel:
    """What each of the member's roles is for, so a newcomer knows where they stand."""
    roles = sorted(request.membership.role_set(), key=Role.values.index)
    return Panel("core/panels/welcome.html", {"roles": [Role(r) for r in roles]})


@panel(Role.ADMIN, Role.COORDINATOR)
def members_panel(request: HttpRequest) -> Panel:

    return Panel(
        "core/panels/members.html",
        {
            "member_count": organisation_members(request.organisation).count(),
            "invitation_count": open_invitations(request.organisation).count(),
            "can_invite": Role.ADMIN in request.membership.role_set(),
        },
    )


# The roles whose panel lists the newest entries of the trail, reads included.
TRAIL_ROLES = (Role.AUDITOR, Role.ADMIN)


@panel(*TRAIL_ROLES)
def audit_panel(request: HttpRequest) -> Panel:

    recent = (
        AuditEntry.objects.filter(organisation=request.organisation)
        .select_related("actor")
        .order_by("-at", "-id")[:5]
    )
    return Panel("core/panels/audit.html", {"recent": list(recent)})


@panel(Role.ADMIN)
def security_panel(request: HttpRequest) -> Panel:
    """Recent read-burst alerts and the emergency lock, for administrators."""

    alerts = AuditEntry.objects.filter(
        organisation=request.organisation,
        action=READ_BURST_ACTION,
        at__gte=timezone.now() - timedelta(days=30),
    ).order_by("-at", "-id")[:5]
    return Panel("core/security/panel.html", {"alerts": list(alerts)})
