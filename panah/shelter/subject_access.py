"""A person's shelter records in their subject access export (registered with
people.subject_access): their needs for shelter with the places proposed or given, the
caseworkers' check-ins, the messages sent to them, their accommodation over time, and their
host record when they host.

Left out, on purpose (docs/security.md, "Subject access"): a host's name and address (the host's
own data: the guest reads the kind of host and the area), and for a household member who is not
the lead, the details recorded under the lead's key (where they sleep, vulnerabilities, notes)
and the check-ins about the lead.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from panah.core.language import join_words
from panah.core.persian import localised_digits
from panah.people.models import LANGUAGE_CHOICES, Person
from panah.people.subject_access import (
    ADDRESS,
    CODE,
    DATE,
    LANGUAGES,
    MEMBER,
    PHONE,
    YES_NO,
    Shown,
    record,
    section,
)

from .models import (
    CheckIn,
    Episode,
    Host,
    Need,
    Notice,
    NoticeRecipient,
    Placement,
    Vulnerability,
    stay_weighed,
)


def _vulnerabilities(codes: list[str]) -> str:
    labels = dict(Vulnerability.choices)
    return join_words(labels.get(code, code) for code in codes)


def _host(offer) -> str:
    """The place as the guest reads it: the kind of host and the area, never a name."""
    return f"{offer.host.get_kind_display()}, {offer.host.get_area_display()}"


def _how_chosen(explanation: dict) -> str:
    """How the place was chosen, with the priority's parts (GDPR art. 15(1)(h))."""
    if explanation.get("by_hand"):
        how = _("Chosen by a coordinator")
    else:
        how = _("Proposed by the matcher")
    parts = explanation.get("parts") or {}
    if not parts:
        return how
    names = {
        "people": _("people"),
        "vulnerability": _("vulnerability"),
        "nights": _("nights without shelter"),
        "language": _("shared language"),
        "area": _("same area"),
    }
    shown = join_words(
        f"{names.get(k, k)} {localised_digits(f'{v:g}')}" for k, v in parts.items() if k in names
    )
    score = localised_digits(f"{explanation.get('score', 0):g}")
    chosen = _("%(how)s; priority score %(score)s (%(parts)s)") % {
        "how": how,
        "score": score,
        "parts": shown,
    }
    stay = stay_weighed(explanation.get("stay"))
    return f"{chosen}. {localised_digits(stay)}" if stay else chosen


def _language(code: str) -> str:
    return str(dict(LANGUAGE_CHOICES).get(code, code))


