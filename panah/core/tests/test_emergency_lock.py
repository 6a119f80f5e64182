"""The emergency lock: one admin locks the organisation at once; two different admins unlock it."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django_scopes import scopes_disabled

from panah.core import audit, lockdown
from panah.core.models import AuditEntry, Membership, Organisation, Role, RoleGrant, UnlockApproval

from .helpers import confirmed_device, messages_of, password_login, totp_code

LOCK = "/emergency-lock/"
UNLOCK = "/emergency-lock/unlock/"
LOCKED_MESSAGE = "Your organisation is under emergency lock. Ask two administrators to unlock it."


@pytest.fixture
def second_admin_a(org_a, make_member):
    return make_member(org_a, [Role.ADMIN], email="admin2-a@example.org")


def reload(org: Organisation) -> Organisation:
    return Organisation.objects.get(pk=org.pk)


def actions(org: Organisation) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organisation=org, action__startswith="organisation.")
            .order_by("sequence")
            .values_list("action", flat=True)
        )


def lock(org, admin, reason="device_lost"):
    return lockdown.lock_organisation(organisation=org, by=admin, reason=reason)


def full_login(email: str, user) -> Client:
    """Log in through the real pages: password, then the authenticator code."""
    client = Client()
    password_login(client, email)
    client.post("/login/second-factor/", {"code": totp_code(confirmed_device(user))})
    return client


def test_the_lock_page_asks_for_a_reason_and_a_confirmation(admin_a, second_admin_a, login_as):
    response = login_as(admin_a).get(LOCK)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="reason"' in body
    assert 'name="confirm"' in body
    assert "only one administrator" not in body


def test_the_lock_page_warns_an_organisation_with_a_single_admin(admin_a, login_as):
    body = login_as(admin_a).get(LOCK).content.decode()

    assert "Your organisation has only one administrator." in body


def test_an_admin_locks_the_organisation_and_every_session_ends(
    org_a, org_b, admin_a, second_admin_a, caseworker_a, admin_b, login_as
):
    admin_client = login_as(admin_a)
    caseworker_client = login_as(caseworker_a)
    other_admin_client = login_as(second_admin_a)
    outsider_client = login_as(admin_b)

    response = admin_client.post(LOCK, {"reason": "raid", "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    org = reload(org_a)
    assert org.locked_at is not None
    assert org.locked_by == admin_a
    # Sessions of A's members are gone from the database; organisation B works on.
    user_ids = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert user_ids == {str(admin_b.pk)}
    assert caseworker_client.get("/")["Location"].startswith("/login/")
    assert other_admin_client.get("/")["Location"].startswith("/login/")
    assert admin_client.get("/")["Location"].startswith("/login/")
    assert outsider_client.get("/").status_code == 200
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="organisation.locked")
    assert entry.actor == admin_a
    assert entry.data == {"reason": "raid", "sessions_ended": 3, "invitations_revoked": 0}
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_nothing_is_locked_without_the_confirmation(org_a, admin_a, login_as):
    response = login_as(admin_a).post(LOCK, {"reason": "raid"})

    assert response.status_code == 200
    assert reload(org_a).locked_at is None


def test_a_reason_outside_the_list_is_refused(org_a, admin_a):
    with pytest.raises(ValidationError):
        lock(org_a, admin_a, reason="Ali's phone was taken")
    assert reload(org_a).locked_at is None


def test_a_member_who_is_not_admin_cannot_lock(org_a, caseworker_a, make_member, login_as):
    coordinator = make_member(org_a, [r for r in Role.values if r != Role.ADMIN])

    assert login_as(caseworker_a).post(LOCK, {"reason": "raid", "confirm": "on"}).status_code == 403
    assert login_as(coordinator).post(LOCK, {"reason": "raid", "confirm": "on"}).status_code == 403
    assert reload(org_a).locked_at is None


def test_a_member_of_a_locked_organisation_is_refused_at_login_with_a_clear_message(
    org_a, admin_a, caseworker_a
):
    lock(org_a, admin_a)
    client = Client()

    response = password_login(client, "caseworker-a@example.org")
    response = client.get(response["Location"], follow=True)

    assert response.redirect_chain[0][0] == "/login/"
    assert LOCKED_MESSAGE in messages_of(response)
    assert "_auth_user_id" not in client.session
    with scopes_disabled():
        assert AuditEntry.objects.filter(
            action="organisation.locked_login_refused", actor=caseworker_a, organisation=org_a
        ).exists()


def test_an_admin_can_still_log_in_but_sees_only_the_unlock_page(org_a, admin_a, second_admin_a):
    lock(org_a, admin_a, reason="raid")

    client = full_login("admin2-a@example.org", second_admin_a)

    for path in ("/", "/members/", "/audit/", "/members/invite/", LOCK, "/audit/export.csv"):
        response = client.get(path)
        assert (path, response.status_code, response["Location"]) == (path, 302, UNLOCK)
    response = client.get(UNLOCK)
    assert response.status_code == 200
    body = response.content.decode()
    assert "A search, raid or seizure" in body
    assert "Approvals: 0 of 2" in body


def test_a_single_admin_cannot_unlock_alone(org_a, admin_a, second_admin_a, login_as):
    lock(org_a, admin_a)
    client = full_login("admin-a@example.org", admin_a)

    client.post(UNLOCK)
    response = client.post(UNLOCK, follow=True)

    assert reload(org_a).locked_at is not None
    assert list(UnlockApproval.objects.values_list("admin_id", flat=True)) == [admin_a.pk]
    assert "Approvals: 1 of 2" in response.content.decode()
    assert "You have approved." in response.content.decode()
    assert actions(org_a) == ["organisation.locked", "organisation.unlock_approved"]
    assert lockdown.approve_unlock(organisation=org_a, by=admin_a) is False


def test_a_second_different_admin_lifts_the_lock(org_a, admin_a, second_admin_a, caseworker_a):
    lock(org_a, admin_a)
    first = full_login("admin-a@example.org", admin_a)
    second = full_login("admin2-a@example.org", second_admin_a)

    first.post(UNLOCK)
    response = second.post(UNLOCK)

    assert response["Location"] == "/"
    org = reload(org_a)
    assert (org.locked_at, org.locked_by) == (None, None)
    assert not UnlockApproval.objects.exists()
    assert actions(org_a) == [
        "organisation.locked",
        "organisation.unlock_approved",
        "organisation.unlock_approved",
        "organisation.unlocked",
    ]
    with scopes_disabled():
        unlocked = AuditEntry.objects.get(action="organisation.unlocked")
    assert unlocked.data["approved_by"] == sorted([admin_a.pk, second_admin_a.pk])
    assert second.get("/").status_code == 200
    assert full_login("caseworker-a@example.org", caseworker_a).get("/").status_code == 200
    assert audit.verify_chain(audit.chain_name(org_a)) is None


def test_a_non_admin_cannot_approve_unlocking(org_a, admin_a, caseworker_a):
    lock(org_a, admin_a)

    with pytest.raises(ValidationError):
        lockdown.approve_unlock(organisation=org_a, by=caseworker_a)
    assert not UnlockApproval.objects.exists()


def test_an_approval_by_someone_no_longer_admin_does_not_count(
    org_a, admin_a, second_admin_a, make_member
):
    third = make_member(org_a, [Role.ADMIN], email="admin3-a@example.org")
    lock(org_a, admin_a)
    lockdown.approve_unlock(organisation=org_a, by=second_admin_a)
    with scopes_disabled():
        RoleGrant.objects.filter(
            membership=Membership.objects.get(user=second_admin_a), role=Role.ADMIN
        ).delete()
        RoleGrant.objects.create(
            membership=Membership.objects.get(user=second_admin_a),
            organisation=org_a,
            role=Role.CASEWORKER,
        )

    assert lockdown.approve_unlock(organisation=org_a, by=admin_a) is False
    assert lockdown.approve_unlock(organisation=org_a, by=third) is True


def test_approvals_do_not_carry_over_to_the_next_lock(org_a, admin_a, second_admin_a):
    lock(org_a, admin_a)
    lockdown.approve_unlock(organisation=org_a, by=admin_a)
    lockdown.approve_unlock(organisation=org_a, by=second_admin_a)
    lock(org_a, admin_a)

    assert lockdown.approve_unlock(organisation=org_a, by=admin_a) is False
    assert reload(org_a).locked_at is not None


def test_locking_twice_is_refused(org_a, admin_a):
    lock(org_a, admin_a)

    with pytest.raises(ValidationError, match="already locked"):
        lock(org_a, admin_a)


def test_the_unlock_page_of_an_open_organisation_leads_home(admin_a, login_as):
    assert login_as(admin_a).get(UNLOCK)["Location"] == "/"


def test_a_member_of_two_organisations_works_on_in_the_one_not_locked(
    org_a, org_b, admin_a, caseworker_a, make_member
):
    make_member(org_b, [Role.CASEWORKER], email="caseworker-a@example.org")
    lock(org_a, admin_a)

    client = full_login("caseworker-a@example.org", caseworker_a)
    response = client.get("/")

    assert response.status_code == 200
    assert response.context["request"].organisation == org_b
    assert client.post("/organisations/", {"organisation": org_a.pk}).status_code == 400


def test_locking_revokes_open_invitations_so_no_new_admin_can_join(org_a, admin_a, org_b, admin_b):
    from panah.core.services import accept_invitation, invite_member

    issued = invite_member(
        organisation=org_a, email="new-admin@example.org", roles=[Role.ADMIN], invited_by=admin_a
    )
    other = invite_member(
        organisation=org_b, email="new-b@example.org", roles=[Role.ADMIN], invited_by=admin_b
    )

    lock(org_a, admin_a)

    with pytest.raises(ValidationError):
        accept_invitation(
            token=issued.token,
            email="new-admin@example.org",
            display_name="New",
            password="a long enough password 123",
        )
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="organisation.locked")
        other.invitation.refresh_from_db()
    assert entry.data["invitations_revoked"] == 1
    assert other.invitation.revoked_at is None
