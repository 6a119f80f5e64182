"""Every URL of the project refuses whoever may not see it (see tests/authz.py)."""

import pytest
import rules
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from django_scopes import scopes_disabled

from conftest import new_member
from panah.core.access import get_for_member, needs_permission
from panah.core.crypto.keys import clear_key_caches
from panah.core.models import Membership, Organisation, Role
from panah.core.rules import PERMISSIONS, add_permissions, has_role, panah_rules
from panah.people.models import Person
from panah.people.queries import people_list
from panah.urls import urlpatterns as project_urlpatterns
from tests.authz import build_world, check_url, iter_routes

ROUTES = list(iter_routes())


@pytest.fixture(scope="module")
def _keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-keys")


@pytest.fixture(scope="module")
def _seeded_world(django_db_setup, django_db_blocker, _keys_dir):
    """Organisation A's world, seeded once per module on each worker, in a transaction that is
    rolled back at the end. Each test runs inside it (pytest-django's per-test transaction
    becomes a savepoint, rolled back after the test), so what a test writes never reaches the
    next one, and the world they all read is the same."""
    keys = {"MASTER_KEY_FILE": str(_keys_dir / "master.key"),
            "ENCRYPTED_FILES_DIR": str(_keys_dir / "files")}  # fmt: skip
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, **keys),
        transaction.atomic(),
    ):
        cache.clear()
        clear_key_caches()
        org_a = Organisation.objects.create(name="Organisation A", slug="org-a")
        org_b = Organisation.objects.create(name="Organisation B", slug="org-b")
        world = build_world(new_member, org_a, org_b)
        # What the seeding made; samples a test creates lazily (advocacy's, safety's) live in
        # its own savepoint and are forgotten with it.
        snapshot = (dict(world.objects_a), list(world.markers_a), list(world.compartment_markers))
        yield world, keys, snapshot
        transaction.set_rollback(True)
    clear_key_caches()


@pytest.fixture
def world(_seeded_world, db, settings, make_member):
    """The seeded world, with this test's settings pointing at its keys."""
    seeded, keys, (objects, markers, compartment_markers) = _seeded_world
    seeded.objects_a = dict(objects)
    seeded.markers_a = list(markers)
    seeded.compartment_markers = list(compartment_markers)
    for name, value in keys.items():
        setattr(settings, name, value)
    seeded.make_member = make_member
    return seeded


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_url_refuses_everyone_who_may_not_see_it(route, world):
    assert check_url(world, route) == []


# --- The test of the test: views that forget their checks must be caught. --------------------


def forgot_the_mark(request):
    return HttpResponse("members: target-a@example.org")


@needs_permission("core.view_members")
def leaks_other_organisation(request, pk):
    # The mistake: an unscoped read finds another organisation's member.
    with scopes_disabled():
        membership = Membership.objects.get(pk=pk)
    return HttpResponse(membership.user.email)


def checks_nothing(request):
    return HttpResponse("removed")


@needs_permission("people.view_person")
def skips_the_compartment(request, pk):
    # The mistake: the person is fetched in the organisation, but without the person rule.
    person = get_for_member(request, Person, pk=pk)
    return HttpResponse(person.family_name_latin)


@needs_permission("people.view_person")
def lists_the_whole_organisation(request):
    # The mistake: the organisation's people instead of the member's share (people_for).
    return HttpResponse(" ".join(p.family_name_latin for p in people_list(request.organisation)))


# The mistake: a composed predicate that names no role (so no lower-role check could be made).
NAMELESS = "broken.nameless"


@needs_permission("core.view_dashboard")
def nameless(request):
    return HttpResponse("ok")


nameless.panah_access = NAMELESS


# The mistake: it claims a permission in its mark but never checks it.
checks_nothing.panah_access = "core.manage_members"

broken_patterns = [
    path("forgot/", forgot_the_mark, name="forgot"),
    path("leaks/<int:pk>/", leaks_other_organisation, name="leaks"),
    path("lax/", checks_nothing, name="lax"),
    path("person/<uuid:pk>/", skips_the_compartment, name="skips_compartment"),
    path("people/", lists_the_whole_organisation, name="lists_everyone"),
    path("nameless/", nameless, name="nameless"),
]
urlpatterns = [*project_urlpatterns, path("broken/", include((broken_patterns, "broken")))]


@override_settings(ROOT_URLCONF=__name__)
def test_the_matrix_catches_views_that_forget_their_checks(world):
    samples = {
        "broken:leaks": lambda w: {"pk": w.objects_a["membership"].pk},
        "broken:skips_compartment": lambda w: {"pk": w.objects_a["person"].pk},
    }
    routes = {r.name: r for r in iter_routes(__name__) if r.name.startswith("broken:")}
    add_permissions({NAMELESS: has_role(Role.ADMIN) & rules.always_true})
    try:
        problems = {name: check_url(world, r, samples=samples) for name, r in routes.items()}
    finally:
        del PERMISSIONS[NAMELESS]
        panah_rules.remove_rule(NAMELESS)

    assert problems["broken:forgot"] == [
        "broken:forgot: the view has no access mark (public, signed_in, needs_permission...)"
    ]
    assert any("member of organisation B answered 200" in p for p in problems["broken:leaks"])
    # Anonymous visitors are still turned away by LoginRequiredMiddleware (closed by default);
    # the member without the role is not.
    assert any("with roles" in p and "answered 200" in p for p in problems["broken:lax"])
    # A member with the roles, not on the restricted case, reaches its person or lists them.
    unassigned = "a member of A with roles ['admin', 'caseworker', 'coordinator'], not assigned"
    assert (
        f"broken:skips_compartment: GET as {unassigned} or named answered 200"
        in (problems["broken:skips_compartment"])
    )
    assert problems["broken:lists_everyone"] == [
        f"broken:lists_everyone: {unassigned} or named sees A's data ['Person-A']"
    ]
    assert problems["broken:nameless"] == [
        "broken:nameless: The permission 'broken.nameless' names no role: build it with "
        "has_role or with_object_rule, so the authorisation matrix can refuse the other roles."
    ]
