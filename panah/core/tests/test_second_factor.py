"""The second factor: enrolment, codes, recovery codes, and nothing shown before it is passed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from panah.core import services
from panah.core.models import (
    AuditEntry,
    AuthenticatorDevice,
    RecoveryCode,
    RecoveryCodeDevice,
    Role,
    User,
)
from panah.core.recovery_codes import code_digest

from .helpers import (
    PASSWORD,
    confirmed_device,
    messages_of,
    reauthenticate,
    snapshot,
    totp_code,
    unthrottle,
    wrong_code,
)

WRONG_CODE_MESSAGE = (
    "That code is not right. Codes change every 30 seconds; recovery codes work only once."
)
WRONG_SETUP_CODE_MESSAGE = "That code is not right. Check the time on your phone and try again."


def password_only_client(user: User) -> Client:
    """A client that gave the right password and nothing more."""
    client = Client()
    client.force_login(user, backend="panah.core.backends.ModelBackend")
    return client


@pytest.fixture
def newcomer(org_a) -> User:
    """A member who has a password but has never set up an authenticator."""
    user = User.objects.create_user("newcomer@example.org", PASSWORD, display_name="Newcomer")
    with scopes_disabled():
        from panah.core.models import Membership, RoleGrant

        membership = Membership.objects.create(organisation=org_a, user=user)
        RoleGrant.objects.create(membership=membership, organisation=org_a, role=Role.ADMIN)
    return user


# Every page a member could open, apart from the second-factor pages themselves.
PROTECTED_PAGES = ["/", "/members/", "/members/invite/", "/audit/", "/organisations/"]


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_a_password_alone_opens_no_page_but_the_second_factor(path, admin_a):
    response = password_only_client(admin_a).get(path)

    assert response.status_code == 302
    assert response["Location"] == "/login/second-factor/"


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_without_an_authenticator_every_page_leads_to_setting_one_up(path, newcomer):
    response = password_only_client(newcomer).get(path, follow=True)

    assert response.redirect_chain[-1] == ("/account/second-factor/setup/", 302)
    assert response.status_code == 200
    assert "Set up your second factor" in response.content.decode()


def test_a_password_alone_cannot_post_to_a_protected_page(admin_a, caseworker_a):
    with scopes_disabled():
        membership = caseworker_a.memberships.get()
    client = password_only_client(admin_a)
    before = snapshot()

    response = client.post(f"/members/{membership.pk}/remove/")

    assert response["Location"] == "/login/second-factor/"
    assert snapshot() == before


def test_setting_up_shows_a_qr_code_and_the_key_to_type(newcomer):
    response = password_only_client(newcomer).get("/account/second-factor/setup/")

    device = AuthenticatorDevice.objects.get(user=newcomer)
    assert device.confirmed is False
    assert "<svg" in response.content.decode()
    assert response.context["secret"].replace(" ", "") != ""


def test_a_wrong_code_at_setup_confirms_nothing(newcomer):
    client = password_only_client(newcomer)
    client.get("/account/second-factor/setup/")
    device = AuthenticatorDevice.objects.get(user=newcomer)

    response = client.post("/account/second-factor/setup/", {"code": wrong_code(device)})

    assert response.context["form"].errors == {"code": [WRONG_SETUP_CODE_MESSAGE]}
    assert AuthenticatorDevice.objects.filter(user=newcomer, confirmed=True).count() == 0
    assert not RecoveryCodeDevice.objects.filter(user=newcomer).exists()
    assert client.get("/")["Location"] == "/login/second-factor/"


def test_the_right_code_at_setup_confirms_it_and_shows_ten_recovery_codes_once(newcomer, org_a):
    client = password_only_client(newcomer)
    client.get("/account/second-factor/setup/")
    device = AuthenticatorDevice.objects.get(user=newcomer)

    response = client.post("/account/second-factor/setup/", {"code": totp_code(device)})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    # Kept only as keyed hashes, one per code.
    assert sorted(
        RecoveryCode.objects.filter(device__user=newcomer).values_list("digest", flat=True)
    ) == sorted(code_digest(newcomer.pk, c) for c in codes)
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/").status_code == 200
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="account.second_factor_enrolled")
    # In the trail of the member's organisation, where its admins see it.
    assert (entry.organisation, entry.actor_id) == (org_a, newcomer.pk)


def test_a_user_with_an_authenticator_cannot_replace_it_without_passing_it(admin_a):
    client = password_only_client(admin_a)
    before = snapshot()

    get = client.get("/account/second-factor/setup/")
    post = client.post("/account/second-factor/setup/", {"code": "123456"})

    assert get["Location"] == post["Location"] == "/login/second-factor/"
    assert snapshot() == before
    assert AuthenticatorDevice.objects.filter(user=admin_a).count() == 1


def test_after_passing_it_a_member_may_replace_the_authenticator(admin_a, login_as):
    old = confirmed_device(admin_a)
    client = login_as(admin_a)
    reauthenticate(client, old)
    client.get("/account/second-factor/setup/")
    new = AuthenticatorDevice.objects.get(user=admin_a, confirmed=False)

    response = client.post("/account/second-factor/setup/", {"code": totp_code(new)})

    assert len(response.context["codes"]) == 10
    assert list(AuthenticatorDevice.objects.filter(user=admin_a).values_list("pk", flat=True)) == [
        new.pk
    ]
    assert not AuthenticatorDevice.objects.filter(pk=old.pk).exists()


def test_the_right_code_opens_the_dashboard(admin_a):
    client = password_only_client(admin_a)

    response = client.post("/login/second-factor/", {"code": totp_code(confirmed_device(admin_a))})

    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_code_leads_on_to_the_page_first_asked_for(admin_a):
    client = password_only_client(admin_a)
    code = totp_code(confirmed_device(admin_a))

    response = client.post("/login/second-factor/", {"code": code, "next": "/members/"})

    assert response["Location"] == "/members/"


def test_the_code_never_leads_to_another_site(admin_a):
    client = password_only_client(admin_a)
    code = totp_code(confirmed_device(admin_a))

    response = client.post("/login/second-factor/", {"code": code, "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_with_a_clear_message_and_changes_nothing(admin_a):
    client = password_only_client(admin_a)
    before = snapshot()

    response = client.post("/login/second-factor/", {"code": wrong_code(confirmed_device(admin_a))})

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": [WRONG_CODE_MESSAGE]}
    assert snapshot() == before
    assert client.get("/")["Location"] == "/login/second-factor/"
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="account.second_factor_failed")
    assert (entry.chain, entry.actor_id, entry.data) == ("system", admin_a.pk, {})


def test_a_code_that_is_not_a_number_is_refused_the_same_way(admin_a):
    response = password_only_client(admin_a).post("/login/second-factor/", {"code": "abc-def"})

    assert response.context["form"].errors == {"code": [WRONG_CODE_MESSAGE]}


def test_an_empty_code_is_refused(admin_a):
    response = password_only_client(admin_a).post("/login/second-factor/", {"code": ""})

    assert response.context["form"].errors == {"code": ["This field is required."]}


def test_right_after_a_wrong_code_the_wait_is_said_plainly(admin_a):
    client = password_only_client(admin_a)
    device = confirmed_device(admin_a)
    client.post("/login/second-factor/", {"code": wrong_code(device)})

    response = client.post("/login/second-factor/", {"code": totp_code(device)})

    assert response.context["form"].non_field_errors() == [
        "Too many wrong codes. Wait 1 second, then try again."
    ]
    assert client.get("/")["Location"] == "/login/second-factor/"
    unthrottle(admin_a)
    assert client.post("/login/second-factor/", {"code": totp_code(device)})["Location"] == "/"


def test_each_wrong_code_doubles_the_wait(admin_a):
    client = password_only_client(admin_a)
    device = confirmed_device(admin_a)
    for _ in range(3):
        client.post("/login/second-factor/", {"code": wrong_code(device)})
        AuthenticatorDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    # Three failures: the next try must wait 2**2 = 4 seconds after the last one.
    from django.utils import timezone

    AuthenticatorDevice.objects.filter(user=admin_a).update(
        throttling_failure_timestamp=timezone.now()
    )
    RecoveryCodeDevice.objects.filter(user=admin_a).update(
        throttling_failure_timestamp=timezone.now()
    )

    response = client.post("/login/second-factor/", {"code": totp_code(device)})

    assert response.context["form"].non_field_errors() == [
        "Too many wrong codes. Wait 4 seconds, then try again."
    ]


def test_a_code_cannot_be_used_twice(admin_a):
    device = confirmed_device(admin_a)
    code = totp_code(device)
    assert (
        password_only_client(admin_a).post("/login/second-factor/", {"code": code})["Location"]
        == "/"
    )
    replayed = password_only_client(admin_a)

    response = replayed.post("/login/second-factor/", {"code": code})

    assert response.context["form"].errors == {"code": [WRONG_CODE_MESSAGE]}
    assert replayed.get("/")["Location"] == "/login/second-factor/"


def test_a_recovery_code_works_once_and_says_how_many_are_left(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)
    client = password_only_client(admin_a)

    response = client.post("/login/second-factor/", {"code": codes[0]}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert messages_of(response) == ["You used a recovery code. 9 are left; each works only once."]
    assert RecoveryCode.objects.filter(device__user=admin_a).count() == 9


def test_the_last_but_one_recovery_code_says_one_is_left(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)
    RecoveryCode.objects.filter(device__user=admin_a).exclude(
        digest__in=[code_digest(admin_a.pk, c) for c in codes[:2]]
    ).delete()

    response = password_only_client(admin_a).post(
        "/login/second-factor/", {"code": codes[0]}, follow=True
    )

    assert messages_of(response) == ["You used a recovery code. 1 is left; each works only once."]


def test_a_reused_recovery_code_is_refused_and_changes_nothing(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)
    password_only_client(admin_a).post("/login/second-factor/", {"code": codes[0]})
    unthrottle(admin_a)
    again = password_only_client(admin_a)
    before = snapshot()

    response = again.post("/login/second-factor/", {"code": codes[0]})

    assert response.context["form"].errors == {"code": [WRONG_CODE_MESSAGE]}
    assert snapshot() == before
    assert RecoveryCode.objects.filter(device__user=admin_a).count() == 9
    assert again.get("/")["Location"] == "/login/second-factor/"


def test_recovery_codes_are_spelt_with_spaces_or_without(admin_a):
    codes = services.issue_recovery_codes(user=admin_a)
    spaced = " ".join([codes[0][:4], codes[0][4:]])

    response = password_only_client(admin_a).post("/login/second-factor/", {"code": spaced})

    assert response["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(admin_a):
    old = services.issue_recovery_codes(user=admin_a)
    new = services.issue_recovery_codes(user=admin_a)

    assert set(old).isdisjoint(new)
    assert sorted(RecoveryCode.objects.values_list("digest", flat=True)) == sorted(
        code_digest(admin_a.pk, c) for c in new
    )


def test_logging_out_from_the_second_factor_page_is_allowed(admin_a):
    client = password_only_client(admin_a)

    response = client.post(reverse("core:logout"))

    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_verified_member_is_sent_on_from_the_second_factor_page(admin_a, login_as):
    assert login_as(admin_a).get("/login/second-factor/")["Location"] == "/"


SETUP = "/account/second-factor/setup/"


def test_replacing_the_authenticator_without_giving_the_password_again_is_refused(
    admin_a, login_as
):
    old = confirmed_device(admin_a)
    client = login_as(admin_a)  # signed in with both factors, as at an unlocked computer
    before = snapshot()

    get = client.get(SETUP)
    post = client.post(SETUP, {"code": "123456"})

    for response in (get, post):
        assert response.status_code == 302
        assert response["Location"].startswith("/account/confirm/?next=")
    assert snapshot() == before  # no new secret was even made, the old app is untouched
    assert list(AuthenticatorDevice.objects.filter(user=admin_a)) == [old]


def test_the_old_authenticator_works_until_the_new_one_is_confirmed(admin_a, login_as):
    old = confirmed_device(admin_a)
    client = login_as(admin_a)
    reauthenticate(client, old)
    assert client.get(SETUP).status_code == 200
    new = AuthenticatorDevice.objects.get(user=admin_a, confirmed=False)
    elsewhere = Client()
    elsewhere.post("/login/", {"username": admin_a.email, "password": PASSWORD})

    # Meanwhile (the new app not yet confirmed) the old one still logs in, the new one not.
    assert elsewhere.post("/login/second-factor/", {"code": totp_code(new)}).status_code == 200
    unthrottle(admin_a)
    RecoveryCodeDevice.objects.filter(user=admin_a).update(throttling_failure_timestamp=None)
    AuthenticatorDevice.objects.filter(pk=old.pk).update(last_t=-1)  # its code was used above
    assert elsewhere.post("/login/second-factor/", {"code": totp_code(old)}).status_code == 302

    client.post(SETUP, {"code": totp_code(new)})

    assert not AuthenticatorDevice.objects.filter(pk=old.pk).exists()
    late = Client()
    late.post("/login/", {"username": admin_a.email, "password": PASSWORD})
    assert late.post("/login/second-factor/", {"code": totp_code(old)}).status_code == 200


def test_a_replacement_is_in_the_organisations_trail_and_mailed_to_the_member(
    admin_a, org_a, org_b, login_as, mailoutbox, django_capture_on_commit_callbacks
):
    from panah.core.models import Membership, RoleGrant

    with scopes_disabled():
        membership = Membership.objects.create(organisation=org_b, user=admin_a)
        RoleGrant.objects.create(membership=membership, organisation=org_b, role=Role.RESEARCHER)
    admin_a.language = "fr"
    admin_a.save()
    client = login_as(admin_a)
    reauthenticate(client, confirmed_device(admin_a))
    client.get(SETUP)
    new = AuthenticatorDevice.objects.get(user=admin_a, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(SETUP, {"code": totp_code(new)})

    with scopes_disabled():
        entries = AuditEntry.objects.filter(action="account.second_factor_replaced")
        assert sorted((e.organisation_id, e.actor_id) for e in entries) == sorted(
            [(org_a.pk, admin_a.pk), (org_b.pk, admin_a.pk)]
        )
    (mail,) = mailoutbox
    assert mail.to == [admin_a.email]
    assert "authentification" in mail.subject.lower()  # in the member's language
    assert "administrat" in mail.body
    # Nothing that would help someone who reads the member's mail.
    assert new.config_url.split("secret=")[1].split("&")[0] not in mail.body


def test_an_auditor_of_the_organisation_sees_the_replacement(org_a, admin_a, make_member, login_as):
    auditor = make_member(org_a, [Role.AUDITOR])
    client = login_as(admin_a)
    reauthenticate(client, confirmed_device(admin_a))
    client.get(SETUP)
    new = AuthenticatorDevice.objects.get(user=admin_a, confirmed=False)
    client.post(SETUP, {"code": totp_code(new)})

    page = login_as(auditor).get("/audit/").content.decode()

    assert "account.second_factor_replaced" in page
