"""Per-request organisation, membership and second-factor enforcement."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.functional import LazyObject, empty
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware
from django_scopes import scope

from .access import PASSWORD_ONLY, PUBLIC, SIGNED_IN
from .models import Membership, Role, RoleGrant
from .persian import html_in_persian_digits, reads_persian
from .precompiled import PrecompiledQuery

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
            _never_cache(response)
        return response

    def _respond(self, request):
        request.membership = None
        request.organisation = None
        request.organisation_locked = False
        # The user itself rather than the lazy wrappers around it: every later middleware,
        # view and template reads it, and each read through a wrapper costs a proxy call.
        user = request.user = _unwrapped(request.user)
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
                from .security import record_refused_login

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
        if (
            request.organisation_locked
            and access != SIGNED_IN
            and not getattr(view_func, "panah_while_locked", False)
        ):
            return redirect("core:emergency_unlock")
        return None


def _unwrapped(user):
    """The user (or AnonymousUser) inside the authentication middlewares' lazy wrappers."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _never_cache(response) -> None:
    """Django's add_never_cache_headers, with its header parsing skipped when there is none."""
    if "Cache-Control" in response or "Expires" in response:
        add_never_cache_headers(response)
        return
    response.headers["Expires"] = http_date()
    response.headers["Cache-Control"] = NEVER_CACHE


def locked_message() -> str:
    """What a member of a locked organisation is told when turned away."""
    return _("Your organisation is under emergency lock. Ask two administrators to unlock it.")


def _is_shut_to(membership: Membership) -> bool:
    """Whether an emergency lock keeps this member out (admins stay, to unlock)."""
    return membership.organisation.locked_at is not None and Role.ADMIN not in membership.role_set()


_GRANTS_OF_USER = PrecompiledQuery(
    lambda user_id: (
        RoleGrant.objects.with_scopes_disabled()
        .filter(membership__user_id=user_id, membership__removed_at__isnull=True)
        .select_related("membership__organisation")
        .order_by("membership__organisation__name", "membership_id")
    ),
    -7_000_002,
)


def active_memberships(user) -> list[Membership]:
    """The user's current memberships with their organisations and roles, in one query.

    Read from the role grants: an active membership always holds at least one role (removing
    a member deletes their grants; changing roles refuses an empty set). This runs on every
    request, so it is one precompiled join rather than a query and a prefetch.
    """
    memberships: dict[int, Membership] = {}
    roles: dict[int, set[str]] = {}
    for grant in _GRANTS_OF_USER(user.pk):
        membership = memberships.setdefault(grant.membership_id, grant.membership)
        roles.setdefault(grant.membership_id, set()).add(grant.role)
    for membership_id, membership in memberships.items():
        membership._roles = frozenset(roles[membership_id])
    return list(memberships.values())


class SecondFactorMiddleware(OTPMiddleware):
    """django-otp's middleware, with the per-request device look-up precompiled.

    django-otp reads the device named in the session on every request (a deleted or
    unconfirmed device must stop counting at once); this reads it with a `PrecompiledQuery`
    per device model instead of building the queryset anew each time.
    """

    _by_model: dict[str, PrecompiledQuery] = {}

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        try:
            model_label, device_id = persistent_id.rsplit("/", 1)
            model = apps.get_model(model_label)
            device_pk = int(device_id)
        except (ValueError, LookupError):
            return None
        query = self._by_model.get(model_label)
        if query is None:
            query = self._by_model.setdefault(
                model_label,
                PrecompiledQuery(lambda pk: model._default_manager.filter(pk=pk), -7_000_003),
            )
        return query.first(device_pk)


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
