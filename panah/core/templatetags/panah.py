"""Template helpers: dual-calendar dates and role names."""

from __future__ import annotations

import datetime as dt
import functools

from django import template
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import dates
from ..language import join_words as _join_words
from ..language import list_separator as _list_separator
from ..models import Role
from ..rules import member_may

register = template.Library()


@register.filter
def join_words(items) -> str:
    """A list joined with the reader's separator (the Arabic comma in Persian)."""
    return _join_words(items or ())


@register.simple_tag
def list_separator() -> str:
    """The reader's list separator, between the items of a list a template loops over."""
    return _list_separator()


@register.filter
def dual_date(value: dt.date | dt.datetime | None):
    """A <time> element: in Persian the Jalali date with the Gregorian date beside it."""
    if not value:
        return ""
    if type(value) is dt.date:
        # Lists repeat the same few days row after row; a day's element depends on nothing
        # but the day and the language.
        return _dual_date_of_day(value, get_language() or "")
    return _dual_date(value)


@functools.lru_cache(maxsize=4096)
def _dual_date_of_day(value: dt.date, language: str):
    return _dual_date(value)


def _dual_date(value: dt.date | dt.datetime):
    # The machine-readable date must be the same day as the text: a moment is dated locally.
    iso = dates.local_date(value).isoformat()
    gregorian = dates.gregorian_text(value)
    if dates.shows_jalali():
        return format_html(
            # The Gregorian date is written in Persian (month name, digits): isolated, with its
            # own direction, so the words keep their order inside the Persian sentence.
            '<time datetime="{}"><span class="jalali">{}</span> <bdi class="gregorian">({})</bdi></time>',
            iso,
            dates.jalali_text(value),
            gregorian,
        )
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', iso, dates.jalali_iso(value), gregorian
    )


@register.filter
def choice_label(obj, field_name: str):
    """The label of the choice a field holds, as `get_<field>_display` gives it. Django's
    rebuilds the field's whole list of choices and translates every label on each call: 100
    calls were a fifth of the reports list's CPU. Here only the one label is translated."""
    value = getattr(obj, field_name)
    return force_str(_choice_labels(type(obj), field_name).get(value, value), strings_only=True)


@functools.lru_cache(maxsize=256)
def _choice_labels(model, field_name: str) -> dict:
    # The labels stay lazy: each is translated when shown, in the request's language.
    return dict(model._meta.get_field(field_name).flatchoices)


@register.filter
def ltr(value) -> str:
    """A left-to-right value (a phone number, an e-mail address, a reference) isolated, so that
    it keeps its order inside a right-to-left sentence."""
    if value in (None, ""):
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.filter
def code(value) -> str:
    """A code to copy as written (a case reference, a document number): left to right, its
    digits never rewritten for a Persian page."""
    if value in (None, ""):
        return ""
    return format_html('<bdi dir="ltr" translate="no">{}</bdi>', value)


@register.filter
def bidi(value) -> str:
    """A value of either script (a name, a member's name) isolated in its own direction."""
    if value in (None, ""):
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def both_calendars(value: dt.date | None):
    """A date in both calendars whatever the language: where a conversion is checked (an import's
    preview). In Persian as `dual_date`; otherwise the Gregorian date, then the Solar Hijri one."""
    if not value:
        return ""
    if dates.shows_jalali():
        return _dual_date(value)
    return format_html(
        '<time datetime="{}">{} <span class="jalali" dir="ltr">({}, {})</span></time>',
        value.isoformat(),
        dates.gregorian_text(value),
        dates.jalali_iso(value),
        _("Solar Hijri"),
    )


@register.filter
def role_label(value: str) -> str:
    """The translated name of a role code."""

    try:
        return Role(value).label
    except ValueError:
        return value


@register.simple_tag(takes_context=True)
def may(context, permission: str) -> bool:
    """Whether the current member holds `permission`: {% may "core.manage_members" as ok %}."""

    request = context.get("request")
    return member_may(getattr(request, "membership", None), permission)
