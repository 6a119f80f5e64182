"""Template helpers of the advocacy pages."""

from __future__ import annotations

from django import template

from panah.core import dates

register = template.Library()


@register.filter
def digits(value) -> str:
    """The value with Persian digits when the page is in Persian."""
    text = str(value)
    return text.translate(dates.PERSIAN_DIGITS) if dates.shows_jalali() else text
