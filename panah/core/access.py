"""The one door every view goes through: who is asking, in which organisation, with what right.

Every view carries exactly one of these decorators; the authorisation-matrix test refuses a URL
whose view has none. The mark they leave (`view.panah_access`) says what the view requires.

- `public`: anyone, logged in or not (login page, published statistics).
- `signed_in`: a logged-in user who has passed the second factor, in no organisation in particular.
- `needs_permission(perm)`: a verified member of the current organisation holding `perm`;
  the view runs inside `scope(organisation=...)`, so protected querysets see that organisation only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import redirect

from .rules import PERMISSIONS, member_may

View = TypeVar("View", bound=Callable)

PUBLIC = "public"
SIGNED_IN = "signed_in"


def public(view: View) -> View:
    """Anyone may open this view: it shows nothing that is not meant for everyone."""
    view = login_not_required(view)
    view.panah_access = PUBLIC
    return view


def signed_in(view: View) -> View:
    """A verified user, whatever their organisation (their own account, switching organisation)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated or not request.user.is_verified():
            return redirect("core:login")
        return view(request, *args, **kwargs)

    wrapper.panah_access = SIGNED_IN
    return wrapper


def needs_permission(permission: str) -> Callable[[View], View]:
    """A verified member of the current organisation who holds `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.is_verified():
                return redirect("core:login")
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("core:choose_organisation")
            if not member_may(membership, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.panah_access = permission
        return wrapper

    return decorator


M = TypeVar("M", bound=models.Model)


def get_for_member(
    request: HttpRequest,
    model: type[M],
    permission: str | None = None,
    *,
    find: Callable[[int], M | None] | None = None,
    **lookup,
) -> M:
    """The object of the current organisation matching `lookup`, or 404.

    Another organisation's object is simply not found (404, never 403), because the model's
    scoped manager only sees the current organisation. With `permission`, an object-level
    rule (e.g. an assignment) is checked too, and a refusal is also a 404. `find`, given the
    organisation's id, replaces the manager's look-up (a query that filters by that
    organisation itself). A malformed id (not a UUID, from a query
    string or a form) is not found either, never a server error.
    """
    try:
        obj = find(request.organisation.pk) if find else model.objects.get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if obj is None:
        raise Http404
    if permission and not member_may(request.membership, permission, obj):
        raise Http404
    return obj


def require(request: HttpRequest, permission: str, obj=None) -> None:
    """Refuse (403) unless the current member holds `permission`; for checks inside a view."""
    if not member_may(getattr(request, "membership", None), permission, obj):
        raise PermissionDenied


PASSWORD_ONLY = "password_only"  # noqa: S105 (an access mark, not a password)


def password_only(view: View) -> View:
    """A user who gave their password but may not have passed the second factor yet.

    Only the second-factor pages and logging out carry this mark.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("core:login")
        return view(request, *args, **kwargs)

    wrapper.panah_access = PASSWORD_ONLY
    return wrapper


def passkey_setup(view: View) -> View:
    """Mark a view that a member who must use a passkey may open before their session used one
    (the passkey pages and re-authentication; panah.core.middleware sends them there)."""
    view.panah_passkey_setup = True
    return view
