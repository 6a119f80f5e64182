"""Organisation scoping: protected querysets fail loudly outside a scope and never cross over."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.http import Http404
from django.test import RequestFactory
from django_scopes import ScopeError, scope, scopes_disabled

from panah.core import services
from panah.core.access import get_for_member
from panah.core.middleware import active_memberships
from panah.core.models import (
    AuditEntry,
    Invitation,
    Membership,
    Organisation,
    Role,
    RoleGrant,
)

# Rows that belong to an organisation but are read only by services that name it explicitly.
UNSCOPED_ON_PURPOSE = {
    "core.organisationkey": "wrapped key material, read by the crypto layer for a known organisation",
    "core.unlockapproval": "an emergency-lock approval, read by the lock service for its organisation",
}

CORE_SCOPED = [Membership, RoleGrant, Invitation, AuditEntry]


def is_scoped(model) -> bool:
    return hasattr(model._default_manager, "with_scopes_disabled")


def test_every_model_that_belongs_to_an_organisation_is_scoped():
    unscoped = []
    for model in apps.get_models():
        belongs = any(
            f.is_relation and f.many_to_one and f.related_model is Organisation
            for f in model._meta.get_fields()
        )
        if belongs and not is_scoped(model) and model._meta.label_lower not in UNSCOPED_ON_PURPOSE:
            unscoped.append(model._meta.label_lower)

    assert unscoped == [], (
        "Give these models `objects = ScopedManager(organisation=...)`, or list them in "
        "UNSCOPED_ON_PURPOSE with the reason"
    )


QUERIES = {
    "all": lambda m: list(m.objects.all()),
    "filter": lambda m: list(m.objects.filter(pk__gt=0)),
    "get": lambda m: m.objects.get(pk=1),
    "first": lambda m: m.objects.first(),
    "count": lambda m: m.objects.count(),
    "values": lambda m: list(m.objects.values("pk")),
    "exists": lambda m: m.objects.exists(),
    "exclude-exists": lambda m: m.objects.exclude(pk=0).exists(),
    "iterate": lambda m: list(m.objects.exclude(pk=0)),
    "update": lambda m: m.objects.update(pk=1),
    "delete": lambda m: m.objects.all().delete(),
    "explain": lambda m: m.objects.explain(),
}


@pytest.mark.parametrize("model", CORE_SCOPED, ids=lambda m: m.__name__)
@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_a_query_outside_a_scope_raises(model, query, admin_a, admin_b):
    with pytest.raises(ScopeError):
        QUERIES[query](model)


def test_the_refusal_names_the_missing_scope(db):
    with pytest.raises(ScopeError) as refused:
        Membership.objects.count()

    assert str(refused.value) == (
        "A scope on dimension(s) organisation needs to be active for this query."
    )


def test_inside_a_scope_only_that_organisations_rows_are_seen(
    org_a, org_b, admin_a, caseworker_a, admin_b
):
    with scope(organisation=org_a):
        emails_a = sorted(Membership.objects.values_list("user__email", flat=True))
        grants_a = RoleGrant.objects.count()
    with scope(organisation=org_b):
        emails_b = list(Membership.objects.values_list("user__email", flat=True))

    assert emails_a == ["admin-a@example.org", "caseworker-a@example.org"]
    assert grants_a == 2
    assert emails_b == ["admin-b@example.org"]


def test_audit_entries_of_another_organisation_are_out_of_sight(org_a, org_b, admin_a, admin_b):
    with scope(organisation=org_b):
        services.invite_member(
            organisation=org_b, email="x@example.org", roles=[Role.AUDITOR], invited_by=admin_b
        )

    with scope(organisation=org_a):
        assert AuditEntry.objects.count() == 0
    with scope(organisation=org_b):
        assert list(AuditEntry.objects.values_list("action", flat=True)) == ["member.invited"]


def test_creating_a_row_needs_no_scope_but_reading_it_does(org_a, admin_a):
    membership = Membership.objects.create(
        organisation=org_a, user=services.User.objects.create_user("x@example.org", "pw")
    )

    with pytest.raises(ScopeError):
        Membership.objects.get(pk=membership.pk)
    with scopes_disabled():
        assert Membership.objects.get(pk=membership.pk) == membership


def request_in(org: Organisation, user):
    request = RequestFactory().get("/")
    request.user = user
    request.membership = next(m for m in active_memberships(user) if m.organisation == org)
    return request


def test_another_organisations_object_is_not_found(org_a, org_b, admin_a, admin_b):
    with scopes_disabled():
        theirs = Membership.objects.get(user=admin_b)
        ours = Membership.objects.get(user=admin_a)
    request = request_in(org_a, admin_a)

    with scope(organisation=org_a):
        assert get_for_member(request, Membership, pk=ours.pk) == ours
        with pytest.raises(Http404):
            get_for_member(request, Membership, pk=theirs.pk)


@pytest.mark.parametrize("pk", ["abc", None, "1; DROP TABLE core_membership"])
def test_a_malformed_identifier_is_not_found_either(pk, org_a, admin_a):
    request = request_in(org_a, admin_a)

    with scope(organisation=org_a), pytest.raises(Http404):
        get_for_member(request, Membership, pk=pk)


def test_a_view_runs_inside_its_members_organisation(org_a, admin_a, admin_b, login_as):
    response = login_as(admin_a).get("/members/")

    assert [m.organisation for m in response.context["members"]] == [org_a]


def test_outside_a_request_no_scope_lingers(admin_a, login_as):
    login_as(admin_a).get("/members/")

    with pytest.raises(ScopeError):
        Membership.objects.count()
