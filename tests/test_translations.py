"""The French, Dutch and Persian catalogues: complete, compiled, and used by the pages."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fa", "fr", "nl"]

# A printf-style placeholder as Python's % operator reads it: %(name)s, %(n)d, %(size).1f, %s.
PLACEHOLDER = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_file(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def mo_file(language: str) -> polib.MOFile:
    return polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))


def entries(language: str) -> list[polib.POEntry]:
    return [e for e in po_file(language) if not e.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def catalogue(entries_) -> dict[tuple[str | None, str], tuple[str, ...]]:
    return {
        (e.msgctxt, e.msgid): tuple(translations(e)) for e in entries_ if e.msgid and not e.obsolete
    }


class AnyValue(dict):
    """Answers every placeholder name with 1, which %s, %d, %f and %r all accept."""

    def __missing__(self, key):
        return 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_in_every_form(language):
    catalogue_entries = entries(language)
    missing = [e.msgid for e in catalogue_entries if not all(t.strip() for t in translations(e))]

    assert len(catalogue_entries) > 100
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_entry_and_not_the_header_is_fuzzy(language):
    po = po_file(language)

    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_header_names_the_language_and_two_plural_forms(language):
    po = po_file(language)

    assert po.metadata["Language"] == language
    assert po.metadata["Plural-Forms"].startswith("nplurals=2;")
    assert all(len(e.msgstr_plural) == 2 for e in po if e.msgid_plural)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_holds_exactly_what_the_po_file_says(language):
    # A .mo compiled before the last edit of the .po would serve old or missing translations.
    assert catalogue(mo_file(language)) == catalogue(entries(language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_placeholder_of_the_english_text_is_kept_in_the_translation(language):
    wrong = []
    for entry in entries(language):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for index, text in enumerate(translations(entry)):
            # msgstr[0] answers to the singular, every other form to the plural.
            source = sources[min(index, len(sources) - 1)]
            allowed = set().union(*(placeholders(s) for s in sources))
            if not placeholders(source) <= placeholders(text) or not placeholders(text) <= allowed:
                wrong.append((entry.msgid, text))

    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_python_format_translation_can_be_formatted(language):
    failures = []
    for entry in entries(language):
        if "python-format" not in entry.flags:
            continue
        for text in translations(entry):
            try:
                text % AnyValue()
            except (KeyError, TypeError, ValueError) as error:
                failures.append((entry.msgid, text, str(error)))

    assert failures == []


def test_persian_uses_persian_yeh_and_kaf_not_the_arabic_letters():
    arabic = [
        e.msgid for e in entries("fa") for t in translations(e) if "\u064a" in t or "\u0643" in t
    ]

    assert arabic == []


def test_persian_uses_persian_punctuation_between_words():
    latin = re.compile(r"[\u0600-\u06ff][,;?]\s")
    wrong = [e.msgid for e in entries("fa") for t in translations(e) if latin.search(t)]

    assert wrong == []


def test_persian_keeps_a_hyphenated_date_left_to_right():
    # After Persian letters the digits are Arabic numbers to the bidi algorithm and a hyphen does
    # not join them: "2024-08-02" would read "02-08-2024" unless isolated (U+2066 ... U+2069).
    hyphenated = re.compile(
        r"(?<!\u2066)[0-9\u06f0-\u06f9]{4}-[0-9\u06f0-\u06f9]{2}-[0-9\u06f0-\u06f9]{2}"
    )
    wrong = [e.msgid for e in entries("fa") for t in translations(e) if hyphenated.search(t)]

    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_is_served_in_the_language_of_the_cookie(language, db):
    log_in = po_file(language).find("Log in").msgstr
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get("/login/").content.decode()

    assert log_in and log_in != "Log in"
    assert f"<h1>{log_in}</h1>" in page
    assert f'<html lang="{language}"' in page
