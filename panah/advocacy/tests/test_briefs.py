"""Briefs: figures from the other modules, suppressed, frozen, traceable, in four languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from panah.advocacy import briefs
from panah.advocacy.models import Brief
from panah.advocacy.rendering import brief_html, brief_pdf_bytes

from .scenario import document_executions

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    end = timezone.localdate() - dt.timedelta(days=1)
    return end - dt.timedelta(days=89), end


@pytest.fixture
def executions(org_a, period):
    start, end = period
    before = start - dt.timedelta(days=30)
    with scope(organisation=org_a):
        document_executions(
            org_a, {start + dt.timedelta(days=3): 12, start + dt.timedelta(days=40): 2, before: 8}
        )


def _brief(org_a, coordinator_a, period, **extra) -> Brief:
    start, end = period
    with scope(organisation=org_a):
        return briefs.generate_brief(
            organisation=org_a, by=coordinator_a, title="For the adviser",
            audience="Minister's adviser", start=start, end=end, **extra,
        )  # fmt: skip


def test_a_brief_counts_the_period_and_the_one_before(
    org_a, coordinator_a, executions, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 5
    brief = _brief(org_a, coordinator_a, period)
    ex = brief.figures["executions"]
    assert (ex["current"], ex["previous"]) == (14, 8)
    assert ex["change"] == 75.0
    assert ex["sources"] == 2
    assert brief.disclosure_threshold == 5


def test_a_small_count_is_suppressed_never_shown(
    org_a, coordinator_a, executions, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 5
    brief = _brief(org_a, coordinator_a, period)
    months = {m["key"]: m["value"] for m in brief.figures["executions"]["by_month"]}
    second = (period[0] + dt.timedelta(days=40)).strftime("%Y-%m")
    assert months[second] is None  # 2 people: below the threshold
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
    assert "&lt; 5" in html


def test_a_brief_for_a_period_without_data_is_refused(org_a, coordinator_a):
    with pytest.raises(ValidationError) as exc:
        _brief(org_a, coordinator_a, (dt.date(2001, 1, 1), dt.date(2001, 3, 31)))
    assert "nothing to show" in exc.value.messages[0]
    with scope(organisation=org_a):
        assert not Brief.objects.exists()


def test_a_brief_ending_in_the_future_is_refused(org_a, coordinator_a):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        _brief(org_a, coordinator_a, (today, today + dt.timedelta(days=3)))
    assert "end" in exc.value.message_dict


def test_the_figures_are_frozen_and_traceable(org_a, coordinator_a, executions, period):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        document_executions(org_a, {period[0] + dt.timedelta(days=5): 30})
        brief.refresh_from_db()
        html = brief_html(brief, "fr")
    assert brief.figures["executions"]["current"] == 14  # not 44: the snapshot does not move
    assert briefs.intact(brief)
    assert brief.reference in html
    brief.figures["executions"]["current"] = 99
    assert not briefs.intact(brief)


def test_counts_and_estimates_are_kept_apart(org_a, coordinator_a, executions, period):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
    counts = html.index("Documented executions")
    estimate = html.index("Estimate of all executions")
    assert counts < estimate
    assert "whole calendar year" in html[estimate:]  # a 90-day period gets no estimate


def test_the_persian_pdf_is_right_to_left_with_persian_digits(
    org_a, coordinator_a, executions, period
):
    brief = _brief(org_a, coordinator_a, period)
    with scope(organisation=org_a):
        html = brief_html(brief, "fa")
        pdf = brief_pdf_bytes(brief, "fa")
    assert 'dir="rtl"' in html
    assert "۱۴" in html  # 14 in Persian digits
    assert pdf.startswith(b"%PDF-")


def test_the_pdf_loads_nothing_but_the_bundled_font(org_a, coordinator_a, executions, period):
    from panah.core.pdf import only_the_font

    fetcher = only_the_font()
    with pytest.raises(ValueError):
        fetcher.fetch("https://fonts.example.com/font.woff2")


def _roofless(org, name: str, since: dt.date, **household) -> None:
    """A person registered without a roof through the shelter service."""
    from panah.people.services import create_person
    from panah.shelter import services

    with scope(organisation=org):
        person = create_person(
            organisation=org, by=None, given_name_latin=name, family_name_latin="Street"
        )
        services.register_need(
            organisation=org, person=person, by=None, area="brussels",
            without_roof_since=since, **household,
        )  # fmt: skip


def _incidents(org, officer, name: str, dates_by_category: dict[str, list[dt.date]]) -> None:
    """Incidents recorded against one person through the safety service."""
    from panah.people.services import create_person
    from panah.safety import services

    with scope(organisation=org):
        person = create_person(
            organisation=org, by=None, given_name_latin=name, family_name_latin="Threatened"
        )
        for category, days in dates_by_category.items():
            for day in days:
                services.record_incident(
                    organisation=org, person=person, by=officer, category=category,
                    occurred_on=day, country="BE", confidence="likely",
                    reported_by="the_person", place=f"{name}-Place", alert=False,
                )  # fmt: skip


@pytest.fixture
def shelter_and_threats(org_a, org_b, coordinator_a, make_member, period, settings):
    """Org A: 5 people without a roof, 6 incidents in the period (one category of 1); org B:
    more of both, which must never count in A's brief."""
    from panah.core.models import Role

    settings.SAFETY_KDF_TIME_COST, settings.SAFETY_KDF_MEMORY_KIB = 1, 1024
    start, end = period
    _roofless(org_a, "Family", start - dt.timedelta(days=10), adult_women=1, children=2)
    _roofless(org_a, "Couple", end - dt.timedelta(days=5), adult_women=1, adult_men=1)
    _roofless(org_b, "OtherOrg", start, adult_men=4)
    officer_a = make_member(org_a, [Role.SAFETY_OFFICER], email="officer-a@example.org")
    officer_b = make_member(org_b, [Role.SAFETY_OFFICER], email="officer-b@example.org")
    day = start + dt.timedelta(days=20)
    _incidents(
        org_a, officer_a, "Threatened-A",
        {"surveillance": [day] * 3 + [start - dt.timedelta(days=3)], "threat_online": [day] * 2,
         "hacking": [day]},
    )  # fmt: skip
    _incidents(org_b, officer_b, "Threatened-B", {"kidnapping": [day] * 5})


