"""The appointments calendar (what a stolen phone would show) and the daily reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from panah.cases import services
from panah.core.models import Role

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


def test_the_calendar_holds_only_my_appointments_without_names_or_places(
    make_case, caseworker_a, make_member, org_a, login_as
):
    other = make_member(org_a, [Role.CASEWORKER])
    case = make_case(caseworkers=[caseworker_a, other])
    starts = timezone.now() + dt.timedelta(days=3)
    with scope(organisation=org_a):
        mine = services.schedule_appointment(
            case=case, kind="cgrs_interview", starts_at=starts, place="Rue Ernest Blerot 39",
            by=caseworker_a,
        )  # fmt: skip
        services.schedule_appointment(case=case, kind="lawyer", starts_at=starts, by=other)
    response = login_as(caseworker_a).get("/cases/calendar.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == f"Interview at the CGRS · case {str(case.pk)[:8]}"
    assert str(event["uid"]) == f"{mine.pk}@panah"
    assert event.decoded("dtstart") == starts.replace(microsecond=0)
    body = response.content.decode()
    for secret in ("Narges", "Hosseini", "نرگس", "Blerot", "LOCATION"):
        assert secret not in body


def test_reminders_go_to_each_caseworker_in_their_own_language_once_a_day(
    make_case, make_member, org_a, today
):
    persian = make_member(org_a, [Role.CASEWORKER], email="fa@example.org", language="fa")
    french = make_member(org_a, [Role.CASEWORKER], email="fr@example.org", language="fr")
    steps = [lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=27))]
    make_case(caseworkers=[persian], steps=steps)
    make_case(caseworkers=[french], steps=steps)
    make_case(steps=steps)  # followed by nobody: no email
    call_command("cases", "remind")
    call_command("cases", "remind")
    assert sorted(m.to[0] for m in mail.outbox) == ["fa@example.org", "fr@example.org"]
    by_person = {m.to[0]: m for m in mail.outbox}
    persian_mail = by_person["fa@example.org"].body
    # The legal source in Persian, its article numbers in Persian digits, no English sentence.
    assert "قانون اتباع خارجی، ماده ۳۹/۵۷" in persian_mail
    assert "Aliens Act" not in persian_mail
    assert "Loi sur les étrangers, art. 39/57" in by_person["fr@example.org"].body
    assert "Narges" not in persian_mail and "نرگس" not in persian_mail
    # The Persian email gives the Solar Hijri date first, in Persian digits.
    assert any(d in persian_mail for d in "۰۱۲۳۴۵۶۷۸۹")
    assert not any(d in by_person["fr@example.org"].body for d in "۰۱۲۳۴۵۶۷۸۹")


def test_a_restricted_case_is_not_reminded_to_a_caseworker_no_longer_named(
    make_case, caseworker_a, admin_a, org_a, today
):
    steps = [lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=27))]
    case = make_case(caseworkers=[caseworker_a], steps=steps)
    with scope(organisation=org_a):
        services.restrict_case(case=case, restricted=True, members=[], by=admin_a)
    call_command("cases", "remind")
    assert mail.outbox == []


def test_the_case_page_offers_the_case_members_as_attendees_and_saves_the_one_chosen(
    make_case, caseworker_a, make_member, org_a, login_as
):
    other = make_member(org_a, [Role.CASEWORKER], email="leila@example.org")
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)

    # The case page loads the form into its section when it is opened (htmx).
    assert f'hx-get="/cases/{case.pk}/appointments/"' in client.get(f"/cases/{case.pk}/").text
    page = client.get(f"/cases/{case.pk}/appointments/", headers={"HX-Request": "true"}).text
    response = client.post(
        f"/cases/{case.pk}/appointments/",
        {"kind": "lawyer", "day": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
         "time": "10:00", "duration_minutes": "60", "attendee": str(other.pk)},
    )  # fmt: skip

    assert f'<option value="{other.pk}">leila</option>' in page
    assert f'<option value="{caseworker_a.pk}">caseworker-a</option>' in page
    assert response.status_code == 302
    with scope(organisation=org_a):
        assert [a.attendee for a in case.appointments.all()] == [other]
