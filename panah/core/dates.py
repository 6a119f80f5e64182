"""Dates as our users read them: Gregorian everywhere, the Solar Hijri (Jalali) date beside it in Persian."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import jdatetime
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .persian import (
    JALALI_MONTHS_FA,
    PERSIAN_DIGITS,
    isolate,
    latin_digits,
    persian_digits,
    reads_persian,
)

_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# A year before this is a Solar Hijri year (1403 is 2024); no Gregorian date we record is older.
JALALI_BEFORE = 1700


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
    return reads_persian(language)


def parse_date(value: Any) -> dt.date:
    """A typed or imported date: 2024-03-05, 05/03/2024, 05.03.2024, or Solar Hijri year first
    (1403/05/12), in Latin, Persian or Arabic digits. ValueError if it is none of them.

    The one parser of the casework forms and imports."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    text = latin_digits(text)
    match = _YMD.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = _DMY.match(text)
        if not match:
            raise ValueError(text)
        d, m, y = (int(g) for g in match.groups())
    if y < JALALI_BEFORE:
        return jdatetime.date(y, m, d).togregorian()
    return dt.date(y, m, d)


def both_calendars(value: dt.date) -> str:
    """'۱۲ مرداد ۱۴۰۳ = ۲ اوت ۲۰۲۴' in Persian (the Gregorian date alone otherwise); the
    Gregorian date is an isolated run, so it keeps its order in plain text and PDFs too."""
    if shows_jalali():
        return f"{jalali_text(value)} = {isolate(persian_digits(gregorian_text(value)))}"
    return gregorian_text(value)


def email_date(value: dt.date) -> str:
    """A date for a plain-text e-mail in the active language: in Persian the Solar Hijri date
    first, then the ISO date as an isolated left-to-right run; the Gregorian date otherwise."""
    if shows_jalali():
        return f"{jalali_text(value)} ({isolate(value.isoformat(), 'ltr')})"
    return gregorian_text(value)


class DualDateInput(forms.DateInput):
    """A date input that, for Persian readers, takes the Solar Hijri date (or a Gregorian one)
    as typed text and shows the date it read in both calendars beside it; other readers get
    their phone's date picker."""

    template_name = "core/widgets/dual_date.html"

    def format_value(self, value):
        if isinstance(value, dt.date):
            if shows_jalali():
                return jalali_iso(value).translate(PERSIAN_DIGITS)
            return value.isoformat()
        return value  # as typed, kept when the form comes back with an error or a warning

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if shows_jalali():
            widget["type"] = "text"
            widget["attrs"].update(
                {"inputmode": "numeric", "dir": "ltr", "autocomplete": "off",
                 "placeholder": "۱۴۰۳/۰۵/۱۲"}
            )  # fmt: skip
            try:
                widget["hint"] = both_calendars(parse_date(value)) if value else ""
            except (ValueError, TypeError):
                widget["hint"] = ""
            if not widget["hint"]:
                widget["hint"] = _("Solar Hijri (۱۴۰۳/۰۵/۱۲) or Gregorian (2024-08-02)")
        else:
            widget["type"] = "date"
        return context


class DateField(forms.DateField):
    """A date typed in either calendar (parse_date), shown in both to Persian readers."""

    widget = DualDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_date(value)
        except (ValueError, TypeError):
            raise ValidationError(
                gettext_lazy("Write the date as 2024-03-05, 05/03/2024 or 1402/12/15."),
                code="invalid",
            ) from None
