"""A member of two organisations works in one at a time, switches explicitly, sees nothing of the other."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from panah.core.middleware import SESSION_ORG_KEY
from panah.core.models import AuditEntry, Membership, Role

from .helpers import messages_of, snapshot


@pytest.fixture
def both(org_a, org_b, make_member):
    """A coordinator in A who is an administrator in B."""
    make_member(org_a, [Role.COORDINATOR], email="both@example.org")
    return make_member(org_b, [Role.ADMIN], email="both@example.org")


@pytest.fixture
def colleagues(org_a, org_b, make_member):
    make_member(org_a, [Role.CASEWORKER], email="only-in-a@example.org")
    make_member(org_b, [Role.CASEWORKER], email="only-in-b@example.org")


def choose(client, org):
    return client.post("/organisations/", {"organisation": org.pk}, follow=True)


def test_a_member_of_two_organisations_is_asked_to_choose_first(both, login_as):
    response = login_as(both).get("/", follow=True)

    assert response.redirect_chain == [("/organisations/", 302)]
    assert [m.organisation.name for m in response.context["memberships"]] == [
        "Organisation A",
        "Organisation B",
    ]


def test_a_member_of_one_organisation_is_simply_in_it(caseworker_a, org_a, login_as):
    client = login_as(caseworker_a)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["current_organisation"] == org_a
    assert client.session[SESSION_ORG_KEY] == org_a.pk


def test_choosing_an_organisation_says_where_one_works_now(both, org_a, login_as):
    response = choose(login_as(both), org_a)

    assert response.redirect_chain == [("/", 302)]
    assert messages_of(response) == ["You are now working in Organisation A."]
    assert response.context["current_organisation"] == org_a


def test_in_one_organisation_nothing_of_the_other_is_shown(
    both, colleagues, org_a, org_b, login_as
):
    client = login_as(both)
    choose(client, org_a)

    in_a = client.get("/members/").content.decode()
    choose(client, org_b)
    in_b = client.get("/members/").content.decode()

    assert "only-in-a@example.org" in in_a
    assert "only-in-b@example.org" not in in_a
    assert "only-in-b@example.org" in in_b
    assert "only-in-a@example.org" not in in_b


def test_the_roles_are_those_of_the_current_organisation(both, org_a, org_b, login_as):
    client = login_as(both)
    choose(client, org_a)
    # Coordinator in A: may see the members but not invite.
    assert client.get("/members/invite/").status_code == 403

    choose(client, org_b)

    assert client.get("/members/invite/").status_code == 200


def test_another_organisations_member_answers_404_after_switching(
    both, colleagues, org_a, org_b, login_as
):
    with scopes_disabled():
        in_a = Membership.objects.get(user__email="only-in-a@example.org")
    client = login_as(both)
    choose(client, org_b)
    before = snapshot()

    response = client.post(f"/members/{in_a.pk}/remove/")

    assert response.status_code == 404
    assert snapshot() == before


def test_one_cannot_switch_into_an_organisation_one_is_not_a_member_of(
    caseworker_a, org_a, org_b, login_as
):
    client = login_as(caseworker_a)
    client.get("/")

    response = client.post("/organisations/", {"organisation": org_b.pk})

    assert response.status_code == 400
    assert response.content.decode() == "You are not a member of that organisation."
    assert client.session[SESSION_ORG_KEY] == org_a.pk
    page = client.get("/").content.decode()
    assert org_a.name in page and org_b.name not in page


@pytest.mark.parametrize("value", ["", "abc", "999999", "1 OR 1=1"])
def test_nonsense_in_the_switch_form_is_refused(value, both, org_a, login_as):
    client = login_as(both)
    choose(client, org_a)

    response = client.post("/organisations/", {"organisation": value})

    assert response.status_code == 400
    assert client.session[SESSION_ORG_KEY] == org_a.pk


def test_a_forged_organisation_in_the_session_is_ignored(caseworker_a, org_a, org_b, login_as):
    client = login_as(caseworker_a)
    session = client.session
    session[SESSION_ORG_KEY] = org_b.pk
    session.save()

    response = client.get("/")

    assert response.context["current_organisation"] == org_a
    assert client.session[SESSION_ORG_KEY] == org_a.pk


def test_the_switch_link_shows_only_for_members_of_several(both, caseworker_a, org_a, login_as):
    single = login_as(caseworker_a).get("/").content.decode()
    client = login_as(both)
    choose(client, org_a)
    several = client.get("/").content.decode()

    assert "Switch organisation" not in single
    assert "Switch organisation" in several


def test_the_audit_trail_keeps_each_organisations_entries_apart(both, org_a, org_b, login_as):
    client = login_as(both)
    choose(client, org_b)
    client.post("/members/invite/", {"email": "new-b@example.org", "roles": ["researcher"]})

    choose(client, org_a)
    with scopes_disabled():
        invited = AuditEntry.objects.get(action="member.invited")
    assert invited.organisation == org_b
    assert invited.chain == f"org-{org_b.pk}"
