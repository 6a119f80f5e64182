"""Template filters of the cases app: names of the rule table's codes, and days left."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import labels

register = template.Library()


@register.filter
def step_label(code: str) -> str:
    return labels.step_label(code) if code else ""


@register.filter
def outcome_label(code: str) -> str:
    return labels.outcome_label(code)


@register.filter
def deadline_label(code: str) -> str:
    return labels.deadline_label(code) if code else ""


@register.filter
def days_left(due: dt.date | None) -> str:
    """'due today', 'in 3 days', '2 days late'."""
    if not due:
        return ""
    n = (due - timezone.localdate()).days
    if n == 0:
        return _("due today")
    if n > 0:
        return ngettext("in %(n)d day", "in %(n)d days", n) % {"n": n}
    return ngettext("%(n)d day late", "%(n)d days late", -n) % {"n": -n}


@register.filter
def urgency(due: dt.date | None) -> str:
    """A CSS class for a due date: overdue, soon (within 7 days) or later."""
    if not due:
        return "none"
    n = (due - timezone.localdate()).days
    return "overdue" if n < 0 else "soon" if n <= 7 else "later"


@register.filter
def party_label(code: str) -> str:
    return str(labels.PARTIES.get(code, code))