def test_the_brief_shows_shelter_and_threats_from_their_registers(
    org_a, coordinator_a, executions, shelter_and_threats, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 2
    brief = _brief(org_a, coordinator_a, period)
    shelter, safety = brief.figures["shelter"], brief.figures["safety"]
    assert (shelter["people"], shelter["households"], shelter["people_on_last_day"]) == (5, 2, 5)
    assert shelter["nights"] == 90 * 3 + 6 * 2  # the family all period, the couple 6 nights
    assert (shelter["nights_median"], shelter["nights_longest"]) == (48, 90)
    assert shelter["as_of"] == timezone.localdate().isoformat()  # the day it was read
    # Only A's incidents of the period: the one before it and B's kidnappings never count.
    assert {c["key"]: c["value"] for c in safety["by_category"]} == {
        "hacking": None,  # 1 incident: below the threshold
        "surveillance": 3,
        "threat_online": None,  # hidden too, or the total would give the hacking cell away
    }
    assert safety["total"] == 6
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
        french = brief_html(brief, "fr")
    section = html[html.index("People without shelter") :]
    assert "Surveillance and following" in section and "Kidnapping" not in section
    assert "OtherOrg" not in html and "Threatened" not in html and "Place" not in section
    assert f"{org_a.name}&#x27;s own records: shelter register" in html
    assert f"{org_a.name}&#x27;s own records: safety register" in html
    assert "Personnes sans abri" in french and "Menaces par catégorie" in french
    brief.figures["shelter"]["people"] = 50
    assert not briefs.intact(brief)  # the digest covers the new sections


def test_a_small_shelter_count_is_suppressed(
    org_a, coordinator_a, executions, shelter_and_threats, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 3
    brief = _brief(org_a, coordinator_a, period)
    shelter = brief.figures["shelter"]
    assert shelter["households"] is None  # 2 households: below 3
    assert shelter["nights_median"] is None and shelter["nights_longest"] is None
    assert shelter["people"] == 5
    with scope(organisation=org_a):
        html = brief_html(brief, "fa")
    assert "&lt; ۳" in html or "< ۳" in html
    assert "۵" in html


def test_a_module_without_records_in_the_period_says_so(
    org_a, coordinator_a, executions, period, org_b, make_member, settings
):
    _roofless(org_b, "OtherOrg", period[0], adult_men=4)
    brief = _brief(org_a, coordinator_a, period)
    assert brief.figures["shelter"] == {"missing": briefs.NO_RECORDS}
    assert brief.figures["safety"] == {"missing": briefs.NO_RECORDS}
    with scope(organisation=org_a):
        html = brief_html(brief, "en")
    assert "has no one without a roof in this period" in html
    assert "has no incident in this period" in html


def test_a_brief_with_only_people_without_shelter_is_accepted(
    org_a, coordinator_a, period, settings
):
    settings.DISCLOSURE_THRESHOLD = 3
    _roofless(org_a, "Family", period[0], adult_women=1, children=2)
    brief = _brief(org_a, coordinator_a, period)
    assert brief.figures["shelter"]["people"] == 3
    assert brief.figures["executions"]["current"] == 0


def test_nights_in_a_placement_the_guest_moved_into_are_not_nights_without_shelter(
    org_a, coordinator_a, executions, period, settings
):
    from panah.people.services import create_person
    from panah.shelter import services

    settings.DISCLOSURE_THRESHOLD = 1
    start, end = period
    with scope(organisation=org_a):
        person = create_person(
            organisation=org_a, by=None, given_name_latin="Family", family_name_latin="Street"
        )
        need = services.register_need(
            organisation=org_a, person=person, by=None, area="brussels",
            without_roof_since=start - dt.timedelta(days=10), adult_women=1, children=1,
        )  # fmt: skip
        host = services.register_host(
            organisation=org_a, by=None, kind="family", name="Host-A", area="brussels",
            address="Secret Street 1",
        )  # fmt: skip
        services.record_vetting(
            host=host, by=None, home_visit_on=start - dt.timedelta(days=30),
            home_visit_by=coordinator_a, references_checked=True,
            charter_signed_on=start - dt.timedelta(days=30),
            vetting_renewal_on=end + dt.timedelta(days=365),
        )  # fmt: skip
        offer = services.add_offer(
            host=host, by=None, beds=3, available_from=start - dt.timedelta(days=30)
        )
        placement = services.propose_placement(
            need=need, offer=offer, by=None, starts_on=end - dt.timedelta(days=9)
        )
        proposed = _brief(org_a, coordinator_a, period).figures["shelter"]
        services.confirm_placement(placement=placement, by=None)
        services.record_guest_decision(placement=placement, by=None, accepted=True)
    moved_in = _brief(org_a, coordinator_a, period).figures["shelter"]
    # Proposed is not a roof; once the guest moved in, the last ten nights are not in the street.
    assert (proposed["nights"], proposed["people_on_last_day"]) == (90 * 2, 2)
    assert (moved_in["nights"], moved_in["people_on_last_day"]) == (80 * 2, 0)
    assert moved_in["people"] == 2 and "Secret Street" not in str(moved_in)
