"""Sessions push their idle expiry forward at most once a minute, and still end at once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from panah.core.middleware import SESSION_ORG_KEY
from panah.core.sessions import stored_key


def _session_key(client) -> str:
    """The key of the client's session row (a hash of the cookie's id)."""
    return stored_key(client.cookies[settings.SESSION_COOKIE_NAME].value)


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    ]


def test_pages_opened_within_a_minute_of_the_last_write_do_not_write_the_session(
    caseworker_a, login_as
):
    client = login_as(caseworker_a)
    client.get("/")
    stored = Session.objects.get(session_key=_session_key(client)).expire_date

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200

    assert _session_writes(queries.captured_queries) == []
    assert Session.objects.get(session_key=_session_key(client)).expire_date == stored


def test_a_page_pushes_the_expiry_forward_once_it_is_a_minute_behind(caseworker_a, login_as):
    client = login_as(caseworker_a)
    key = _session_key(client)
    behind = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 61)
    Session.objects.filter(session_key=key).update(expire_date=behind)

    client.get("/")

    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + idle - timedelta(
        seconds=5
    )


def test_a_change_to_the_session_is_always_written(caseworker_a, org_b, make_member, login_as):
    make_member(org_b, ["caseworker"], email=caseworker_a.email)
    client = login_as(caseworker_a)
    client.get("/")

    client.post("/organisations/", {"organisation": str(org_b.pk)})

    assert client.session[SESSION_ORG_KEY] == org_b.pk


def test_deleting_the_stored_session_still_ends_it_at_once(caseworker_a, login_as):
    client = login_as(caseworker_a)
    client.get("/")

    Session.objects.filter(session_key=_session_key(client)).delete()
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"
