"""A person's cases in their subject access export (registered with people.subject_access).

Every case with its steps, deadlines, notes, chosen residences, appointments, referrals and case
documents (file names, not the files), written for the person: the rule table's codes as words.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from panah.core.persian import localised_digits
from panah.people.models import Person
from panah.people.subject_access import (
    ADDRESS,
    CODE,
    DATE,
    MEMBER,
    MOMENT,
    YES_NO,
    Shown,
    record,
    section,
)

from . import labels
from .models import Case


def _case_fields() -> dict[str, tuple[Shown, ...]]:
    """What the person reads of their cases (the cases module names its codes)."""

    return {
        "case": (
            Shown("procedure", gettext_lazy("Procedure")),
            Shown("registered_on", gettext_lazy("Application registered on"), DATE),
            Shown("language", gettext_lazy("Language of the procedure")),
            Shown("detained", gettext_lazy("Detained"), YES_NO),
            Shown("accelerated", gettext_lazy("Accelerated procedure"), YES_NO),
            Shown("external_reference", gettext_lazy("Your file number"), CODE),
            Shown("stage", gettext_lazy("Stage"), words=labels.step_label),
            Shown("ended", gettext_lazy("The case has ended"), YES_NO),
            Shown("opened_at", gettext_lazy("Followed by us since"), DATE),
        ),
        "steps": (
            Shown("code", gettext_lazy("Step"), words=labels.step_label),
            Shown("outcome", gettext_lazy("Outcome"), words=labels.outcome_label),
            Shown("occurred_on", gettext_lazy("Date"), DATE),
            Shown("notification_mode", gettext_lazy("Notified by")),
            Shown("sent_on", gettext_lazy("Sent or handed over on"), DATE),
            Shown("received_on", gettext_lazy("Received on"), DATE),
            Shown("notified_on", gettext_lazy("Deemed notified on"), DATE),
            Shown("document_reference", gettext_lazy("Document reference"), CODE),
            Shown("recorded_by", gettext_lazy("Recorded by"), MEMBER),
            Shown("recorded_at", gettext_lazy("Recorded on"), DATE),
            Shown("superseded_at", gettext_lazy("Corrected on"), DATE),
            Shown("superseded_reason", gettext_lazy("Reason for the correction")),
        ),
        "deadlines": (
            Shown("rule_code", gettext_lazy("Deadline"), words=labels.deadline_label),
            Shown("due_on", gettext_lazy("Due on"), DATE),
            Shown("binding", gettext_lazy("Binding legal deadline"), YES_NO),
            Shown("party", gettext_lazy("Who must act"), words=labels.party_label),
            Shown("legal_source", gettext_lazy("Legal source"), words=labels.legal_source),
        ),
        "notes": (
            Shown("text", gettext_lazy("Note")),
            Shown("author", gettext_lazy("Written by"), MEMBER),
            Shown("created_at", gettext_lazy("Written on"), DATE),
        ),
        "residences": (
            Shown("address", gettext_lazy("Address"), ADDRESS),
            Shown("valid_from", gettext_lazy("Valid from"), DATE),
            Shown("communicated_how", gettext_lazy("How it was communicated")),
        ),
        "appointments": (
            Shown("kind", gettext_lazy("Appointment")),
            Shown("starts_at", gettext_lazy("When"), MOMENT),
            Shown("duration_minutes", gettext_lazy("Duration (minutes)")),
            Shown("place", gettext_lazy("Place")),
            Shown("attendee", gettext_lazy("With"), MEMBER),
        ),
        "referrals": (
            Shown("kind", gettext_lazy("Referred to")),
            Shown("recipient", gettext_lazy("Lawyer or organisation")),
            Shown("purpose", gettext_lazy("Purpose")),
            Shown("consent_on", gettext_lazy("Your consent given on"), DATE),
            Shown("consent_how", gettext_lazy("How you gave it")),
            Shown("consent_scope", gettext_lazy("What you agreed to share")),
        ),
        "documents": (
            Shown("description", gettext_lazy("Description")),
            Shown("original_name", gettext_lazy("File name"), CODE),
            Shown("uploaded_at", gettext_lazy("Added on"), DATE),
        ),
    }


def _texts() -> dict[str, tuple[Any, Any]]:
    """Each kind of case record: its title, and what it is and why it is kept (legal basis)."""
    return {
    "cases": (
        gettext_lazy("Your asylum procedure"),
        gettext_lazy(
            "The procedure we follow with you: its steps, the deadlines they open (so that "
            "none is missed), notes, addresses, appointments and referrals. Legal basis: "
            "the establishment, exercise or defence of your legal claims (GDPR art. 9(2)(f)) "
            "and our legitimate activities as a not-for-profit association (art. 9(2)(d))."
        ),
    ),
    "steps": (gettext_lazy("Steps of the procedure"), gettext_lazy(
        "Each letter, interview and decision of the authorities, as we recorded it. A "
        "corrected step stays listed, with the date and reason of its correction.")),
    "deadlines": (gettext_lazy("Deadlines"), gettext_lazy(
        "The time limits the steps open. A binding legal deadline must be met or the right "
        "is lost; an indicative one has no sanction.")),
    "notes": (gettext_lazy("Notes"), gettext_lazy(
        "What your caseworkers wrote down to follow your procedure.")),
    "residences": (gettext_lazy("Chosen residences"), gettext_lazy(
        "The address you chose for the authorities' letters: deadlines run from letters "
        "sent there.")),
    "appointments": (gettext_lazy("Appointments"), gettext_lazy(
        "Meetings and interviews planned with you.")),
    "referrals": (gettext_lazy("Referrals"), gettext_lazy(
        "The lawyers and organisations we passed information to, with your consent.")),
    "case_documents": (gettext_lazy("Case documents"), gettext_lazy(
        "Files kept with your case (their names here; ask us for a copy of the files).")),    }  # fmt: skip


# What each part of a case is read from, in the order the person reads it.
_PARTS = {
    "steps": ("occurred_on", "sequence"),
    "deadlines": ("due_on",),
    "notes": ("created_at",),
    "residences": ("valid_from",),
    "appointments": ("starts_at",),
    "referrals": ("made_at",),
    "documents": ("uploaded_at",),
}


def case_records(person: Person) -> dict[str, Any]:
    """The person's cases as a subject-access section, each with its parts."""
    fields, texts = _case_fields(), _texts()
    cases = []
    with scopes_disabled():
        for number, case in enumerate(Case.objects.filter(person=person).order_by("opened_at"), 1):
            parts = []
            for related, order in _PARTS.items():
                rows = getattr(case, related).order_by(*order).select_related()
                records = [record(r, fields[related]) for r in rows]
                if records:
                    key = "case_documents" if related == "documents" else related
                    parts.append(section(*texts[key], records))
            title = _("Procedure %(number)s") % {"number": localised_digits(str(number))}
            cases.append({**record(case, fields["case"], title), "parts": parts})
    return section(*texts["cases"], cases)
