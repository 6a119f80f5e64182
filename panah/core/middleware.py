"""Per-request organisation, membership and second-factor enforcement."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_scopes import scope

from .access import PASSWORD_ONLY, PUBLIC
from .models import Membership, RoleGrant

SESSION_ORG_KEY = "panah_organisation"


class OrganisationMiddleware:
    """Finds the member's current organisation and runs the request inside its scope.

    A member removed from their last organisation, or whose organisation is under emergency
    lock, is logged out on their next request: removal ends access at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.organisation = None
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if not user.is_active:
            logout(request)
            return self.get_response(request)

        memberships = active_memberships(user)
        if not memberships and not user.is_superuser:
            logout(request)
            messages.error(request, _("You are no longer a member of any organisation."))
            return redirect("core:login")
        chosen_id = request.session.get(SESSION_ORG_KEY)
        membership = next((m for m in memberships if m.organisation_id == chosen_id), None)
        if membership is None and len(memberships) == 1:
            membership = memberships[0]
            request.session[SESSION_ORG_KEY] = membership.organisation_id
        elif membership is None and chosen_id is not None:
            del request.session[SESSION_ORG_KEY]
        if membership is not None and membership.organisation.locked_at is not None:
            logout(request)
            messages.error(
                request,
                _(
                    "Your organisation is under emergency lock. Ask two administrators to unlock it."
                ),
            )
            return redirect("core:login")

        request.memberships = memberships
        if membership is None:
            return self.get_response(request)
        request.membership = membership
        request.organisation = membership.organisation
        with scope(organisation=membership.organisation):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Until the second factor is passed, only public and second-factor pages open."""
        access = getattr(view_func, "panah_access", None)
        user = request.user
        if access in (PUBLIC, PASSWORD_ONLY) or not user.is_authenticated:
            return None
        if not user.is_verified():
            return redirect("core:two_factor")
        return None


def active_memberships(user) -> list[Membership]:
    """The user's current memberships with their organisations and roles (two queries)."""
    return list(
        Membership.objects.with_scopes_disabled()
        .filter(user=user, removed_at__isnull=True)
        .select_related("organisation")
        # The grants are the user's own, read before any organisation is in scope.
        .prefetch_related(
            Prefetch("grants", queryset=RoleGrant.objects.with_scopes_disabled().all())
        )
        .order_by("organisation__name")
    )
