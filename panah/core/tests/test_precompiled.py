"""Precompiled per-request queries read the database afresh every time, like a queryset."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.middleware import active_memberships
from panah.core.models import Invitation, Membership, Role, RoleGrant, User
from panah.core.precompiled import PrecompiledQuery

BY_EMAIL = PrecompiledQuery(lambda email: User.objects.filter(email=email), "sentinel@example.org")


def test_it_yields_what_the_queryset_yields_with_the_callers_parameters(admin_a, caseworker_a):
    found = BY_EMAIL("caseworker-a@example.org")

    assert found == [caseworker_a]
    # Values come back converted as a queryset gives them (dates aware, booleans bool).
    expected = User.objects.get(pk=caseworker_a.pk)
    assert found[0].date_joined == expected.date_joined
    assert found[0].is_active is True
    assert BY_EMAIL.first("admin-a@example.org") == admin_a
    assert BY_EMAIL.first("nobody@example.org") is None


def test_it_reads_the_database_on_every_call(caseworker_a):
    assert BY_EMAIL.first("caseworker-a@example.org").is_active
    User.objects.filter(pk=caseworker_a.pk).update(is_active=False)

    with CaptureQueriesContext(connection) as queries:
        assert BY_EMAIL.first("caseworker-a@example.org").is_active is False
    assert len(queries) == 1


def test_a_sentinel_missing_from_the_query_is_refused_when_first_run(db):
    query = PrecompiledQuery(lambda email: User.objects.all(), "sentinel@example.org")
    with pytest.raises(ValueError, match="Sentinel"):
        query("x@example.org")


def test_memberships_come_with_organisation_and_roles_in_one_query(org_a, org_b, make_member):
    user = make_member(org_a, [Role.ADMIN, Role.COORDINATOR], email="two@example.org")
    make_member(org_b, [Role.CASEWORKER], email="two@example.org")

    with CaptureQueriesContext(connection) as queries:
        memberships = active_memberships(user)
        names = [m.organisation.name for m in memberships]
    assert len(queries) == 1
    assert names == ["Organisation A", "Organisation B"]
    assert [m.role_set() for m in memberships] == [
        {Role.ADMIN, Role.COORDINATOR},
        {Role.CASEWORKER},
    ]

    with scopes_disabled():
        RoleGrant.objects.filter(membership__organisation=org_b).delete()
        Membership.objects.filter(organisation=org_b).delete()
    assert [m.organisation_id for m in active_memberships(user)] == [org_a.pk]


def test_each_call_hands_out_instances_of_its_own(caseworker_a):
    first = BY_EMAIL.first("caseworker-a@example.org")
    # What one request sets on its user (the device, a flag) never reaches the next request.
    first.display_name = "Changed in one request"
    first.otp_device = object()

    second = BY_EMAIL.first("caseworker-a@example.org")

    assert second.display_name == caseworker_a.display_name
    assert not hasattr(second, "otp_device")
    assert second._state is not first._state


def test_related_instances_are_copies_too(org_a, caseworker_a):
    first = active_memberships(caseworker_a)[0]
    first.organisation.name = "Changed in one request"
    first._roles = frozenset({"admin"})

    second = active_memberships(caseworker_a)[0]

    assert second.organisation.name == "Organisation A"
    assert second.role_set() == {Role.CASEWORKER}


def test_a_change_is_seen_when_no_query_is_logged(caseworker_a):
    # Outside CaptureQueriesContext the rows come through the driver's own cursor.
    assert not connection.queries_logged
    assert BY_EMAIL.first("caseworker-a@example.org").display_name == caseworker_a.display_name
    User.objects.filter(pk=caseworker_a.pk).update(display_name="Renamed")

    assert BY_EMAIL.first("caseworker-a@example.org").display_name == "Renamed"


def test_rows_holding_a_mutable_value_are_built_anew_each_time(org_a, admin_a):
    with scopes_disabled():
        Invitation.objects.create(
            organisation=org_a,
            email="new@example.org",
            roles=["caseworker"],
            token_hash="x" * 64,
            invited_by=admin_a,
            expires_at=timezone.now(),
        )
    by_email = PrecompiledQuery(
        lambda email: Invitation.objects.with_scopes_disabled().filter(email=email),
        "sentinel@example.org",
    )
    first = by_email.first("new@example.org")
    first.roles.append("admin")

    assert by_email.first("new@example.org").roles == ["caseworker"]


def test_a_query_filtered_by_organisation_must_run_in_that_organisations_scope(
    org_a, org_b, admin_a
):
    from django_scopes import scope
    from django_scopes.exceptions import ScopeError

    invitation_of = PrecompiledQuery(
        lambda organisation_id, email: Invitation.objects.filter(
            organisation_id=organisation_id, email=email
        ),
        -1,
        "sentinel@example.org",
        scope_argument=0,
    )
    with scopes_disabled():
        Invitation.objects.create(
            organisation=org_a, email="new@example.org", roles=[], token_hash="y" * 64,
            invited_by=admin_a, expires_at=timezone.now(),
        )  # fmt: skip

    with scope(organisation=org_a):
        assert invitation_of.first(org_a.pk, "new@example.org").organisation_id == org_a.pk
    with scope(organisation=org_b), pytest.raises(ScopeError):
        invitation_of(org_a.pk, "new@example.org")
    with pytest.raises(ScopeError):
        invitation_of(org_a.pk, "new@example.org")  # no organisation in scope at all
    with scopes_disabled():
        assert invitation_of(org_a.pk, "new@example.org")


def test_plain_sql_runs_through_the_driver_and_is_still_counted_when_logged(caseworker_a):
    from panah.core.precompiled import run_sql

    table = connection.ops.quote_name(User._meta.db_table)
    update = f"UPDATE {table} SET display_name = %s WHERE id = %s"  # noqa: S608
    select = f"SELECT display_name FROM {table} WHERE id = %s"  # noqa: S608

    assert run_sql(update, ["Through the driver", caseworker_a.pk]) == []
    assert run_sql(select, [caseworker_a.pk]) == [("Through the driver",)]
    with CaptureQueriesContext(connection) as queries:
        assert run_sql(select, [caseworker_a.pk]) == [("Through the driver",)]
    assert len(queries) == 1
