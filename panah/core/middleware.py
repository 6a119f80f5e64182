"""Per-request organisation, membership and second-factor enforcement."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_scopes import scope

from .access import PASSWORD_ONLY, PUBLIC, SIGNED_IN
from .lockdown import record_refused_login
from .models import Membership, Role, RoleGrant
from .passkeys import must_use_passkey, signed_in_with_passkey
from .persian import html_in_persian_digits, reads_persian

SESSION_ORG_KEY = "panah_organisation"


class OrganisationMiddleware:
    """Finds the member's current organisation and runs the request inside its scope.

    A member removed from their last organisation, or whose organisation is under emergency
    lock, is logged out on their next request: removal ends access at once. An administrator of
    a locked organisation may still log in, but sees only the unlock page (process_view).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._respond(request)
        if request.user.is_authenticated:
            # Nothing a member sees may stay in a browser's or a proxy's cache: a shared
            # computer's back button, or a download's copy, would show it to the next person.
            add_never_cache_headers(response)
        return response

    def _respond(self, request):
        request.membership = None
        request.organisation = None
        request.organisation_locked = False
        user = request.user
        if not user.is_authenticated:
            if (
                request.COOKIES.get(settings.SESSION_COOKIE_NAME)
                and not request.session.session_key
            ):
                # The cookie names no session: it expired, was ended or was tampered with. Said
                # here, not on the login page, because this response deletes the cookie and a
                # browser follows the redirect to the login page without it.
                messages.info(request, _("Your session has ended. Please log in again."))
            return self.get_response(request)
        if not user.is_active:
            logout(request)
            return self.get_response(request)

        memberships = active_memberships(user)
        # Under emergency lock an organisation is shut to everyone but its administrators.
        shut = [m for m in memberships if _is_shut_to(m)]
        if shut:
            memberships = [m for m in memberships if m not in shut]
            if not memberships:
                for m in shut:
                    record_refused_login(membership=m, request=request)
                logout(request)
                messages.error(request, locked_message())
                return redirect("core:login")
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

        request.memberships = memberships
        if membership is None:
            return self.get_response(request)
        request.membership = membership
        request.organisation = membership.organisation
        if membership.organisation.locked_at is not None:
            # An admin of a locked organisation: no scope is entered, so no protected record
            # can be read; process_view lets through only the pages that unlock.
            request.organisation_locked = True
            return self.get_response(request)
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
        if not getattr(view_func, "panah_passkey_setup", False) and _passkey_missing(request):
            return redirect("core:passkeys")
        if (
            request.organisation_locked
            and access != SIGNED_IN
            and not getattr(view_func, "panah_while_locked", False)
        ):
            return redirect("core:emergency_unlock")
        return None


def _passkey_missing(request) -> bool:
    """An administrator or safety officer whose session did not use a passkey (core.passkeys)."""

    return must_use_passkey(request) and not signed_in_with_passkey(request)


def locked_message() -> str:
    """What a member of a locked organisation is told when turned away."""
    return _("Your organisation is under emergency lock. Ask two administrators to unlock it.")


def _is_shut_to(membership: Membership) -> bool:
    """Whether an emergency lock keeps this member out (admins stay, to unlock)."""
    return membership.organisation.locked_at is not None and Role.ADMIN not in membership.role_set()


def active_memberships(user) -> list[Membership]:
    """The user's current memberships with their organisations and roles, in one query.

    Read from the role grants: an active membership always holds at least one role (removing
    a member deletes their grants; changing roles refuses an empty set). This runs on every
    request, so it is one join rather than a query and a prefetch.
    """
    grants = (
        RoleGrant.objects.with_scopes_disabled()
        .filter(membership__user_id=user.pk, membership__removed_at__isnull=True)
        .select_related("membership__organisation")
        .order_by("membership__organisation__name", "membership_id")
    )
    memberships: dict[int, Membership] = {}
    roles: dict[int, set[str]] = {}
    for grant in grants:
        membership = memberships.setdefault(grant.membership_id, grant.membership)
        roles.setdefault(grant.membership_id, set()).add(grant.role)
    for membership_id, membership in memberships.items():
        membership._roles = frozenset(roles[membership_id])
    return list(memberships.values())


class PersianDigitsMiddleware:
    """Every number shown on a Persian page in Persian digits, whatever template, filter or
    chart wrote it (one digit system per language in a sentence): the page's text is rewritten
    on its way out, its markup and typed input left as they are (core.persian)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            reads_persian(getattr(request, "LANGUAGE_CODE", None))
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header("Content-Encoding")
        ):
            charset = response.charset or "utf-8"
            response.content = html_in_persian_digits(response.content.decode(charset)).encode(
                charset
            )
        return response
