"""Execution dates as sources write them, turned into the Gregorian days they can denote.

Accepted: ISO (`2024-01-01`), year-first numbers (`1402/10/11`, also in Persian or Arabic-Indic
digits), day-first numbers when unambiguous (`25/12/2023`), month names in English and Persian
for both calendars (`11 Dey 1402`, `۱۱ دی ۱۴۰۲`, `January 5, 2024`), partial dates (`Dey 1402`,
`1402`, `January 2024`, `early Dey 1402`) and ranges (`1–5 Dey 1402`, `2024-01-01 to 2024-01-10`,
`از ۱ دی تا ۵ دی ۱۴۰۲`).

The calendar is the one stated, else the one a month name belongs to, else the year decides:
below 1700 it is Solar Hijri (Jalali), from 1700 Gregorian. Impossible dates are refused with
a reason (`DateError`), checked with jdatetime for the Jalali calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import jdatetime

from panah.core.persian import JALALI_MONTHS_EN, ZWNJ, matching_form

GREGORIAN = "gregorian"
JALALI = "jalali"
UNKNOWN = "unknown"

DAY = "day"
MONTH = "month"
YEAR = "year"
RANGE = "range"

# Years outside these are refused as implausible for the calendar (a typo, a two-digit year).
JALALI_YEARS = (1250, 1699)
GREGORIAN_YEARS = (1700, 2199)

GREGORIAN_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Every spelling we accept, lower-cased and in canonical Persian letters -> (calendar, month).
_MONTH_WORDS: dict[str, tuple[str, int]] = {}


def _add_months(calendar: str, spellings: list[tuple[str, ...]]) -> None:
    for month, words in enumerate(spellings, start=1):
        for word in words:
            _MONTH_WORDS[matching_form(word)] = (calendar, month)


_add_months(
    JALALI,
    [
        ("farvardin", "farvardeen", "فروردین"),
        ("ordibehesht", "ordibehest", "ordibehesht", "اردیبهشت"),
        ("khordad", "khordaad", "خرداد"),
        ("tir", "teer", "تیر"),
        ("mordad", "amordad", "mordaad", "مرداد", "امرداد"),
        ("shahrivar", "shahrivar", "shahriver", "شهریور"),
        ("mehr", "مهر"),
        ("aban", "abaan", "آبان", "ابان"),
        ("azar", "aazar", "adhar", "آذر", "اذر"),
        ("dey", "dei", "دی"),
        ("bahman", "بهمن"),
        ("esfand", "esfand", "isfand", "esfandmah", "اسفند"),
    ],
)
_add_months(
    GREGORIAN,
    [
        ("january", "jan", "ژانویه", "ژانویهٔ", "ژانویه\u200cی"),
        ("february", "feb", "فوریه", "فوریهٔ"),
        ("march", "mar", "مارس", "مارچ"),
        ("april", "apr", "آوریل", "اوریل", "آپریل"),
        ("may", "مه", "می"),
        ("june", "jun", "ژوئن", "جون"),
        ("july", "jul", "ژوئیه", "جولای", "ژوییه"),
        ("august", "aug", "اوت", "اوت", "آگوست", "اگوست"),
        ("september", "sep", "sept", "سپتامبر"),
        ("october", "oct", "اکتبر"),
        ("november", "nov", "نوامبر"),
        ("december", "dec", "دسامبر"),
    ],
)

# Words that carry no date information ("month", "year", "the", "solar", "early"...).
# "Early Dey" is kept at month precision: wider, never wrong.
_FILLER = {
    "ماه", "سال", "روز", "هجری", "شمسی", "خورشیدی", "میلادی", "اوایل", "اواسط", "اواخر",
    "اول", "اوائل", "of", "the", "early", "mid", "late", "beginning", "end", "on", "in",
    "sh", "hs", "ah", "ad", "ce", "solar", "hijri",
}  # fmt: skip
_FILLER = {matching_form(word) for word in _FILLER}
_CALENDAR_WORDS = {
    "شمسی": JALALI, "خورشیدی": JALALI, "هجری": JALALI, "sh": JALALI, "hs": JALALI,
    "solar": JALALI, "میلادی": GREGORIAN, "ad": GREGORIAN, "ce": GREGORIAN,
}  # fmt: skip


# Range separators: "to", "until", "تا", dashes with spaces, en/em dashes, "..".
_RANGE_SPLIT = re.compile(r"\s+(?:to|until|till|through|تا)\s+|\s*[–—]\s*|\s+-\s+|\s*\.\.\s*")
_RANGE_PREFIX = re.compile(r"^(?:from|between|از|بین)\s+", re.IGNORECASE)
_BETWEEN_AND = re.compile(r"\s+(?:and|و)\s+")
_NUMERIC = re.compile(r"^(\d+)([/\-.])(\d+)(?:\2(\d+))?$")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|ام|م|ُم)$")


class DateError(ValueError):
    """A written date that cannot be read or does not exist; the message says why."""


class ParsedDate(NamedTuple):
    """What a written date denotes: the Gregorian days from start to end, how precisely."""

    date_start: dt.date | None
    date_end: dt.date | None
    precision: str
    calendar: str


NO_DATE = ParsedDate(None, None, "unknown", UNKNOWN)


@dataclass
class _Parts:
    """One end of a written date, before the calendar is settled."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    calendar: str | None = None  # from a month name or a calendar word


