"""A person's safety file, clear tier only, in their subject access export (registered with
people.subject_access): the incidents against them (what, when, where, how sure), their risk
assessments, their safety plans and the referrals made for them.

Never in it (docs/security.md, "Subject access"): the sealed facts (an incident's account,
its sources, the relatives named, its evidence files), which only an unlocked safety officer can
read and which name other people; the perpetrator indicators (what we concluded about those who
threaten the person: third parties, GDPR art. 15(4)); and incidents of another person where this
person is named as a witness or relative (that person's file). A safety officer answers for
those by hand, after weighing the risks.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from panah.core.language import join_words
from panah.people.models import Person
from panah.people.subject_access import CODE, DATE, MEMBER, Shown, record, section

from .models import (
    Incident,
    PlanMeasure,
    RiskAssessment,
    RiskFactor,
    SafetyPlan,
    SafetyReferral,
)


def _words(choices) -> Any:
    labels = dict(choices)
    return lambda codes: join_words(labels.get(code, code) for code in codes)


def _fields() -> dict[str, tuple[Shown, ...]]:
    """What the person reads of their safety file (never a sealed fact)."""
    return {
        "incidents": (
            Shown("category", gettext_lazy("What happened")),
            Shown("occurred_on", gettext_lazy("Date"), DATE),
            Shown("country", gettext_lazy("Country where it happened")),
            Shown("place", gettext_lazy("Place")),
            Shown("confidence", gettext_lazy("How sure we are")),
            Shown("reported_by", gettext_lazy("Reported by")),
            Shown("recorded_at", gettext_lazy("Recorded on"), DATE),
        ),
        "assessments": (
            Shown("level", gettext_lazy("Risk level")),
            Shown("factors", gettext_lazy("Risk factors"), words=_words(RiskFactor.choices)),
            Shown("notes", gettext_lazy("Notes")),
            Shown("assessed_on", gettext_lazy("Assessed on"), DATE),
            Shown("next_review_on", gettext_lazy("Next review"), DATE),
            Shown("reviewer", gettext_lazy("Assessed by"), MEMBER),
        ),
        "plans": (
            Shown("measures", gettext_lazy("Measures"), words=_words(PlanMeasure.choices)),
            Shown("notes", gettext_lazy("Notes")),
            Shown("agreed_on", gettext_lazy("Agreed on"), DATE),
            Shown("consent_given_on", gettext_lazy("Your consent given on"), DATE),
            Shown("consent_method", gettext_lazy("How you gave it")),
        ),
        "referrals": (
            Shown("referred_to", gettext_lazy("Referred to")),
            Shown("status", gettext_lazy("Status")),
            Shown("reference", gettext_lazy("Their reference"), CODE),
            Shown("made_on", gettext_lazy("Made on"), DATE),
            Shown("follow_up_on", gettext_lazy("Follow up on"), DATE),
            Shown("consent_given_on", gettext_lazy("Your consent given on"), DATE),
            Shown("consent_method", gettext_lazy("How you gave it")),
        ),
    }


def _texts() -> dict[str, tuple[Any, Any]]:
    """Each kind of safety record: its title, and what it is and why it is kept."""
    basis = gettext_lazy(
        "Legal basis: the protection of your vital interests (GDPR art. 6(1)(d) and 9(2)(c)), "
        "your consent where it is recorded (art. 9(2)(a)) and our legitimate activities as a "
        "not-for-profit association (art. 9(2)(d))."
    )
    return {
        "incidents": (gettext_lazy("Threats and incidents"), gettext_lazy(
            "Threats and acts against you, as we recorded them. The confidential account of "
            "each incident, its sources, the relatives it names and its evidence files are "
            "kept sealed and are not listed here, nor what we concluded about those who "
            "threaten you: ask our safety officer for them. %(basis)s") % {"basis": basis}),
        "assessments": (gettext_lazy("Risk assessments"), gettext_lazy(
            "Our dated assessments of the risk you face; the newest is current. %(basis)s")
            % {"basis": basis}),
        "plans": (gettext_lazy("Safety plans"), gettext_lazy(
            "The safety measures agreed with you; the newest is in force. %(basis)s")
            % {"basis": basis}),
        "referrals": (gettext_lazy("Safety referrals"), gettext_lazy(
            "The police, authorities and lawyers we referred you to for your safety, with your "
            "consent. %(basis)s") % {"basis": basis}),
    }  # fmt: skip


_ROWS = {
    "incidents": (Incident, "occurred_on"),
    "assessments": (RiskAssessment, "assessed_on"),
    "plans": (SafetyPlan, "agreed_on"),
    "referrals": (SafetyReferral, "made_on"),
}


def _records(key: str, person: Person) -> dict[str, Any]:
    """One kind of the person's safety records (clear tier) as a subject-access section."""
    model, order = _ROWS[key]
    fields = _fields()[key]
    with scopes_disabled():
        rows = model.objects.filter(person=person).order_by(order)
        records = [record(r, fields) for r in rows]
    return section(*_texts()[key], records)


def incident_records(person: Person) -> dict[str, Any]:
    """The incidents against the person: what, when, where, how sure (never a sealed fact)."""
    return _records("incidents", person)


def assessment_records(person: Person) -> dict[str, Any]:
    """The person's risk assessments."""
    return _records("assessments", person)


def plan_records(person: Person) -> dict[str, Any]:
    """The person's safety plans."""
    return _records("plans", person)


def referral_records(person: Person) -> dict[str, Any]:
    """The safety referrals made for the person."""
    return _records("referrals", person)


# The sections safety adds to the export, in reading order (registered from the AppConfig).
SECTIONS = {
    "safety_incidents": incident_records,
    "risk_assessments": assessment_records,
    "safety_plans": plan_records,
    "safety_referrals": referral_records,
}
_KEYS = dict(zip(SECTIONS, _ROWS, strict=True))


def heading(key: str):
    """The title and what-it-is of a section, for an export that may not list its records."""
    return lambda: _texts()[_KEYS[key]]
