"""Every URL of the project refuses whoever may not see it (see tests/authz.py)."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django_scopes import scopes_disabled

from panah.core.access import permission_required
from panah.core.models import Membership
from panah.urls import urlpatterns as project_urlpatterns
from tests.authz import build_world, check_url, iter_routes

ROUTES = list(iter_routes())


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_url_refuses_everyone_who_may_not_see_it(route, make_member, org_a, org_b):
    world = build_world(make_member, org_a, org_b)
    assert check_url(world, route) == []


# --- The test of the test: views that forget their checks must be caught. --------------------


def forgot_the_mark(request):
    return HttpResponse("members: target-a@example.org")


@permission_required("core.view_members")
def leaks_other_organisation(request, pk):
    # The mistake: an unscoped read finds another organisation's member.
    with scopes_disabled():
        membership = Membership.objects.get(pk=pk)
    return HttpResponse(membership.user.email)


def checks_nothing(request):
    return HttpResponse("removed")


# The mistake: it claims a permission in its mark but never checks it.
checks_nothing.panah_access = "core.manage_members"

broken_patterns = [
    path("forgot/", forgot_the_mark, name="forgot"),
    path("leaks/<int:pk>/", leaks_other_organisation, name="leaks"),
    path("lax/", checks_nothing, name="lax"),
]
urlpatterns = [*project_urlpatterns, path("broken/", include((broken_patterns, "broken")))]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_the_matrix_catches_views_that_forget_their_checks(make_member, org_a, org_b):
    world = build_world(make_member, org_a, org_b)
    samples = {"broken:leaks": lambda w: {"pk": w.objects_a["membership"].pk}}
    routes = {r.name: r for r in iter_routes(__name__) if r.name.startswith("broken:")}
    problems = {name: check_url(world, r, samples=samples) for name, r in routes.items()}

    assert problems["broken:forgot"] == [
        "broken:forgot: the view has no access mark (public, signed_in, permission_required...)"
    ]
    assert any("member of organisation B answered 200" in p for p in problems["broken:leaks"])
    # Anonymous visitors are still turned away by LoginRequiredMiddleware (closed by default);
    # the member without the role is not.
    assert any("with roles" in p and "answered 200" in p for p in problems["broken:lax"])
