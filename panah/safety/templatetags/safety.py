"""The safety flag wherever a person appears, and the labels of the safety codes.

`{% safety_flag person people %}` in a list: the flags of the whole list are read once (two
queries), not once per row. `{% safety_case_panel case %}` on the case page: the flag and the
incidents attached as evidence (category, date, confidence; never a sealed fact).
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from panah.core.rules import member_may

from .. import queries
from ..models import PlanMeasure, RiskFactor
from ..taxonomy import PerpetratorIndicator

register = template.Library()


def _label(choices, code: str) -> str:
    return str(dict(choices).get(code, code))


@register.filter
def indicator_label(code: str) -> str:
    return _label(PerpetratorIndicator.choices, code)


@register.filter
def risk_factor_label(code: str) -> str:
    return _label(RiskFactor.choices, code)


@register.filter
def measure_label(code: str) -> str:
    return _label(PlanMeasure.choices, code)


@register.simple_tag(takes_context=True)
def safety_flag(context, person, people=None) -> str:
    """A 'Safety alert' badge when the person carries the flag (never why)."""
    cache_key = ("panah_safety_flags", id(people) if people is not None else person.pk)
    flagged = context.render_context.get(cache_key)
    if flagged is None:
        group = list(people) if people is not None else [person]
        flagged = queries.flagged_people(person.organisation_id, [p.pk for p in group])
        context.render_context[cache_key] = flagged
    if person.pk not in flagged:
        return ""  # what the badge's template draws for no flag, without drawing it per row
    return render_to_string("safety/_flag.html", {"flagged": True})


@register.simple_tag
def flagged_among(cases) -> set:
    """The ids of the people of these cases who carry a safety flag (one look-up for a list)."""
    cases = list(cases)
    if not cases:
        return set()
    return queries.flagged_people(cases[0].organisation_id, [c.person_id for c in cases])


@register.simple_tag(takes_context=True)
def safety_case_panel(context, case) -> str:
    """The safety flag of the case's person and the incidents attached to the case."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    person = case.person
    return render_to_string(
        "safety/_case_panel.html",
        {
            "flagged": queries.has_safety_flag(person),
            "evidence": queries.case_evidence(case),
            "person_id": person.pk,
            "may_open": membership is not None
            and member_may(membership, "safety.view_person", person),
        },
        request=request,
    )


@register.simple_tag(takes_context=True)
def safety_person_line(context, person) -> str:
    """On the person's page: the flag, and a link to the safety file for those in the compartment."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    return render_to_string(
        "safety/_case_panel.html",
        {
            "flagged": queries.has_safety_flag(person),
            "evidence": [],
            "person_id": person.pk,
            "may_open": membership is not None
            and member_may(membership, "safety.view_person", person),
        },
        request=request,
    )