def _fields(lead: bool) -> dict[str, tuple[Shown, ...]]:
    """What the person reads of their shelter records (a household member: the shared facts)."""
    need = (
        Shown("without_roof_since", gettext_lazy("Without a roof since"), DATE),
        Shown("adult_women", gettext_lazy("Adult women")),
        Shown("adult_men", gettext_lazy("Adult men")),
        Shown("children", gettext_lazy("Children (under 18)")),
        Shown("unaccompanied_minor", gettext_lazy("A minor without a guardian"), YES_NO),
        Shown("needs_accessible", gettext_lazy("Needs an accessible place"), YES_NO),
        Shown("area", gettext_lazy("Area")),
        Shown("area_required", gettext_lazy("Must stay in this area"), YES_NO),
        Shown("fedasil_status", gettext_lazy("Fedasil waiting list")),
        Shown("fedasil_since", gettext_lazy("On the list since"), DATE),
        Shown("place_needed_until", gettext_lazy("Needs a place until about"), DATE),
        Shown("opened_at", gettext_lazy("Registered on"), DATE),
        Shown("closed_on", gettext_lazy("Closed on"), DATE),
    )
    if lead:
        need += (
            Shown("sleeping_now", gettext_lazy("Where they sleep now")),
            Shown("vulnerabilities", gettext_lazy("Vulnerabilities"), words=_vulnerabilities),
            Shown("languages", gettext_lazy("Languages"), LANGUAGES),
            Shown("area_constraints", gettext_lazy("Why (near the lawyer, a school, a hospital)")),
            Shown("safety_alert", gettext_lazy("Under a safety alert"), YES_NO),
            Shown("notes", gettext_lazy("Notes")),
        )
    return {
        "need": need,
        "placements": (
            Shown("offer", gettext_lazy("Place"), words=_host),
            Shown("status", gettext_lazy("Status")),
            Shown("explanation", gettext_lazy("How the place was chosen"), words=_how_chosen),
            Shown("starts_on", gettext_lazy("Starts on"), DATE),
            Shown("planned_end_on", gettext_lazy("Planned end"), DATE),
            Shown("ended_on", gettext_lazy("Ended on"), DATE),
            Shown("end_reason", gettext_lazy("Reason")),
            Shown("next_place", gettext_lazy("Where they go next")),
            Shown("confirmed_by", gettext_lazy("Confirmed by"), MEMBER),
            Shown("referent", gettext_lazy("Referent"), MEMBER),
        ),
        "check_ins": (
            Shown("kind", gettext_lazy("Kind")),
            Shown("occurred_on", gettext_lazy("Date"), DATE),
            Shown("guest_safe", gettext_lazy("The guest is safe"), YES_NO),
            Shown("working", gettext_lazy("The placement works"), YES_NO),
            Shown("note", gettext_lazy("Note")),
            Shown("recorded_by", gettext_lazy("Recorded by"), MEMBER),
        ),
        "messages": (
            Shown("kind", gettext_lazy("Message")),
            Shown("language", gettext_lazy("Language"), words=_language),
            Shown("sent", gettext_lazy("Sent by e-mail"), YES_NO),
            Shown("created_at", gettext_lazy("Date"), DATE),
        ),
        "episodes": (
            Shown("kind", gettext_lazy("Where")),
            Shown("started_on", gettext_lazy("From"), DATE),
            Shown("ended_on", gettext_lazy("Until"), DATE),
        ),
        "host": (
            Shown("kind", gettext_lazy("Who hosts")),
            Shown("name", gettext_lazy("Name")),
            Shown("phone", gettext_lazy("Phone"), PHONE),
            Shown("email", gettext_lazy("Email address"), CODE),
            Shown("address", gettext_lazy("Address"), ADDRESS),
            Shown("languages", gettext_lazy("Languages spoken"), LANGUAGES),
            Shown("area", gettext_lazy("Area")),
            Shown("home_visit_on", gettext_lazy("Home visit on"), DATE),
            Shown("home_visit_by", gettext_lazy("Home visit by"), MEMBER),
            Shown("references_checked", gettext_lazy("References checked"), YES_NO),
            Shown("charter_signed_on", gettext_lazy("Charter signed on"), DATE),
            Shown("vetting_renewal_on", gettext_lazy("Vetting to renew by"), DATE),
            Shown("created_at", gettext_lazy("Registered on"), DATE),
        ),
        "offers": (
            Shown("beds", gettext_lazy("Beds")),
            Shown("available_from", gettext_lazy("Available from"), DATE),
            Shown("available_until", gettext_lazy("Available until"), DATE),
            Shown("stay_days", gettext_lazy("Length of stay (days)")),
            Shown("withdrawn_on", gettext_lazy("Withdrawn on"), DATE),
        ),
    }


