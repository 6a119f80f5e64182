"""Members: the list, changing roles, removal that ends sessions, and the last administrator."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from panah.core import services
from panah.core.models import AuditEntry, Membership, Role, RoleGrant
from panah.core.sessions import stored_key

from .helpers import messages_of, snapshot

LAST_ADMIN_MESSAGE = "The organisation must keep at least one administrator."


def membership_of(user, org=None) -> Membership:
    with scopes_disabled():
        qs = Membership.objects.filter(user=user)
        return qs.get(organisation=org) if org else qs.get()


def roles_of(membership: Membership) -> set[str]:
    with scopes_disabled():
        return set(RoleGrant.objects.filter(membership=membership).values_list("role", flat=True))


def test_the_members_page_lists_members_with_their_roles(admin_a, caseworker_a, admin_b, login_as):
    response = login_as(admin_a).get("/members/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "caseworker-a@example.org" in page
    assert "Caseworker" in page
    assert "admin-b@example.org" not in page
    assert [m.user.email for m in response.context["members"]] == [
        "admin-a@example.org",
        "caseworker-a@example.org",
    ]


def test_a_coordinator_sees_the_members_but_no_buttons_to_change_them(
    org_a, admin_a, make_member, login_as
):
    coordinator = make_member(org_a, [Role.COORDINATOR])

    response = login_as(coordinator).get("/members/")

    assert response.status_code == 200
    assert "/remove/" not in response.content.decode()
    assert "/members/invite/" not in response.content.decode()


def test_a_caseworker_may_not_see_the_members(caseworker_a, login_as):
    assert login_as(caseworker_a).get("/members/").status_code == 403


@pytest.mark.parametrize("extra_members", [0, 2])
def test_the_members_page_costs_the_same_queries_for_one_or_three_members(
    extra_members, org_a, admin_a, make_member, login_as, django_assert_num_queries
):
    for _ in range(extra_members):
        make_member(org_a, [Role.CASEWORKER, Role.RESEARCHER])
    client = login_as(admin_a)
    client.get("/members/")  # the first request of a session may do one-off work

    # Session, user, OTP device, the viewer's memberships and their grants; the members, their
    # grants, the open invitations. (The session is not rewritten within a minute of the last.)
    with django_assert_num_queries(7):
        response = client.get("/members/")

    assert len(response.context["members"]) == 1 + extra_members


def test_an_admin_changes_a_members_roles(org_a, admin_a, caseworker_a, login_as):
    membership = membership_of(caseworker_a)

    response = login_as(admin_a).post(
        f"/members/{membership.pk}/roles/", {"roles": ["coordinator", "auditor"]}, follow=True
    )

    assert messages_of(response) == ["Roles saved."]
    assert roles_of(membership) == {"coordinator", "auditor"}
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="member.roles_changed").get()
    assert entry.data == {"roles": ["auditor", "coordinator"]}
    assert entry.object_id == str(membership.pk)


def test_roles_must_be_known_and_at_least_one(admin_a, caseworker_a, login_as):
    membership = membership_of(caseworker_a)
    client = login_as(admin_a)
    before = snapshot()

    none = client.post(f"/members/{membership.pk}/roles/", {"roles": []})
    unknown = client.post(f"/members/{membership.pk}/roles/", {"roles": ["overlord"]})

    assert none.context["form"].errors == {"roles": ["This field is required."]}
    assert unknown.context["form"].errors == {
        "roles": ["Select a valid choice. overlord is not one of the available choices."]
    }
    assert snapshot() == before


def test_the_last_admin_cannot_be_demoted(admin_a, login_as):
    membership = membership_of(admin_a)
    client = login_as(admin_a)
    before = snapshot()

    response = client.post(f"/members/{membership.pk}/roles/", {"roles": ["caseworker"]})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [LAST_ADMIN_MESSAGE]
    assert snapshot() == before
    with scopes_disabled():
        assert not AuditEntry.objects.filter(action="member.roles_changed").exists()


def test_an_admin_may_step_down_when_another_admin_remains(org_a, admin_a, make_member, login_as):
    make_member(org_a, [Role.ADMIN])
    membership = membership_of(admin_a)

    login_as(admin_a).post(f"/members/{membership.pk}/roles/", {"roles": ["caseworker"]})

    assert roles_of(membership) == {"caseworker"}


def test_the_last_admin_cannot_be_removed(admin_a, login_as):
    membership = membership_of(admin_a)
    client = login_as(admin_a)
    before = snapshot()

    response = client.post(f"/members/{membership.pk}/remove/")

    assert response.status_code == 200
    assert response.context["error"] == LAST_ADMIN_MESSAGE
    assert LAST_ADMIN_MESSAGE in response.content.decode()
    assert snapshot() == before


def test_a_removed_admin_does_not_count_as_the_remaining_admin(org_a, admin_a, make_member):
    other = membership_of(make_member(org_a, [Role.ADMIN]), org_a)
    with scope(organisation=org_a):
        services.remove_member(membership=other, by=admin_a)

        with pytest.raises(ValidationError) as refused:
            services.remove_member(membership=membership_of(admin_a), by=admin_a)

    assert refused.value.messages == [LAST_ADMIN_MESSAGE]


def test_removing_a_member_ends_their_sessions_at_once(org_a, admin_a, caseworker_a, login_as):
    theirs = login_as(caseworker_a)
    second_device = login_as(caseworker_a)
    assert theirs.get("/").status_code == 200
    membership = membership_of(caseworker_a)

    response = login_as(admin_a).post(f"/members/{membership.pk}/remove/", follow=True)

    assert messages_of(response) == ["caseworker-a is no longer a member."]
    for client in (theirs, second_device):
        refused = client.get("/")
        assert refused.status_code == 302
        assert refused["Location"] == "/login/?next=/"
    key = theirs.cookies[settings.SESSION_COOKIE_NAME].value
    assert not Session.objects.filter(session_key=stored_key(key)).exists()
    membership.refresh_from_db()
    assert membership.removed_at is not None
    assert roles_of(membership) == set()
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="member.removed")
    assert (entry.actor_id, entry.object_id) == (admin_a.pk, str(membership.pk))


def test_removing_a_member_leaves_other_peoples_sessions_alone(admin_a, caseworker_a, login_as):
    admin = login_as(admin_a)

    admin.post(f"/members/{membership_of(caseworker_a).pk}/remove/")

    assert admin.get("/").status_code == 200


def test_a_removed_member_cannot_log_in_to_the_organisation(caseworker_a, admin_a, org_a, login_as):
    with scope(organisation=org_a):
        services.remove_member(membership=membership_of(caseworker_a), by=admin_a)

    response = login_as(caseworker_a).get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/login/")
    assert messages_of(response) == ["You are no longer a member of any organisation."]


def test_a_member_of_two_organisations_removed_from_one_keeps_the_other(
    org_a, org_b, admin_a, make_member, login_as
):
    both = make_member(org_a, [Role.CASEWORKER], email="both@example.org")
    make_member(org_b, [Role.RESEARCHER], email="both@example.org")
    with scope(organisation=org_a):
        services.remove_member(membership=membership_of(both, org_a), by=admin_a)

    client = login_as(both)
    response = client.get("/")

    assert response.status_code == 200
    assert response.context["current_organisation"] == org_b
    assert response.context["other_memberships"] == []


def test_a_removed_member_cannot_be_removed_twice(admin_a, caseworker_a, org_a, login_as):
    membership = membership_of(caseworker_a)
    with scope(organisation=org_a):
        services.remove_member(membership=membership, by=admin_a)

    assert login_as(admin_a).post(f"/members/{membership.pk}/remove/").status_code == 404


def test_removal_asks_for_confirmation_first(admin_a, caseworker_a, login_as):
    membership = membership_of(caseworker_a)
    client = login_as(admin_a)
    before = snapshot()

    response = client.get(f"/members/{membership.pk}/remove/")

    assert response.status_code == 200
    assert "Remove caseworker-a from this organisation?" in response.content.decode()
    assert snapshot() == before


def test_an_admin_of_another_organisation_cannot_touch_a_member(admin_b, caseworker_a, login_as):
    membership = membership_of(caseworker_a)
    client = login_as(admin_b)
    before = snapshot()

    removed = client.post(f"/members/{membership.pk}/remove/")
    changed = client.post(f"/members/{membership.pk}/roles/", {"roles": ["admin"]})

    assert (removed.status_code, changed.status_code) == (404, 404)
    assert snapshot() == before
