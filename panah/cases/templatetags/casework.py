"""Template filters of the cases app: names of the rule table's codes, and days left."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from panah.core.rules import member_may

from .. import labels, queries
from ..models import Case
from ..queries import SOON_DAYS

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
def days_left(due: dt.date | None, today: dt.date | None = None) -> str:
    """'due today', 'in 3 days', '2 days late'."""
    if not due:
        return ""
    n = (due - (today or timezone.localdate())).days
    if n == 0:
        return _("due today")
    if n > 0:
        return ngettext("in %(n)d day", "in %(n)d days", n) % {"n": n}
    return ngettext("%(n)d day late", "%(n)d days late", -n) % {"n": -n}


@register.filter
def deadline_days(deadline, today: dt.date | None = None) -> str:
    """Days left, or how late: an indicative time limit is 'exceeded by', never 'late'."""
    n = (deadline.due_on - (today or timezone.localdate())).days
    if n < 0 and not deadline.binding:
        return ngettext("exceeded by %(n)d day", "exceeded by %(n)d days", -n) % {"n": -n}
    return days_left(deadline.due_on, today)


@register.filter
def urgency(due: dt.date | None, today: dt.date | None = None) -> str:
    """A CSS class for a due date: overdue, soon (within SOON_DAYS, as the deadlines view) or
    later."""
    if not due:
        return "none"
    n = (due - (today or timezone.localdate())).days
    return "overdue" if n < 0 else "soon" if n <= SOON_DAYS else "later"


@register.filter
def legal_source(text: str) -> str:
    return labels.legal_source(text)


@register.filter
def party_label(code: str) -> str:
    return labels.party_label(code)


@register.simple_tag
def person_name(person) -> str:
    """The person's name in Persian and Latin script, each with its direction."""
    fa, latin = person.name_fa, person.name_latin
    parts = []
    if fa:
        parts.append(format_html('<bdi class="fa" lang="fa" dir="rtl">{}</bdi>', fa))
    if latin:
        parts.append(format_html('<bdi dir="ltr">{}</bdi>', latin))
    return format_html(
        '<span class="person-name">{}</span>',
        mark_safe(" · ".join(parts)),  # noqa: S308
    )


@register.simple_tag
def deadline_kind(binding: bool) -> str:
    """The mark that tells a binding deadline from an indicative one, in words and an icon, so
    that neither colour alone nor a missing colour (a printout, colour blindness) decides."""
    if binding:
        return format_html(
            '<span class="kind binding"><span class="icon" aria-hidden="true">▲</span> {}</span>',
            _("Binding legal deadline: a late appeal is lost"),
        )
    return format_html(
        '<span class="kind indicative"><span class="icon" aria-hidden="true">○</span> {}</span>',
        _("Indicative time limit: no sanction if exceeded"),
    )


def _case_ref(case) -> str:
    """'Case 1a2b3c4d', the reference a code copied as written (its digits never Persian)."""
    ref = format_html('<bdi dir="ltr" translate="no">{}</bdi>', case.short_ref)
    return mark_safe(escape(_("Case %(ref)s")) % {"ref": ref})  # noqa: S308 (both escaped)


@register.simple_tag(takes_context=True)
def person_cases(context, person) -> str:
    """On a person's page: their cases the member may open, each a link to the case page."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not member_may(membership, "cases.view_cases"):
        return ""
    cases = list(queries.visible_cases(membership).filter(person=person).order_by("-registered_on"))
    procedures = dict(Case._meta.get_field("procedure").flatchoices)
    items = [
        format_html(
            '<li><a href="{}">{}</a> · {} · {}{}</li>',
            reverse("cases:detail", args=[case.pk]),
            _case_ref(case),
            procedures.get(case.procedure, case.procedure),
            step_label(case.stage) if case.stage else _("no step recorded yet"),
            format_html(" · {}", _("the case has ended")) if case.ended else "",
        )
        for case in cases
    ]
    body = (
        format_html('<ul class="plain-list">{}</ul>', mark_safe("".join(items)))  # noqa: S308
        if items
        else format_html('<p class="empty">{}</p>', _("No case you may open."))
    )
    return format_html("<h2>{}</h2>{}", _("Cases"), body)
