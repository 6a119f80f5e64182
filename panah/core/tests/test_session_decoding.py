"""A session's stored text is verified on every load: a tampered one is refused."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session

from panah.core.sessions import SessionStore, stored_key


def _stored(client) -> Session:
    return Session.objects.get(
        session_key=stored_key(client.cookies[settings.SESSION_COOKIE_NAME].value)
    )


def test_each_load_hands_out_its_own_values(caseworker_a, login_as):
    client = login_as(caseworker_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first = SessionStore(key).load()
    first["changed"] = True

    assert "changed" not in SessionStore(key).load()


def test_a_session_altered_in_the_database_logs_its_member_out(caseworker_a, login_as):
    client = login_as(caseworker_a)
    assert client.get("/").status_code == 200  # its text is now known to this process
    stored = _stored(client)
    # One character of the signed text changed, as someone with write access might.
    text = stored.session_data
    stored.session_data = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    stored.save()

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_text_verified_under_a_retired_secret_key_is_not_opened_any_more(
    caseworker_a, login_as, settings
):
    text = _stored(login_as(caseworker_a)).session_data
    assert SessionStore().decode(text)  # verified, and remembered, under the current key
    old = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "n" * 50, [old]
    assert SessionStore().decode(text)  # the old key is still a fallback

    settings.SECRET_KEY_FALLBACKS = []
    assert SessionStore().decode(text) == {}
