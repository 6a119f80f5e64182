"""Reading execution dates as sources write them (panah.evidence.dates)."""

import datetime as dt

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from panah.evidence.dates import (
    GREGORIAN_MONTHS_EN,
    JALALI_MONTHS_EN,
    DateError,
    ParsedDate,
    parse_date,
)

D = dt.date
NEW_YEAR_DAY_1403 = ParsedDate(D(2024, 1, 1), D(2024, 1, 1), "day", "jalali")


@pytest.mark.parametrize(
    "text",
    [
        "1402/10/11",
        "۱۴۰۲/۱۰/۱۱",
        "١٤٠٢/١٠/١١",
        "1402-10-11",
        "11 Dey 1402",
        "11 dei 1402",
        "۱۱ دی ۱۴۰۲",
        "۱۱ دي ماه ۱۴۰۲",  # Arabic yeh
        "۱۱ دی‌ماه سال ۱۴۰۲ هجری شمسی",
    ],
)
def test_every_way_of_writing_11_dey_1402_is_new_years_day_2024(text):
    assert parse_date(text) == NEW_YEAR_DAY_1403


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", ParsedDate(D(2024, 1, 1), D(2024, 1, 1), "day", "gregorian")),
        ("2024-01-01T09:30:00", ParsedDate(D(2024, 1, 1), D(2024, 1, 1), "day", "gregorian")),
        ("January 5, 2024", ParsedDate(D(2024, 1, 5), D(2024, 1, 5), "day", "gregorian")),
        ("5th Jan 2024", ParsedDate(D(2024, 1, 5), D(2024, 1, 5), "day", "gregorian")),
        ("۵ ژانویه ۲۰۲۴", ParsedDate(D(2024, 1, 5), D(2024, 1, 5), "day", "gregorian")),
        ("25/12/2023", ParsedDate(D(2023, 12, 25), D(2023, 12, 25), "day", "gregorian")),
        ("January 2024", ParsedDate(D(2024, 1, 1), D(2024, 1, 31), "month", "gregorian")),
        ("2024-02", ParsedDate(D(2024, 2, 1), D(2024, 2, 29), "month", "gregorian")),
        ("2024", ParsedDate(D(2024, 1, 1), D(2024, 12, 31), "year", "gregorian")),
        ("Dey 1402", ParsedDate(D(2023, 12, 22), D(2024, 1, 20), "month", "jalali")),
        ("early Dey 1402", ParsedDate(D(2023, 12, 22), D(2024, 1, 20), "month", "jalali")),
        ("اوایل دی ماه ۱۴۰۲", ParsedDate(D(2023, 12, 22), D(2024, 1, 20), "month", "jalali")),
        ("1402/10", ParsedDate(D(2023, 12, 22), D(2024, 1, 20), "month", "jalali")),
        ("1402", ParsedDate(D(2023, 3, 21), D(2024, 3, 19), "year", "jalali")),
        ("30 Esfand 1403", ParsedDate(D(2025, 3, 20), D(2025, 3, 20), "day", "jalali")),
        ("1–5 Dey 1402", ParsedDate(D(2023, 12, 22), D(2023, 12, 26), "range", "jalali")),
        ("از ۱ تا ۵ دی ۱۴۰۲", ParsedDate(D(2023, 12, 22), D(2023, 12, 26), "range", "jalali")),
        ("Dey – Bahman 1402", ParsedDate(D(2023, 12, 22), D(2024, 2, 19), "range", "jalali")),
        (
            "2024-01-01 to 2024-01-10",
            ParsedDate(D(2024, 1, 1), D(2024, 1, 10), "range", "gregorian"),
        ),
        (
            "between 1 and 5 January 2024",
            ParsedDate(D(2024, 1, 1), D(2024, 1, 5), "range", "gregorian"),
        ),
        ("", ParsedDate(None, None, "unknown", "unknown")),
        ("   ", ParsedDate(None, None, "unknown", "unknown")),
    ],
)
def test_it_reads_full_partial_and_ranged_dates(text, expected):
    assert parse_date(text) == expected


