"""Date inputs read either calendar, and show Persian readers the date they read in both."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from django.urls import reverse
from django_scopes import scope

from panah.cases.models import CaseStep
from panah.core.dates import parse_date

from .conftest import lodged

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed", ["1403/05/12", "۱۴۰۳/۰۵/۱۲", "٢٠٢٤-٠٨-٠٢", "2024-08-02", "02/08/2024", "02.08.2024"]
)
def test_one_parser_reads_either_calendar_in_any_digits(typed):
    assert parse_date(typed) == dt.date(2024, 8, 2)


@pytest.mark.parametrize("typed", ["1403/13/01", "2024-02-30", "yesterday", "12/2024"])
def test_an_impossible_date_is_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_a_persian_caseworker_types_a_jalali_date_and_sees_both_calendars(
    make_case, caseworker_a, login_as, today, org_a
):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=100))])
    client = login_as(caseworker_a)
    client.cookies["django_language"] = "fa"
    path = reverse("cases:record_step", args=[case.pk])
    blank = client.get(path + "?code=cgrs_decision").content.decode()
    assert 'name="occurred_on"' in blank and 'type="text"' in blank
    assert 'inputmode="numeric"' in blank

    decided = today - dt.timedelta(days=2)
    j = jdatetime.date.fromgregorian(date=decided)
    jalali = f"{j.year}/{j.month:02d}/{j.day:02d}".translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    future = today + dt.timedelta(days=3)
    typed = {
        "code": "cgrs_decision",
        "outcome": "refusal",
        "occurred_on": jalali,
        "notification_mode": "hand_delivery",
        "received_on": future.isoformat(),
    }
    warned = client.post(path, typed)
    html = warned.content.decode()
    assert warned.status_code == 200
    assert f'value="{jalali}"' in html  # kept as typed
    assert str(decided.year) in html and "=" in html  # the Gregorian date beside the Jalali one
    client.post(path, {**typed, "confirm": "1", "warned": warned.context["warning_keys"]})
    with scope(organisation=org_a):
        step = CaseStep.objects.get(case=case, code="cgrs_decision")
    assert step.occurred_on == decided


def test_a_french_reader_keeps_the_date_picker(make_case, caseworker_a, login_as, today):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=100))])
    client = login_as(caseworker_a)
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("cases:record_step", args=[case.pk]) + "?code=cgrs_decision").text
    assert 'type="date" name="occurred_on"' in html
