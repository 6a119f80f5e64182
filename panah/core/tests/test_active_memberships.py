"""The per-request membership read, and hand-written SQL run through Django's cursor."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from panah.core.db import run_sql
from panah.core.middleware import active_memberships
from panah.core.models import Membership, Role, RoleGrant, User


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


def test_plain_sql_returns_its_rows_and_is_counted_like_any_query(caseworker_a):
    table = connection.ops.quote_name(User._meta.db_table)
    update = f"UPDATE {table} SET display_name = %s WHERE id = %s"  # noqa: S608
    select = f"SELECT display_name FROM {table} WHERE id = %s"  # noqa: S608

    assert run_sql(update, ["Through the cursor", caseworker_a.pk]) == []
    with CaptureQueriesContext(connection) as queries:
        assert run_sql(select, [caseworker_a.pk]) == [("Through the cursor",)]
    assert len(queries) == 1
