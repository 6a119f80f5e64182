"""Dates as our users read them: Gregorian everywhere, the Solar Hijri (Jalali) date beside it in Persian."""

from __future__ import annotations

import datetime as dt

import jdatetime
from django.utils import formats, timezone
from django.utils.translation import get_language

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day of a date, or of a moment in the local time zone."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date:
    """The Solar Hijri date of a Gregorian date (a datetime is taken in the local time zone)."""
    return jdatetime.date.fromgregorian(date=local_date(value))


def jalali_text(value: dt.date | dt.datetime) -> str:
    """A Jalali date written in Persian: '۹ آذر ۱۴۰۵'."""
    j = to_jalali(value)
    return f"{j.day} {JALALI_MONTHS_FA[j.month - 1]} {j.year}".translate(PERSIAN_DIGITS)


def jalali_iso(value: dt.date | dt.datetime) -> str:
    """A Jalali date in numbers, year first: '1405/09/09'."""
    j = to_jalali(value)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def gregorian_text(value: dt.date | dt.datetime) -> str:
    """The Gregorian date in the active language's long format."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


def shows_jalali(language: str | None = None) -> bool:
    """Persian readers get the Jalali date first, with the Gregorian one beside it."""
    return (language or get_language() or "").startswith("fa")