@lru_cache(maxsize=1 << 14)  # sources repeat the same dates; a refusal is not cached
def parse_date(text: str | None, calendar: str | None = None) -> ParsedDate:
    """The days `text` can denote, with its precision and calendar; raises DateError if impossible.

    `calendar` is the calendar the source states (gregorian, jalali; empty or unknown to detect).
    An empty text is no date (precision "unknown").
    """
    stated = (calendar or "").strip().lower() or None
    if stated == UNKNOWN:
        stated = None
    if stated not in (None, GREGORIAN, JALALI):
        raise DateError(f"unknown calendar {calendar!r}: use gregorian or jalali")
    cleaned = _clean(text or "")
    if not cleaned:
        return NO_DATE
    sides = _split_range(cleaned)
    if len(sides) == 1:
        parts = _parts(sides[0])
        cal = _settle_calendar(parts, stated, text or "")
        start, end, precision = _span(parts, cal)
        return ParsedDate(start, end, precision, cal)
    left, right = (_parts(s, in_range=True) for s in sides)
    # "1–5 Dey 1402", "Dey–Bahman 1402": the first end borrows what it leaves out.
    if left.year is None:
        left.year = right.year
        if left.month is None:
            left.month = right.month
        left.calendar = left.calendar or right.calendar
    if left.calendar and right.calendar and left.calendar != right.calendar:
        raise DateError("the two ends of the range are in different calendars")
    cal = _settle_calendar(left, stated or right.calendar, text or "")
    _settle_calendar(right, cal, text or "")
    start, _end, _p = _span(left, cal)
    _start, end, _p = _span(right, cal)
    if end < start:
        raise DateError("the range ends before it starts")
    if start == end:
        return ParsedDate(start, end, DAY, cal)
    return ParsedDate(start, end, RANGE, cal)


def _clean(text: str) -> str:
    # The one matching form (digits, Persian letters, no marks or bidi controls), with a ZWNJ
    # read as the space it stands for between words.
    text = matching_form(text.replace(ZWNJ, " "))
    text = re.sub(r"[\s,]+", " ", text).strip().lower()
    return text


def _split_range(text: str) -> list[str]:
    if _NUMERIC.match(text) or re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return [text]
    body = _RANGE_PREFIX.sub("", text)
    parts = _RANGE_SPLIT.split(body)
    if len(parts) == 1 and body != text:
        parts = _BETWEEN_AND.split(body)
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) > 2:
        raise DateError("a range has two ends; this has more")
    return parts or [text]


def _parts(text: str, *, in_range: bool = False) -> _Parts:
    if in_range and re.fullmatch(r"\d{1,2}", text):
        return _Parts(day=int(text))  # the "1" of "1–5 Dey 1402"
    # ISO with a time ("2024-01-01T10:00:00") keeps the day.
    iso = re.match(
        r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?z?)?$", text
    )
    if iso:
        return _Parts(int(iso[1]), int(iso[2]), int(iso[3]))
    numeric = _NUMERIC.match(text)
    if numeric:
        return _numeric_parts(numeric)
    if re.fullmatch(r"\d+", text):
        return _Parts(year=_year(text))
    return _word_parts(text)


def _numeric_parts(match: re.Match) -> _Parts:
    a, _sep, b, c = match.groups()
    if c is None:
        # Two numbers: year and month, in either order ("1402/10", "01/2024").
        if len(a) == 4:
            return _Parts(_year(a), int(b))
        if len(b) == 4:
            return _Parts(_year(b), int(a))
        raise DateError("write the year in full (four digits)")
    if len(a) == 4:
        return _Parts(_year(a), int(b), int(c))
    if len(c) == 4:
        first, second = int(a), int(b)
        # Day first is the European and Iranian order; month first only when nothing else fits.
        if first <= 12 and second <= 12 and first != second:
            raise DateError(
                "the day and the month could be either way round; write the date year first "
                "(2024-01-05 or 1402/10/11)"
            )
        if first > 12 and second <= 12:
            return _Parts(_year(c), second, first)
        if second > 12 and first <= 12:
            return _Parts(_year(c), first, second)
        return _Parts(_year(c), second, first)
    raise DateError("write the year in full (four digits)")


def _year(digits: str) -> int:
    if len(digits) != 4:
        raise DateError("write the year in full (four digits)")
    return int(digits)


