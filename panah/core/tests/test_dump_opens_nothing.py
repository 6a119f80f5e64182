"""What a database dump yields opens no account: session ids are hashes, seeds are ciphertext."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_scopes import scope

from panah.core.models import Role
from panah.people.services import create_person

pytestmark = pytest.mark.django_db

NAME = "Narges"


@pytest.fixture
def person(org_a):
    with scope(organisation=org_a):
        return create_person(
            organisation=org_a,
            by=None,
            given_name_latin=NAME,
            family_name_latin="Mohammadi",
            address="Rue de la Loi 16, 1000 Bruxelles",
        )


def _column(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    return client


def test_a_session_id_read_from_the_database_opens_nothing(org_a, make_member, login_as, person):
    coordinator = make_member(org_a, [Role.COORDINATOR])
    member = login_as(coordinator)
    page = f"/people/{person.pk}/"
    assert NAME in member.get(page).content.decode()  # the member's own session reads it
    dumped = _column("SELECT session_key FROM django_session") + _column(
        "SELECT session_id FROM core_usersession"
    )
    assert dumped

    for key in dumped:
        response = _with_cookie(key).get(page)

        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        assert NAME not in response.content.decode()
    assert member.cookies[settings.SESSION_COOKIE_NAME].value not in dumped
    assert NAME in member.get(page).content.decode()  # and the real session still works
