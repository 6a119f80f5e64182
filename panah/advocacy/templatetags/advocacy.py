"""Template helpers of the advocacy pages."""

from __future__ import annotations

from django import template

from panah.core.persian import localised_digits

register = template.Library()


@register.filter
def digits(value) -> str:
    """The value with Persian digits when the page is in Persian."""
    return localised_digits(str(value))
