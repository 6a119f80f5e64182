"""Dates as users read them: Gregorian, and in Persian the Jalali date beside it."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from panah.core import dates

NEW_YEAR_2024 = dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("gregorian", "jalali"),
    [
        (dt.date(2024, 1, 1), "1402/10/11"),
        (dt.date(2024, 3, 20), "1403/01/01"),  # Nowruz 1403
        (dt.date(2024, 3, 19), "1402/12/29"),
        (dt.date(2025, 3, 20), "1403/12/30"),  # 1403 is a leap year
        (dt.date(2025, 3, 21), "1404/01/01"),
        (dt.date(1979, 2, 11), "1357/11/22"),
    ],
)
def test_gregorian_dates_have_the_right_jalali_date(gregorian, jalali):
    assert dates.jalali_iso(gregorian) == jalali


def test_the_jalali_date_is_written_in_persian_words_and_digits():
    assert dates.jalali_text(NEW_YEAR_2024) == "۱۱ دی ۱۴۰۲"
    assert dates.jalali_text(dt.date(2024, 3, 20)) == "۱ فروردین ۱۴۰۳"


def test_a_moment_is_dated_in_the_local_time_zone(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    # 23:30 in London on New Year's Eve is already 1 January in Brussels.
    moment = dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.UTC)

    assert dates.local_date(moment) == NEW_YEAR_2024
    assert dates.jalali_iso(moment) == "1402/10/11"


def test_a_naive_moment_keeps_its_own_day():
    assert dates.jalali_iso(dt.datetime(2024, 1, 1, 23, 59)) == "1402/10/11"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_jalali_date_leads_back_to_the_same_gregorian_day(day):
    year, month, date = (int(p) for p in dates.jalali_iso(day).split("/"))

    assert jdatetime.date(year, month, date).togregorian() == day
    assert 1 <= month <= 12 and 1 <= date <= 31


@pytest.mark.parametrize(
    ("language", "shown"),
    [("fa", True), ("fa-ir", True), ("en", False), ("fr", False), ("nl", False)],
)
def test_only_persian_readers_get_the_jalali_date_first(language, shown):
    assert dates.shows_jalali(language) is shown


def render_dual(value) -> str:
    return Template("{% load panah %}{{ value|dual_date }}").render(Context({"value": value}))


def test_in_persian_a_date_shows_the_jalali_date_beside_the_gregorian_one():
    with translation.override("fa"):
        html = render_dual(NEW_YEAR_2024)

    assert html == (
        '<time datetime="2024-01-01"><span class="jalali">۱۱ دی ۱۴۰۲</span> '
        '<bdi class="gregorian">(1 ژانویه 2024)</bdi></time>'
    )


def test_in_other_languages_the_jalali_date_is_in_the_title():
    with translation.override("en"):
        english = render_dual(NEW_YEAR_2024)
    with translation.override("fr"):
        french = render_dual(NEW_YEAR_2024)

    assert english == '<time datetime="2024-01-01" title="1402/10/11">Jan. 1, 2024</time>'
    assert french == '<time datetime="2024-01-01" title="1402/10/11">1 janvier 2024</time>'


def test_the_machine_readable_day_is_the_day_the_text_shows(settings):
    settings.TIME_ZONE = "Europe/Brussels"
    moment = dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.UTC)

    with translation.override("en"):
        html = render_dual(moment)

    assert html == '<time datetime="2024-01-01" title="1402/10/11">Jan. 1, 2024</time>'


@pytest.mark.parametrize("empty", [None, ""])
def test_no_date_renders_nothing(empty):
    assert render_dual(empty) == ""


def test_an_email_date_reads_in_the_readers_calendar_with_the_iso_date_kept_in_order():
    day = dt.date(2024, 8, 2)
    with translation.override("fa"):
        persian = dates.email_date(day)
    assert persian.startswith(dates.jalali_text(day))
    assert "(\u20662024-08-02\u2069)" in persian  # left to right inside a right-to-left line
    with translation.override("fr"):
        assert dates.email_date(day) == dates.gregorian_text(day)
