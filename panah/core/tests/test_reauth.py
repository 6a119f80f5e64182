"""Re-authentication: exports and erasures need the password and a code given again recently."""

from __future__ import annotations

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import scopes_disabled

from panah.core.models import AuditEntry, Role
from panah.core.reauth import (
    REAUTH_SESSION_KEY,
    recent_authentication_required,
    recently_authenticated,
)

from .helpers import PASSWORD, confirmed_device, totp_code, unthrottle, wrong_code

EXPORT = "/audit/export.csv"
CONFIRM = "/account/confirm/"


@pytest.fixture
def auditor_a(org_a, make_member):
    return make_member(org_a, [Role.AUDITOR], email="auditor-a@example.org")


def confirm(client, user, *, password=PASSWORD, code=None, next_url=EXPORT):
    code = code if code is not None else totp_code(confirmed_device(user))
    return client.post(CONFIRM, {"password": password, "code": code, "next": next_url})


def actions(user) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(actor=user, action__startswith="account.reauth")
            .order_by("pk")
            .values_list("action", flat=True)
        )


def test_logging_in_alone_does_not_open_an_export(auditor_a, login_as):
    response = login_as(auditor_a).get(EXPORT + "?action=member")

    assert response.status_code == 302
    assert response["Location"] == "/account/confirm/?next=%2Faudit%2Fexport.csv%3Faction%3Dmember"


def test_the_confirmation_page_asks_for_both_password_and_code(auditor_a, login_as):
    response = login_as(auditor_a).get(CONFIRM + "?next=/audit/export.csv")

    assert response.status_code == 200
    assert b'name="password"' in response.content
    assert b'name="code"' in response.content
    assert b'value="/audit/export.csv"' in response.content


def test_password_and_code_return_the_user_where_they_were(auditor_a, login_as):
    client = login_as(auditor_a)

    response = confirm(client, auditor_a, next_url="/audit/export.csv?action=member")

    assert response.status_code == 302
    assert response["Location"] == "/audit/export.csv?action=member"
    assert client.get(EXPORT).status_code == 200
    assert actions(auditor_a) == ["account.reauthenticated"]
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="account.reauthenticated")
    assert entry.organisation.slug == "org-a"


def test_a_wrong_password_is_refused_even_with_a_right_code(auditor_a, login_as):
    client = login_as(auditor_a)

    response = confirm(client, auditor_a, password="not my password")

    assert response.status_code == 200
    assert "The password or the code is not right." in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    assert client.get(EXPORT).status_code == 302
    assert actions(auditor_a) == ["account.reauthentication_failed"]


def test_a_wrong_code_is_refused_even_with_the_right_password(auditor_a, login_as):
    client = login_as(auditor_a)
    device = confirmed_device(auditor_a)

    response = confirm(client, auditor_a, code=wrong_code(device))

    assert response.status_code == 200
    assert REAUTH_SESSION_KEY not in client.session
    assert actions(auditor_a) == ["account.reauthentication_failed"]


def test_a_recovery_code_counts_as_the_second_factor_once(auditor_a, login_as):
    from panah.core.services import issue_recovery_codes

    codes = issue_recovery_codes(user=auditor_a)
    client = login_as(auditor_a)

    assert confirm(client, auditor_a, code=codes[0])["Location"] == EXPORT

    unthrottle(auditor_a)
    again = login_as(auditor_a)
    assert confirm(again, auditor_a, code=codes[0]).status_code == 200
    assert REAUTH_SESSION_KEY not in again.session


def test_a_confirmation_older_than_the_limit_no_longer_counts(settings, auditor_a, login_as):
    settings.REAUTH_MINUTES = 5
    client = login_as(auditor_a)
    confirm(client, auditor_a)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time() - 5 * 60 - 1
    session.save()

    response = client.get(EXPORT)

    assert response.status_code == 302
    assert response["Location"].startswith(CONFIRM)


def test_a_confirmation_within_the_limit_counts(settings, auditor_a, login_as):
    settings.REAUTH_MINUTES = 5
    client = login_as(auditor_a)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time() - 4 * 60
    session.save()

    assert client.get(EXPORT).status_code == 200


def test_a_next_address_on_another_site_is_replaced_by_the_dashboard(auditor_a, login_as):
    client = login_as(auditor_a)

    response = confirm(client, auditor_a, next_url="https://evil.example/steal")

    assert response["Location"] == "/"


def test_the_confirmation_page_needs_a_full_login(auditor_a, client):
    assert client.get(CONFIRM)["Location"].startswith("/login/")


def test_the_decorator_refuses_a_user_without_second_factor(auditor_a):
    @recent_authentication_required
    def view(request):
        return HttpResponse("exported")

    request = RequestFactory().get("/export/")
    request.user = auditor_a  # not verified: no OTP device on the request
    request.user.is_verified = lambda: False
    request.session = {}

    response = view(request)

    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_session_value_that_is_not_a_time_does_not_count(auditor_a):
    request = RequestFactory().get("/")
    request.session = {REAUTH_SESSION_KEY: "yesterday"}

    assert recently_authenticated(request) is False


def test_wrong_passwords_here_count_towards_the_login_lockout(settings, auditor_a, login_as):
    settings.AXES_ENABLED = True
    client = login_as(auditor_a)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert confirm(client, auditor_a, password="wrong").status_code == 200

    response = confirm(client, auditor_a, password="wrong")

    assert response.status_code == 429
    assert confirm(client, auditor_a).status_code == 429
    assert REAUTH_SESSION_KEY not in client.session
