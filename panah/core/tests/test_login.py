"""Logging in with a password: refusals, lockout, tampered cookies, idle expiry, logging out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core.models import AuditEntry, Membership
from panah.core.sessions import stored_key

from .helpers import PASSWORD, messages_of, password_login, snapshot

WRONG_PASSWORD_MESSAGE = "That email address and password do not match an account."
LOCKED_OUT_MESSAGE = (
    "Logging in to this account is blocked after too many failed attempts. "
    "Try again in 30 minutes, or ask an administrator."
)
SESSION_ENDED_MESSAGE = "Your session has ended. Please log in again."


def test_the_login_page_opens_for_anyone(db):
    response = Client().get("/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'autocomplete="username"' in response.content


def test_a_right_password_leads_to_the_second_factor_not_to_the_data(caseworker_a):
    client = Client()

    response = password_login(client, "caseworker-a@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/login/second-factor/"
    assert client.session["_auth_user_id"] == str(caseworker_a.pk)
    assert "otp_device_id" not in client.session
    assert client.get("/")["Location"] == "/login/second-factor/"


def test_the_email_address_is_not_case_sensitive(caseworker_a):
    response = password_login(Client(), " CaseWorker-A@Example.org ")

    assert response["Location"] == "/login/second-factor/"


def test_the_lockout_counts_an_address_in_any_case_as_one_account(settings, caseworker_a):
    settings.AXES_ENABLED = True
    spellings = ["caseworker-a@example.org", "Caseworker-a@example.org", "CASEWORKER-A@EXAMPLE.ORG"]
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        password_login(Client(), spellings[i % 3], "wrong")

    response = password_login(Client(), "CaseWorker-A@example.org", "wrong")

    assert response.status_code == 429


def test_a_wrong_password_is_refused_with_a_clear_message_and_changes_nothing(caseworker_a):
    client = Client()
    before = snapshot()

    response = password_login(client, "caseworker-a@example.org", "not the password at all")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_PASSWORD_MESSAGE]
    assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session


def test_an_unknown_email_gets_the_same_message_as_a_wrong_password(db):
    response = password_login(Client(), "nobody@example.org")

    assert response.context["form"].non_field_errors() == [WRONG_PASSWORD_MESSAGE]


def test_a_failed_login_is_audited_without_the_email_that_was_tried(caseworker_a):
    password_login(Client(), "caseworker-a@example.org", "not the password at all")

    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="account.login_failed").values().get()
    assert entry["chain"] == "system"
    assert entry["actor_id"] is None
    assert entry["data"] == {}
    assert "caseworker-a" not in repr(entry)


def test_a_disabled_account_cannot_log_in(caseworker_a):
    caseworker_a.is_active = False
    caseworker_a.save()
    client = Client()

    response = password_login(client, "caseworker-a@example.org")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_next_address_is_kept_through_the_second_factor(caseworker_a):
    response = password_login(Client(), "caseworker-a@example.org", next="/members/")

    assert response["Location"] == "/login/second-factor/?next=/members/"


def test_a_next_address_on_another_site_is_dropped(caseworker_a):
    response = password_login(Client(), "caseworker-a@example.org", next="https://evil.example/")

    assert response["Location"] == "/login/second-factor/"


def test_repeated_failures_lock_the_account_with_status_429(settings, caseworker_a):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert password_login(client, "caseworker-a@example.org", "wrong").status_code == 200

    response = password_login(client, "caseworker-a@example.org", "wrong")

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert LOCKED_OUT_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_account_refuses_even_the_right_password(settings, caseworker_a):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(client, "caseworker-a@example.org", "wrong")
    before = snapshot()

    response = password_login(client, "caseworker-a@example.org", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT_MESSAGE in response.content.decode()
    assert snapshot() == before
    assert "_auth_user_id" not in client.session
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="account.locked_out").exists()


def test_the_lockout_is_per_account_so_others_can_still_log_in(settings, caseworker_a, admin_a):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_login(client, "caseworker-a@example.org", "wrong")

    response = password_login(client, "admin-a@example.org")

    assert response["Location"] == "/login/second-factor/"


def test_failures_below_the_limit_are_forgotten_after_a_success(settings, caseworker_a):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        password_login(Client(), "caseworker-a@example.org", "wrong")
    assert password_login(Client(), "caseworker-a@example.org").status_code == 302

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = password_login(Client(), "caseworker-a@example.org", "wrong")

    assert response.status_code == 200


def test_a_tampered_session_cookie_logs_nobody_in_and_says_the_session_ended(
    caseworker_a, login_as
):
    client = login_as(caseworker_a)
    real_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    tampered = real_key[:-1] + ("a" if real_key[-1] != "a" else "b")
    client.cookies[settings.SESSION_COOKIE_NAME] = tampered
    before = snapshot()

    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/login/?next=/", 302)]
    assert messages_of(response) == [SESSION_ENDED_MESSAGE]
    assert not response.context["user"].is_authenticated
    assert snapshot() == before
    # The real session was not touched by the forged one.
    assert Session.objects.filter(session_key=stored_key(real_key)).exists()


def test_a_write_with_a_tampered_session_cookie_changes_nothing(admin_a, caseworker_a, login_as):
    with scopes_disabled():
        membership = Membership.objects.get(user=caseworker_a)
    client = login_as(admin_a)
    client.cookies[settings.SESSION_COOKIE_NAME] = "forged" + "x" * 26
    before = snapshot()

    response = client.post(f"/members/{membership.pk}/remove/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert snapshot() == before


def test_a_session_ends_after_the_idle_time(caseworker_a, login_as):
    client = login_as(caseworker_a)
    assert client.get("/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    session = Session.objects.get(session_key=stored_key(key))
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert idle == timedelta(minutes=30)
    assert session.expire_date == pytest.approx(timezone.now() + idle, abs=timedelta(seconds=30))

    Session.objects.filter(session_key=stored_key(key)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_each_request_pushes_the_idle_expiry_forward(caseworker_a, login_as):
    client = login_as(caseworker_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(session_key=stored_key(key)).update(expire_date=soon)

    client.get("/")

    assert Session.objects.get(session_key=stored_key(key)).expire_date > soon + timedelta(
        minutes=20
    )


def test_logging_out_ends_the_session(caseworker_a, login_as):
    client = login_as(caseworker_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = client.post("/logout/", follow=True)

    assert messages_of(response) == ["You are logged out."]
    assert not Session.objects.filter(session_key=stored_key(key)).exists()
    assert client.get("/")["Location"] == "/login/?next=/"


def test_logging_out_needs_a_post(caseworker_a, login_as):
    client = login_as(caseworker_a)

    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_a_password_reset_email_is_sent_only_to_a_known_address(caseworker_a):
    for email in ("caseworker-a@example.org", "nobody@example.org"):
        response = Client().post("/password-reset/", {"email": email})
        assert response["Location"] == "/password-reset/sent/"

    assert [m.to for m in mail.outbox] == [["caseworker-a@example.org"]]
    assert "/password-reset/" in mail.outbox[0].body


def test_a_password_reset_link_sets_a_new_password_once(caseworker_a):
    Client().post("/password-reset/", {"email": "caseworker-a@example.org"})
    link = next(w for w in mail.outbox[0].body.split() if "/password-reset/" in w)
    path = link.split("testserver", 1)[1]
    client = Client()
    form_url = client.get(path)["Location"]
    new_password = "a different long passphrase 7"

    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert response["Location"] == "/password-reset/done/"
    caseworker_a.refresh_from_db()
    assert caseworker_a.check_password(new_password)
    again = Client().get(path, follow=True)
    assert "This link is not valid any more" in again.content.decode()


def test_a_weak_new_password_is_refused(caseworker_a):
    Client().post("/password-reset/", {"email": "caseworker-a@example.org"})
    link = next(w for w in mail.outbox[0].body.split() if "/password-reset/" in w)
    client = Client()
    form_url = client.get(link.split("testserver", 1)[1])["Location"]

    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in (
        response.content.decode()
    )
    caseworker_a.refresh_from_db()
    assert caseworker_a.check_password(PASSWORD)


def test_opening_the_login_page_with_a_stale_cookie_says_so_once(caseworker_a):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "expired" + "0" * 25

    response = client.get("/login/")

    assert messages_of(response) == [SESSION_ENDED_MESSAGE]
    assert response.content.decode().count(SESSION_ENDED_MESSAGE) == 1


def test_a_new_password_ends_every_session_opened_with_the_old_one(caseworker_a, login_as):
    elsewhere = login_as(caseworker_a)
    assert elsewhere.get("/").status_code == 200
    Client().post("/password-reset/", {"email": "caseworker-a@example.org"})
    link = next(w for w in mail.outbox[0].body.split() if "/password-reset/" in w)
    client = Client()
    form_url = client.get(link.split("testserver", 1)[1])["Location"]
    new_password = "a different long passphrase 7"

    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert elsewhere.get("/")["Location"] == "/login/?next=/"
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="account.password_set")
    assert (entry.chain, entry.actor_id, entry.data) == ("system", caseworker_a.pk, {})