def _texts() -> dict[str, tuple[Any, Any]]:
    """Each kind of shelter record: its title, and what it is and why it is kept."""
    basis = gettext_lazy(
        "Legal basis: our legitimate activities as a not-for-profit association helping "
        "refugees (GDPR art. 6(1)(f) and 9(2)(d)), and the protection of your vital interests "
        "while you have no roof (art. 6(1)(d) and 9(2)(c))."
    )
    return {
        "shelter": (gettext_lazy("Your requests for shelter"), gettext_lazy(
            "Each time you or your household had no roof and asked us for a place: who is in "
            "the household, what a place must offer, and the places proposed and given. "
            "%(basis)s") % {"basis": basis}),
        "placements": (gettext_lazy("Places proposed or given"), gettext_lazy(
            "The places proposed to you, how each was chosen, and how each stay went. The "
            "host's name and address are the host's own data and are not listed here.")),
        "check_ins": (gettext_lazy("Check-ins"), gettext_lazy(
            "What your caseworker noted when they checked that you were safe and that the "
            "place worked.")),
        "messages": (gettext_lazy("Messages to you"), gettext_lazy(
            "The messages we sent you about a place (their date, language and whether they "
            "were sent, not their text).")),
        "accommodation": (gettext_lazy("Where you slept"), gettext_lazy(
            "Your accommodation over time (the street, a night shelter, a host, a collective "
            "shelter, Fedasil), so that we count the nights you spent without shelter. "
            "%(basis)s") % {"basis": basis}),
        "hosting": (gettext_lazy("Your offers to host"), gettext_lazy(
            "Your details as a host, the vetting of your home and the beds you offered. Legal "
            "basis: our legitimate activities as a not-for-profit association (GDPR art. "
            "6(1)(f)).")),
        "offers": (gettext_lazy("Beds offered"), gettext_lazy(
            "The beds you offered and when.")),
    }  # fmt: skip


def shelter_records(person: Person) -> dict[str, Any]:
    """The person's needs for shelter (as lead or household member), each with its places,
    check-ins and messages."""
    texts = _texts()
    records = []
    with scopes_disabled():
        needs = Need.objects.filter(
            Q(person=person) | Q(household__isnull=False, household_id=person.household_id)
        ).order_by("without_roof_since", "opened_at")
        for number, need in enumerate(needs, 1):
            lead = need.person_id == person.pk
            fields = _fields(lead)
            placements = (
                Placement.objects.filter(need=need)
                .exclude(status="discarded")
                .select_related("offer__host", "confirmed_by", "referent")
                .order_by("proposed_at")
            )
            parts = []
            rows = [record(p, fields["placements"]) for p in placements]
            if rows:
                parts.append(section(*texts["placements"], rows))
            if lead:
                check_ins = CheckIn.objects.filter(placement__need=need, person=person)
                rows = [record(c, fields["check_ins"]) for c in check_ins.order_by("occurred_on")]
                if rows:
                    parts.append(section(*texts["check_ins"], rows))
                notices = Notice.objects.filter(
                    placement__need=need, recipient=NoticeRecipient.GUEST
                )
                rows = [record(n, fields["messages"]) for n in notices.order_by("created_at")]
                if rows:
                    parts.append(section(*texts["messages"], rows))
            title = _("Request for shelter %(number)s") % {"number": localised_digits(str(number))}
            records.append({**record(need, fields["need"], title), "parts": parts})
    return section(*texts["shelter"], records)


def accommodation_records(person: Person) -> dict[str, Any]:
    """Where the person slept, as dated episodes."""
    fields = _fields(True)["episodes"]
    with scopes_disabled():
        episodes = Episode.objects.filter(person=person).order_by("started_on", "pk")
        records = [record(e, fields) for e in episodes]
    return section(*_texts()["accommodation"], records)


def hosting_records(person: Person) -> dict[str, Any]:
    """The person's host records (when they are a host's contact) with the beds offered."""
    fields, texts = _fields(True), _texts()
    records = []
    with scopes_disabled():
        for host in Host.objects.filter(person=person).select_related("home_visit_by"):
            offers = [record(o, fields["offers"]) for o in host.offers.order_by("available_from")]
            parts = [section(*texts["offers"], offers)] if offers else []
            records.append({**record(host, fields["host"]), "parts": parts})
    return section(*texts["hosting"], records)