def _word_parts(text: str) -> _Parts:
    parts = _Parts()
    numbers: list[int] = []
    digit_lengths: list[int] = []
    for raw in re.split(r"[\s/\-.]+", text):
        token = raw.strip("()[]")
        if not token:
            continue
        ordinal = _ORDINAL.match(token)
        if ordinal:
            token = ordinal[1]
        if token.isdigit():
            numbers.append(int(token))
            digit_lengths.append(len(token))
            continue
        if token in _MONTH_WORDS:
            calendar, month = _MONTH_WORDS[token]
            if parts.month is not None:
                raise DateError("two month names in one date")
            parts.month = month
            parts.calendar = calendar
            continue
        if token in _CALENDAR_WORDS:
            parts.calendar = parts.calendar or _CALENDAR_WORDS[token]
            if parts.calendar != _CALENDAR_WORDS[token]:
                raise DateError("the month name and the calendar word disagree")
            continue
        if token in _FILLER:
            continue
        raise DateError(f"cannot read {raw!r} as part of a date")
    if parts.month is None:
        raise DateError("cannot read this as a date")
    for number, length in zip(numbers, digit_lengths, strict=True):
        if length == 4:
            if parts.year is not None:
                raise DateError("two years in one date")
            parts.year = number
        elif length <= 2:
            if parts.day is not None:
                raise DateError("two day numbers in one date")
            parts.day = number
        else:
            raise DateError("write the year in full (four digits)")
    return parts


def _settle_calendar(parts: _Parts, stated: str | None, original: str) -> str:
    """The calendar of `parts`, checked against what the source states and the year's size."""
    calendar = parts.calendar
    if stated and calendar and stated != calendar:
        raise DateError(
            f"the month name is {_calendar_name(calendar)} but the calendar is given as "
            f"{_calendar_name(stated)}"
        )
    calendar = calendar or stated
    if parts.year is None:
        raise DateError("the date has no year")
    by_year = JALALI if parts.year < GREGORIAN_YEARS[0] else GREGORIAN
    if calendar is None:
        calendar = by_year
    low, high = JALALI_YEARS if calendar == JALALI else GREGORIAN_YEARS
    if not low <= parts.year <= high:
        raise DateError(
            f"{parts.year} is not a plausible year in the {_calendar_name(calendar)} calendar"
        )
    return calendar


def _calendar_name(calendar: str) -> str:
    return "Solar Hijri (Jalali)" if calendar == JALALI else "Gregorian"


def _span(parts: _Parts, calendar: str) -> tuple[dt.date, dt.date, str]:
    """The first and last Gregorian day `parts` denotes, and its precision."""
    year, month, day = parts.year, parts.month, parts.day
    assert year is not None
    if month is None:
        if day is not None:
            raise DateError("a day without a month")
        return _first_day(year, 1, calendar), _last_day(year, 12, calendar), YEAR
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month}")
    if day is None:
        return _first_day(year, month, calendar), _last_day(year, month, calendar), MONTH
    day_date = to_gregorian(year, month, day, calendar)
    return day_date, day_date, DAY


def to_gregorian(year: int, month: int, day: int, calendar: str) -> dt.date:
    """The Gregorian date of a day in `calendar`; DateError says why a day does not exist."""
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month}")
    length = month_length(year, month, calendar)
    if not 1 <= day <= length:
        raise DateError(_no_such_day(year, month, day, length, calendar))
    if calendar == JALALI:
        try:
            return _jalali_to_gregorian(year, month, day)
        except ValueError as exc:  # jdatetime is the authority; our message above is a courtesy
            raise DateError(str(exc)) from None
    return dt.date(year, month, day)


# A jdatetime date looks its locale up when made (a third of parsing a Jalali date); an import
# meets the same few thousand days written many ways. A refusal (ValueError) is not cached.
@lru_cache(maxsize=1 << 15)
def _jalali_to_gregorian(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


@lru_cache(maxsize=1024)
def _jalali_leap(year: int) -> bool:
    return jdatetime.date(year, 1, 1).isleap()


def month_length(year: int, month: int, calendar: str) -> int:
    """Days in a month of either calendar."""
    if calendar == JALALI:
        if month <= 6:
            return 31
        if month <= 11:
            return 30
        return 30 if _jalali_leap(year) else 29
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _no_such_day(year: int, month: int, day: int, length: int, calendar: str) -> str:
    if day < 1 or day > 31:
        return f"there is no day {day} in any month"
    if calendar == JALALI:
        name = JALALI_MONTHS_EN[month - 1]
        if month == 12 and length == 29:
            return (
                f"Esfand {year} has only {length} days ({year} is not a leap year "
                "in the Solar Hijri calendar)"
            )
        return f"{name} has only {length} days"
    name = GREGORIAN_MONTHS_EN[month - 1]
    return f"{name} {year} has only {length} days"


def _first_day(year: int, month: int, calendar: str) -> dt.date:
    return to_gregorian(year, month, 1, calendar)


def _last_day(year: int, month: int, calendar: str) -> dt.date:
    return to_gregorian(year, month, month_length(year, month, calendar), calendar)