def test_a_stated_calendar_is_used_when_the_year_is_plausible_in_it():
    assert parse_date("1402/10/11", "jalali") == NEW_YEAR_DAY_1403
    assert parse_date("2024-01-01", "Gregorian").calendar == "gregorian"
    assert parse_date("2024-01-01", "unknown").calendar == "gregorian"


@pytest.mark.parametrize(
    ("text", "calendar", "reason"),
    [
        (
            "30 Esfand 1402",
            None,
            "Esfand 1402 has only 29 days (1402 is not a leap year in the Solar Hijri calendar)",
        ),
        ("1402/12/30", None, "Esfand 1402 has only 29 days"),
        ("1402/13/01", None, "there is no month 13"),
        ("2024-01-32", None, "there is no day 32 in any month"),
        ("31 Mehr 1402", None, "Mehr has only 30 days"),
        ("2023-02-29", None, "February 2023 has only 28 days"),
        ("01/02/2024", None, "the day and the month could be either way round"),
        ("5 Jan", None, "the date has no year"),
        ("24/1/2", None, "write the year in full (four digits)"),
        ("hello", None, "cannot read 'hello' as part of a date"),
        ("1402/10/11", "gregorian", "1402 is not a plausible year in the Gregorian calendar"),
        ("2024-01-01", "jalali", "2024 is not a plausible year in the Solar Hijri (Jalali)"),
        ("11 Dey 1402", "gregorian", "the month name is Solar Hijri (Jalali) but the calendar"),
        ("1 January – 5 Dey 2024", None, "the two ends of the range are in different calendars"),
        ("2024-01-10 to 2024-01-01", None, "the range ends before it starts"),
        ("2024-01-01", "hebrew", "unknown calendar 'hebrew'"),
    ],
)
def test_it_refuses_impossible_or_ambiguous_dates_with_a_reason(text, calendar, reason):
    with pytest.raises(DateError) as caught:
        parse_date(text, calendar)
    assert str(caught.value).startswith(reason)


gregorian_days = st.dates(min_value=D(1871, 3, 21), max_value=D(2199, 12, 31))
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@given(gregorian_days)
def test_any_jalali_day_reads_back_as_the_gregorian_day_it_came_from(day):
    j = jdatetime.date.fromgregorian(date=day)
    if j.year > 1699:
        return
    numeric = f"{j.year}/{j.month:02d}/{j.day:02d}"
    expected = ParsedDate(day, day, "day", "jalali")
    assert parse_date(numeric) == expected
    assert parse_date(numeric.translate(PERSIAN)) == expected
    assert parse_date(f"{j.day} {JALALI_MONTHS_EN[j.month - 1]} {j.year}") == expected


@given(st.dates(min_value=D(1700, 1, 1), max_value=D(2199, 12, 31)))
def test_any_gregorian_day_reads_back_in_iso_and_in_words(day):
    expected = ParsedDate(day, day, "day", "gregorian")
    assert parse_date(day.isoformat()) == expected
    assert parse_date(f"{GREGORIAN_MONTHS_EN[day.month - 1]} {day.day}, {day.year}") == expected


@given(st.integers(1250, 1698), st.integers(1, 12))
def test_jalali_months_tile_the_year_without_gaps(year, month):
    this = parse_date(f"{year}/{month}")
    following = parse_date(f"{year + month // 12}/{month % 12 + 1}")
    assert this.precision == "month"
    assert following.date_start - this.date_end == dt.timedelta(days=1)
    assert 29 <= (this.date_end - this.date_start).days + 1 <= 31


@given(st.integers(1250, 1699))
def test_a_jalali_year_spans_nowruz_to_the_eve_of_the_next_nowruz(year):
    parsed = parse_date(str(year))
    assert parsed.date_start == jdatetime.date(year, 1, 1).togregorian()
    assert parsed.date_start.month == 3 and parsed.date_start.day in (20, 21, 22)
    leap = jdatetime.date(year, 1, 1).isleap()
    assert (parsed.date_end - parsed.date_start).days + 1 == (366 if leap else 365)
