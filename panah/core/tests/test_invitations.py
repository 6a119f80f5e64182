"""Invitations: a single-use link that expires, of which only a hash is stored."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.core import services
from panah.core.models import AuditEntry, Invitation, Membership, Role, RoleGrant, User

from .helpers import PASSWORD, confirmed_device, password_login, snapshot, totp_code

INVALID_PAGE_MESSAGE = (
    "This invitation link is not valid any more: it was used already, it was revoked or it "
    "expired. Ask your administrator for a new one."
)
INVALID_SERVICE_MESSAGE = (
    "This invitation link is not valid any more. Ask your administrator for a new one."
)
NEW_PASSWORD = "a long passphrase for panah 2026"


@pytest.fixture
def issued(org_a, admin_a) -> services.IssuedInvitation:
    with scope(organisation=org_a):
        return services.invite_member(
            organisation=org_a,
            email="Newcomer@Example.org ",
            roles=[Role.CASEWORKER, Role.RESEARCHER],
            invited_by=admin_a,
        )


def join_form(name: str = "New Comer", password: str = NEW_PASSWORD) -> dict:
    return {"display_name": name, "password1": password, "password2": password}


def address_to(issued: services.IssuedInvitation, email: str) -> None:
    """Make the invitation one sent to `email` (as if the admin had typed that address)."""
    with scopes_disabled():
        Invitation.objects.filter(pk=issued.invitation.pk).update(email=email)


def test_an_admin_invites_by_email_and_sees_the_link_once(admin_a, login_as):
    client = login_as(admin_a)

    response = client.post(
        "/members/invite/", {"email": "newcomer@example.org", "roles": ["caseworker"]}
    )

    assert response.status_code == 200
    link = response.context["link"]
    token = link.rsplit("/join/", 1)[1].rstrip("/")
    assert link == f"http://testserver/join/{token}/"
    with scopes_disabled():
        invitation = Invitation.objects.get()
    assert invitation.email == "newcomer@example.org"
    assert invitation.roles == ["caseworker"]
    assert invitation.invited_by == admin_a
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]
    assert link in mail.outbox[0].body
    assert "The link works once and expires in 7 days." in mail.outbox[0].body
    assert client.get("/members/").content.decode().count(token) == 0


def test_only_the_hash_of_the_token_is_stored(issued):
    with scopes_disabled():
        row = Invitation.objects.filter(pk=issued.invitation.pk).values().get()

    assert row["token_hash"] == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(row)
    with scopes_disabled():
        assert issued.token not in repr(list(AuditEntry.objects.values()))


def test_each_invitation_has_its_own_long_token(org_a, admin_a):
    with scope(organisation=org_a):
        tokens = {
            services.invite_member(
                organisation=org_a, email="x@example.org", roles=["researcher"], invited_by=admin_a
            ).token
            for _ in range(5)
        }
    assert len(tokens) == 5
    assert all(len(t) >= 43 for t in tokens)


def test_the_invitation_expires_after_the_configured_days(settings, org_a, admin_a):
    settings.INVITATION_DAYS = 3
    with scope(organisation=org_a):
        issued = services.invite_member(
            organisation=org_a, email="x@example.org", roles=["researcher"], invited_by=admin_a
        )

    lifetime = issued.invitation.expires_at - issued.invitation.created_at
    assert abs(lifetime - timedelta(days=3)) < timedelta(seconds=5)


def test_an_invitation_needs_a_known_role(org_a, admin_a):
    with scope(organisation=org_a), pytest.raises(ValidationError) as refused:
        services.invite_member(
            organisation=org_a, email="x@example.org", roles=["overlord"], invited_by=admin_a
        )
    assert refused.value.messages == ["Choose at least one role."]
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_the_invite_form_refuses_a_bad_address_and_no_role(admin_a, login_as):
    client = login_as(admin_a)
    before = snapshot()

    response = client.post("/members/invite/", {"email": "not an address", "roles": []})

    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
        "roles": ["This field is required."],
    }
    assert snapshot() == before
    assert mail.outbox == []


def test_a_coordinator_cannot_invite(org_a, make_member, login_as):
    coordinator = make_member(org_a, [Role.COORDINATOR])

    response = login_as(coordinator).post(
        "/members/invite/", {"email": "x@example.org", "roles": ["admin"]}
    )

    assert response.status_code == 403
    with scopes_disabled():
        assert not Invitation.objects.exists()


def test_the_link_shows_the_form_to_create_an_account(issued):
    response = Client().get(f"/join/{issued.token}/")

    assert response.status_code == 200
    assert "Join Organisation A" in response.content.decode()
    assert "newcomer@example.org" in response.content.decode()


def test_joining_creates_the_account_with_the_invited_roles(issued, org_a):
    client = Client()

    response = client.post(f"/join/{issued.token}/", join_form())

    assert response["Location"] == "/account/second-factor/setup/"
    user = User.objects.get(email="newcomer@example.org")
    assert user.display_name == "New Comer"
    assert user.check_password(NEW_PASSWORD)
    with scopes_disabled():
        membership = Membership.objects.get(user=user)
        assert membership.organisation == org_a
        assert sorted(g.role for g in membership.grants.all()) == ["caseworker", "researcher"]
        invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.accepted_at is not None
    assert not invitation.is_usable
    # Logged in with the password only: the next stop is the second factor, nothing else.
    final = client.get("/", follow=True).redirect_chain[-1]
    assert final == ("/account/second-factor/setup/", 302)


def test_a_used_link_is_refused_with_a_clear_message_and_changes_nothing(issued):
    Client().post(f"/join/{issued.token}/", join_form())
    before = snapshot()

    get = Client().get(f"/join/{issued.token}/")
    post = Client().post(f"/join/{issued.token}/", join_form("Someone Else"))

    for response in (get, post):
        assert response.status_code == 410
        assert INVALID_PAGE_MESSAGE in response.content.decode()
    assert snapshot() == before


def test_an_expired_link_is_refused_and_changes_nothing(issued):
    with scopes_disabled():
        Invitation.objects.filter(pk=issued.invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    before = snapshot()

    response = Client().post(f"/join/{issued.token}/", join_form())

    assert response.status_code == 410
    assert INVALID_PAGE_MESSAGE in response.content.decode()
    assert snapshot() == before
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_a_revoked_link_is_refused_and_changes_nothing(issued, admin_a, login_as):
    response = login_as(admin_a).post(
        f"/members/invitations/{issued.invitation.pk}/revoke/", follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        "The invitation link no longer works."
    ]
    before = snapshot()

    response = Client().post(f"/join/{issued.token}/", join_form())

    assert response.status_code == 410
    assert INVALID_PAGE_MESSAGE in response.content.decode()
    assert snapshot() == before


def test_an_unknown_token_is_refused_the_same_way(db):
    response = Client().get("/join/not-a-real-token/")

    assert response.status_code == 410
    assert INVALID_PAGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("state", ["used", "expired", "revoked"])
def test_the_service_refuses_an_unusable_invitation_whatever_the_caller(state, issued, admin_b):
    field = {"used": "accepted_at", "revoked": "revoked_at", "expired": "expires_at"}[state]
    with scopes_disabled():
        Invitation.objects.filter(pk=issued.invitation.pk).update(
            **{field: timezone.now() - timedelta(seconds=1)}
        )
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.accept_invitation(token=issued.token, user=admin_b)

    assert refused.value.messages == [INVALID_SERVICE_MESSAGE]
    assert snapshot() == before


def test_different_passwords_are_refused_and_change_nothing(issued):
    before = snapshot()
    form = {**join_form(), "password2": "another long passphrase 99"}

    response = Client().post(f"/join/{issued.token}/", form)

    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["The two passwords differ."]}
    assert snapshot() == before


def test_a_weak_password_is_refused_and_changes_nothing(issued):
    before = snapshot()

    response = Client().post(f"/join/{issued.token}/", join_form(password="password1234"))

    assert response.context["form"].errors == {"password1": ["This password is too common."]}
    assert snapshot() == before


def test_someone_with_an_account_is_asked_to_log_in_first(issued, admin_b):
    with scopes_disabled():
        Invitation.objects.filter(pk=issued.invitation.pk).update(email="admin-b@example.org")
    before = snapshot()

    response = Client().post(f"/join/{issued.token}/", join_form())

    assert response.status_code == 200
    assert response.context["login_url"] == f"/login/?next=/join/{issued.token}/"
    assert snapshot() == before


def test_a_logged_in_member_joins_a_second_organisation_with_their_account(
    issued, org_a, admin_b, login_as
):
    address_to(issued, "admin-b@example.org")
    client = login_as(admin_b)
    assert "Join with this account?" in client.get(f"/join/{issued.token}/").content.decode()

    response = client.post(f"/join/{issued.token}/", follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Welcome to Organisation A."]
    assert response.context["current_organisation"] == org_a
    with scopes_disabled():
        assert Membership.objects.filter(user=admin_b).count() == 2
        assert set(
            RoleGrant.objects.filter(membership__user=admin_b, organisation=org_a).values_list(
                "role", flat=True
            )
        ) == {"caseworker", "researcher"}


def test_a_removed_member_can_be_invited_back(issued, org_a, admin_a, caseworker_a):
    with scopes_disabled():
        membership = Membership.objects.get(user=caseworker_a)
    with scope(organisation=org_a):
        services.remove_member(membership=membership, by=admin_a)
    address_to(issued, "caseworker-a@example.org")

    services.accept_invitation(token=issued.token, user=caseworker_a)

    with scopes_disabled():
        membership.refresh_from_db()
        assert membership.removed_at is None
        assert set(membership.grants.values_list("role", flat=True)) == {"caseworker", "researcher"}


def test_the_members_page_lists_open_invitations_only(issued, org_a, admin_a, login_as):
    with scope(organisation=org_a):
        revoked = services.invite_member(
            organisation=org_a, email="revoked@example.org", roles=["auditor"], invited_by=admin_a
        )
        services.revoke_invitation(invitation=revoked.invitation, by=admin_a)

    page = login_as(admin_a).get("/members/")

    assert [i.email for i in page.context["invitations"]] == ["newcomer@example.org"]


def test_another_organisation_cannot_revoke_an_invitation(issued, admin_b, login_as):
    client = login_as(admin_b)
    before = snapshot()

    response = client.post(f"/members/invitations/{issued.invitation.pk}/revoke/")

    assert response.status_code == 404
    assert snapshot() == before


def test_the_user_is_created_with_the_invited_address_not_a_typed_one(issued):
    Client().post(f"/join/{issued.token}/", {**join_form(), "email": "other@example.org"})

    assert list(User.objects.filter(display_name="New Comer").values_list("email", flat=True)) == [
        "newcomer@example.org"
    ]
    assert PASSWORD  # the fixtures' accounts keep theirs


def test_a_link_used_meanwhile_in_another_tab_is_refused_not_an_error(
    issued, admin_b, login_as, monkeypatch
):
    address_to(issued, "admin-b@example.org")
    client = login_as(admin_b)
    stale = services.find_invitation(issued.token)
    services.accept_invitation(token=issued.token, user=admin_b)
    monkeypatch.setattr(services, "find_invitation", lambda token: stale)
    before = snapshot()

    response = client.post(f"/join/{issued.token}/")

    assert response.status_code == 410
    assert INVALID_PAGE_MESSAGE in response.content.decode()
    assert snapshot() == before


# --- Only the invited address may use the link -------------------------------------------------

WRONG_ACCOUNT_MESSAGE = (
    "You are logged in as admin-b@example.org, but this invitation was sent to another email "
    "address. This account cannot use it, and nothing was changed."
)


def test_a_signed_in_user_cannot_accept_an_invitation_sent_to_another_address(
    issued, org_a, org_b, admin_b, login_as
):
    client = login_as(admin_b)
    before = snapshot()

    get = client.get(f"/join/{issued.token}/")
    post = client.post(f"/join/{issued.token}/")

    for response in (get, post):
        assert response.status_code == 403
        page = response.content.decode()
        assert WRONG_ACCOUNT_MESSAGE in page
        assert "To join, log out, then open the link in the invitation email again." in page
        assert "Join with this account?" not in page
    assert snapshot() == before
    with scopes_disabled():
        assert not Membership.objects.filter(user=admin_b, organisation=org_a).exists()
        assert Invitation.objects.get(pk=issued.invitation.pk).is_usable
        # The attempt is in the inviting organisation's trail: the link may be in wrong hands.
        refused = AuditEntry.objects.get(action="member.invitation_refused")
    assert (refused.organisation, refused.actor) == (org_a, admin_b)
    assert refused.object_id == str(issued.invitation.pk)
    assert refused.data == {"reason": "other_address"}
    # Still signed in to their own organisation, where nothing changed either.
    assert client.get("/").context["current_organisation"] == org_b


def test_the_invited_person_can_still_use_a_link_another_account_was_refused(
    issued, org_a, admin_b, login_as
):
    login_as(admin_b).post(f"/join/{issued.token}/")

    response = Client().post(f"/join/{issued.token}/", join_form())

    assert response["Location"] == "/account/second-factor/setup/"
    with scopes_disabled():
        assert Membership.objects.get(user__email="newcomer@example.org").organisation == org_a


def test_the_service_refuses_another_account_whatever_the_caller(issued, admin_b):
    before = snapshot()

    with pytest.raises(services.InvitationForAnotherAccount) as refused:
        services.accept_invitation(token=issued.token, user=admin_b)

    assert refused.value.messages == [
        "This invitation was sent to another email address than the one you are logged in with."
    ]
    assert snapshot() == before


def test_the_invited_address_is_matched_whatever_its_case(
    issued, org_a, org_b, make_member, login_as
):
    user = make_member(org_b, [Role.AUDITOR], email="NewComer@Example.org")

    response = login_as(user).post(f"/join/{issued.token}/")

    assert response["Location"] == "/"
    with scopes_disabled():
        assert set(
            RoleGrant.objects.filter(membership__user=user, organisation=org_a).values_list(
                "role", flat=True
            )
        ) == {"caseworker", "researcher"}


def test_a_user_who_gave_only_a_password_passes_the_second_factor_before_joining(issued, admin_b):
    address_to(issued, "admin-b@example.org")
    client = Client()
    client.force_login(admin_b, backend="panah.core.backends.ModelBackend")
    before = snapshot_without_sessions()

    for response in (client.get(f"/join/{issued.token}/"), client.post(f"/join/{issued.token}/")):
        assert response.status_code == 302
        assert response["Location"] == (f"/login/second-factor/?next=%2Fjoin%2F{issued.token}%2F")
    assert snapshot_without_sessions() == before


def snapshot_without_sessions() -> dict:
    taken = snapshot()
    del taken["sessions"]
    return taken


def test_someone_with_an_account_logs_in_from_the_link_and_comes_back_to_join(
    issued, org_a, admin_b
):
    address_to(issued, "admin-b@example.org")
    client = Client()
    join_url = f"/join/{issued.token}/"
    login_url = client.get(join_url).context["login_url"]

    password_login(client, "admin-b@example.org", next=join_url)
    device = confirmed_device(admin_b)
    verified = client.post(
        f"/login/second-factor/?next={join_url}", {"code": totp_code(device), "next": join_url}
    )

    assert login_url == f"/login/?next={join_url}"
    assert verified["Location"] == join_url
    assert "Join with this account?" in client.get(join_url).content.decode()
    assert client.post(join_url)["Location"] == "/"
    with scopes_disabled():
        assert Membership.objects.filter(user=admin_b, organisation=org_a).exists()
