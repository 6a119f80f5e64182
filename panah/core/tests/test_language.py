"""Switching language: Persian right-to-left with Jalali dates; the choice is remembered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from panah.core.models import Membership

from .helpers import password_login


def switch(client: Client, language: str, next_url: str = "/"):
    return client.post("/language/", {"language": language, "next": next_url})


@pytest.mark.parametrize(
    ("language", "direction"), [("fa", "rtl"), ("en", "ltr"), ("fr", "ltr"), ("nl", "ltr")]
)
def test_every_language_renders_the_dashboard_in_its_direction(
    language, direction, caseworker_a, login_as
):
    client = login_as(caseworker_a)

    response = switch(client, language)
    page = client.get("/").content.decode()

    assert response.status_code == 302
    assert f'<html lang="{language}" dir="{direction}">' in page


def test_the_login_page_is_right_to_left_in_persian_too(db):
    client = Client()
    switch(client, "fa", "/login/")

    page = client.get("/login/").content.decode()

    assert '<html lang="fa" dir="rtl">' in page


def test_persian_pages_show_the_jalali_date_beside_the_gregorian_one(
    admin_a, caseworker_a, login_as
):
    with scopes_disabled():
        Membership.objects.filter(user=caseworker_a).update(
            joined_at=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
        )
    client = login_as(admin_a)
    switch(client, "fa")

    page = client.get("/members/").content.decode()

    assert (
        '<time datetime="2024-01-01"><span class="jalali">۱۱ دی ۱۴۰۲</span> '
        '<bdi class="gregorian">(۱ ژانویه ۲۰۲۴)</bdi></time>'
    ) in page  # one digit system in the sentence; the Gregorian date isolated, in its order


def test_english_pages_keep_the_jalali_date_in_the_title(admin_a, caseworker_a, login_as):
    with scopes_disabled():
        Membership.objects.filter(user=caseworker_a).update(
            joined_at=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
        )

    page = login_as(admin_a).get("/members/").content.decode()

    assert '<time datetime="2024-01-01" title="1402/10/11">Jan. 1, 2024</time>' in page


def test_the_dashboard_shows_today_in_both_calendars_in_persian(caseworker_a, login_as):
    client = login_as(caseworker_a)
    switch(client, "fa")

    page = client.get("/").content.decode()

    assert '<span class="jalali">' in page
    assert '<bdi class="gregorian">' in page


def test_the_choice_is_kept_in_a_cookie_and_on_the_account(caseworker_a, login_as):
    client = login_as(caseworker_a)

    response = switch(client, "nl")

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "nl"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    caseworker_a.refresh_from_db()
    assert caseworker_a.language == "nl"


def test_an_unknown_language_is_ignored_and_changes_nothing(caseworker_a, login_as):
    client = login_as(caseworker_a)

    response = switch(client, "xx")

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    caseworker_a.refresh_from_db()
    assert caseworker_a.language == "en"
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_switching_returns_to_the_same_page_but_never_to_another_site(db):
    assert switch(Client(), "fa", "/login/?next=/members/")["Location"] == "/login/?next=/members/"
    assert switch(Client(), "fa", "https://evil.example/")["Location"] == "/"
    assert switch(Client(), "fa", "//evil.example/")["Location"] == "/"


def test_switching_needs_a_post(db):
    assert Client().get("/language/").status_code == 405


def test_a_language_chosen_before_logging_in_is_saved_on_the_account(caseworker_a):
    client = Client()
    switch(client, "fa", "/login/")

    password_login(client, "caseworker-a@example.org")

    caseworker_a.refresh_from_db()
    assert caseworker_a.language == "fa"


def test_logging_in_on_a_new_device_brings_back_the_accounts_language(caseworker_a):
    caseworker_a.language = "fr"
    caseworker_a.save()
    client = Client()

    response = password_login(client, "caseworker-a@example.org")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr" dir="ltr">' in client.get("/login/second-factor/").content.decode()


def test_the_language_menu_lists_the_four_languages_in_their_own_names(db):
    page = Client().get("/login/").content.decode()

    for code, name in [
        ("en", "English"),
        ("fr", "français"),
        ("nl", "Nederlands"),
        ("fa", "فارسی"),
    ]:
        assert f'<option value="{code}" lang="{code}"' in page
        assert name in page


@pytest.mark.parametrize("secure", [True, False])
def test_the_language_cookie_follows_the_cookie_settings_at_login_and_on_switching(
    caseworker_a, settings, secure
):
    settings.LANGUAGE_COOKIE_SECURE = secure
    settings.LANGUAGE_COOKIE_SAMESITE = "Strict"
    caseworker_a.language = "fa"
    caseworker_a.save()

    at_login = password_login(Client(), "caseworker-a@example.org")
    on_switching = switch(Client(), "fr")

    for response, value in ((at_login, "fa"), (on_switching, "fr")):
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == value
        assert bool(cookie["secure"]) is secure
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Strict"
