"""The interface language: its cookie, set the same way wherever it is set, and lists written in it."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember the interface language in the browser, with every LANGUAGE_COOKIE_* setting.

    Through here only, so that the cookie is Secure and HttpOnly wherever the settings say so:
    it tells whoever sees it (e.g. `fa`) which community the member belongs to.
    """
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def list_separator() -> str:
    """The separator between the items of a list in the reader's language."""
    # Translators: the separator between the items of a list ("1 woman, 2 children"); in
    # Persian the Arabic comma and a space.
    return _(", ")


def join_words(items: Iterable[object]) -> str:
    """Words joined with the reader's list separator: "a, b" in French, "a، b" in Persian."""
    return list_separator().join(str(item) for item in items)
