"""Each login records its session against the user, so ending a user's sessions reads no others."""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from panah.core import services
from panah.core.models import Membership, UserSession
from panah.core.sessions import SessionStore, stored_key
from panah.core.user_sessions import end_sessions_of

from .helpers import confirmed_device, messages_of, password_login, totp_code

pytestmark = pytest.mark.django_db


def key_of(client: Client) -> str:
    """The key of the client's session row: the hash of its cookie's id."""
    return stored_key(client.cookies[settings.SESSION_COOKIE_NAME].value)


def recorded(user) -> set[str]:
    return set(UserSession.objects.filter(user=user).values_list("session_id", flat=True))


def anonymous_sessions(n: int) -> list[str]:
    """Sessions of other visitors, which ending someone's sessions must not even read."""
    keys = []
    for i in range(n):
        store = SessionStore()
        store["visit"] = i
        store.create()
        keys.append(store.stored_session_key)
    return keys


def test_logging_in_records_the_session_under_the_user(caseworker_a):
    client = Client()

    password_login(client, "caseworker-a@example.org")
    client.post("/login/second-factor/", {"code": totp_code(confirmed_device(caseworker_a))})

    assert client.get("/").status_code == 200
    assert recorded(caseworker_a) == {key_of(client)}


def test_each_device_has_its_own_record(caseworker_a, login_as):
    phone, laptop = login_as(caseworker_a), login_as(caseworker_a)

    assert recorded(caseworker_a) == {key_of(phone), key_of(laptop)}


def test_logging_out_forgets_the_record(caseworker_a, login_as):
    client = login_as(caseworker_a)
    other_device = login_as(caseworker_a)

    response = client.post("/logout/", follow=True)

    assert messages_of(response) == ["You are logged out."]
    assert recorded(caseworker_a) == {key_of(other_device)}


def test_logging_in_as_someone_else_on_the_same_browser_records_the_new_session(
    caseworker_a, admin_a, login_as
):
    client = login_as(caseworker_a)
    first = key_of(client)

    login_as(admin_a, client)

    assert not Session.objects.filter(session_key=first).exists()
    assert recorded(caseworker_a) == set()
    assert recorded(admin_a) == {key_of(client)}
    assert client.get("/").context["user"] == admin_a


def test_removing_a_member_ends_their_sessions_and_no_one_elses(
    org_a, admin_a, caseworker_a, login_as
):
    phone, laptop = login_as(caseworker_a), login_as(caseworker_a)
    admin = login_as(admin_a)
    others = anonymous_sessions(3)
    with scopes_disabled():
        membership = Membership.objects.get(user=caseworker_a)

    response = admin.post(f"/members/{membership.pk}/remove/", follow=True)

    assert messages_of(response) == ["caseworker-a is no longer a member."]
    for client in (phone, laptop):
        assert client.get("/")["Location"] == "/login/?next=/"
    assert not Session.objects.filter(session_key__in=[key_of(phone), key_of(laptop)]).exists()
    assert recorded(caseworker_a) == set()
    assert set(Session.objects.values_list("session_key", flat=True)) == {key_of(admin), *others}
    assert admin.get("/").status_code == 200


def test_ending_sessions_neither_reads_nor_decodes_other_sessions(
    caseworker_a, admin_a, login_as, monkeypatch
):
    login_as(caseworker_a)
    login_as(caseworker_a)
    admins = login_as(admin_a)
    others = anonymous_sessions(20)

    def no_decoding(*args, **kwargs):
        raise AssertionError("a session was decoded")

    monkeypatch.setattr(Session, "get_decoded", no_decoding)
    monkeypatch.setattr(SessionBase, "decode", no_decoding)
    with CaptureQueriesContext(connection) as queries:
        ended = services.end_sessions(caseworker_a)

    assert ended == 2
    # Every statement on the session table names the sessions it wants (no full scan).
    on_sessions = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert on_sessions and all("core_usersession" in sql or "IN (" in sql for sql in on_sessions)
    assert len(queries.captured_queries) <= 8
    monkeypatch.undo()
    assert set(Session.objects.values_list("session_key", flat=True)) == {key_of(admins), *others}


def test_the_work_does_not_grow_with_other_peoples_sessions(caseworker_a, login_as):
    def queries_to_end_sessions(other_sessions: int) -> int:
        login_as(caseworker_a)
        anonymous_sessions(other_sessions)
        with CaptureQueriesContext(connection) as queries:
            assert services.end_sessions(caseworker_a) == 1
        return len(queries.captured_queries)

    assert queries_to_end_sessions(1) == queries_to_end_sessions(40)


def test_a_session_already_expired_is_removed_but_not_counted(caseworker_a, login_as):
    expired, live = login_as(caseworker_a), login_as(caseworker_a)
    Session.objects.filter(session_key=key_of(expired)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert end_sessions_of([caseworker_a.pk]) == 1

    assert not Session.objects.filter(session_key__in=[key_of(expired), key_of(live)]).exists()
    assert recorded(caseworker_a) == set()


def test_clearsessions_removes_the_records_of_expired_sessions(caseworker_a, login_as):
    old, current = login_as(caseworker_a), login_as(caseworker_a)
    Session.objects.filter(session_key=key_of(old)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    call_command("clearsessions")

    assert recorded(caseworker_a) == {key_of(current)}


def test_records_of_sessions_gone_another_way_are_swept_at_the_next_login(caseworker_a, login_as):
    gone = login_as(caseworker_a)
    # Deleted without Django's delete() (by hand, say): its record is left behind.
    Session.objects.filter(session_key=key_of(gone))._raw_delete(connection.alias)
    assert recorded(caseworker_a) == {key_of(gone)}
    assert end_sessions_of([caseworker_a.pk]) == 0  # a stale record ends nothing

    again = login_as(caseworker_a)
    gone_again = login_as(caseworker_a)
    Session.objects.filter(session_key=key_of(gone_again))._raw_delete(connection.alias)
    fresh = login_as(caseworker_a)

    assert recorded(caseworker_a) == {key_of(again), key_of(fresh)}


def test_the_upgrade_records_the_sessions_already_open(caseworker_a, admin_a, login_as):
    phone, laptop = login_as(caseworker_a), login_as(admin_a)
    expired = login_as(admin_a)
    Session.objects.filter(session_key=key_of(expired)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    anonymous_sessions(2)
    UserSession.objects.all().delete()  # as before the migration: nothing recorded
    migration = importlib.import_module("panah.core.migrations.0003_user_sessions")

    migration.record_existing_sessions(apps, SimpleNamespace(connection=connection))

    assert recorded(caseworker_a) == {key_of(phone)}
    assert recorded(admin_a) == {key_of(laptop)}
    assert services.end_sessions(caseworker_a) == 1
