"""The advocacy services: what they refuse, what they record, what they never keep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from panah.advocacy import services
from panah.advocacy.models import Demand, Event, Official, Task
from panah.core.models import AuditEntry

from .scenario import DEMANDS, rally_fields

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_a_rally_in_the_past_is_refused_with_a_clear_message(org_a, coordinator_a):
    fields = rally_fields(timezone.now() - dt.timedelta(days=2))
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.create_event(organisation=org_a, by=coordinator_a, fields=fields)
    assert "in the past" in _errors(exc)["starts_at"][0]
    with scope(organisation=org_a):
        assert not Event.objects.exists()


def test_a_permit_deadline_after_the_event_is_refused(org_a, coordinator_a):
    fields = rally_fields()
    fields["permit_deadline"] = fields["starts_at"].date() + dt.timedelta(days=1)
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.create_event(organisation=org_a, by=coordinator_a, fields=fields)
    assert "after the event" in _errors(exc)["permit_deadline"][0]


def test_an_event_ending_before_it_starts_is_refused(org_a, coordinator_a):
    fields = rally_fields()
    fields["ends_at"] = fields["starts_at"] - dt.timedelta(hours=1)
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.create_event(organisation=org_a, by=coordinator_a, fields=fields)
    assert "end after it starts" in _errors(exc)["ends_at"][0]


def test_the_rally_with_three_co_organisers_and_its_demands_is_audited(org_a, year):
    with scope(organisation=org_a):
        rally = Event.objects.get(pk=year.rally.pk)
        assert rally.co_organisers.count() == 3
        assert rally.demands.count() == 3
        assert rally.published
        actions = list(
            AuditEntry.objects.filter(organisation=org_a, object_id=str(rally.pk)).values_list(
                "action", flat=True
            )
        )
    assert actions == ["advocacy.event.created", "advocacy.event.published"]


def test_an_event_is_not_published_while_a_demand_lacks_a_translation(org_a, coordinator_a):
    with scope(organisation=org_a):
        demand = services.create_demand(
            organisation=org_a, by=coordinator_a, texts={"text_en": "Faster decisions"},
            addressee="CGRS", first_raised_on=timezone.localdate(),
        )  # fmt: skip
        event = services.create_event(
            organisation=org_a, by=coordinator_a, fields=rally_fields(), demands=[demand]
        )
        with pytest.raises(ValidationError) as exc:
            services.publish_event(event=event, by=coordinator_a)
        event.refresh_from_db()
    assert "Français, Nederlands, فارسی" in " ".join(exc.value.messages)
    assert not event.published


def test_a_demand_without_translations_is_kept_but_not_published(org_a, coordinator_a):
    with scope(organisation=org_a):
        demand = services.create_demand(
            organisation=org_a, by=coordinator_a, texts={"text_fa": DEMANDS[0]["text_fa"]},
            addressee="CGRS", first_raised_on=timezone.localdate(),
        )  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            services.set_demand_published(demand=demand, by=coordinator_a, published=True)
        demand.refresh_from_db()
    assert "English, Français, Nederlands" in exc.value.messages[0]
    assert not demand.published


def test_a_demand_with_no_text_at_all_is_refused(org_a, coordinator_a):
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.create_demand(
            organisation=org_a, by=coordinator_a, texts={}, addressee="CGRS",
            first_raised_on=timezone.localdate(),
        )  # fmt: skip
    assert "text_en" in _errors(exc)


def test_a_demand_status_keeps_its_history_and_needs_evidence(org_a, year, coordinator_a):
    demand = year.demands[0]
    with scope(organisation=org_a):
        with pytest.raises(ValidationError) as exc:
            services.change_demand_status(
                demand=demand, by=coordinator_a, status="promised", on=timezone.localdate()
            )
        assert "evidence" in _errors(exc)
        services.change_demand_status(
            demand=demand, by=coordinator_a, status="acknowledged",
            on=timezone.localdate() - dt.timedelta(days=3), evidence="Letter from the cabinet",
        )  # fmt: skip
        services.change_demand_status(
            demand=demand, by=coordinator_a, status="promised", on=timezone.localdate(),
            evidence="Said at the meeting",
        )  # fmt: skip
        demand.refresh_from_db()
        history = list(demand.history.values_list("status", flat=True))
    assert demand.status == Demand.Status.PROMISED
    assert history == ["raised", "acknowledged", "promised"]


def test_the_meeting_has_two_follow_ups_with_owners(org_a, year, coordinator_a):
    with scope(organisation=org_a):
        follow_ups = list(Task.objects.filter(meeting=year.meeting))
    assert len(follow_ups) == 2
    assert {t.owner_id for t in follow_ups} == {coordinator_a.pk}


def test_a_task_owner_from_another_organisation_is_refused(org_a, org_b, year, make_member):
    outsider = make_member(org_b, ["coordinator"])
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.add_task(by=None, event=year.rally, title="Banner", owner=outsider)
    assert "owner" in _errors(exc)


def test_another_organisations_partner_cannot_co_organise(org_a, org_b, coordinator_a):
    with scope(organisation=org_b):
        theirs = services.add_partner(organisation=org_b, by=None, name="B's coalition")
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.create_event(
            organisation=org_a, by=coordinator_a, fields=rally_fields(), co_organisers=[theirs]
        )
    assert "co_organisers" in _errors(exc)


def test_an_officials_contact_is_encrypted_at_rest(org_a, year):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM advocacy_official")
        (raw,) = cursor.fetchone()
    assert b"sofie.adviseur" not in bytes(raw)
    with scope(organisation=org_a):
        assert "sofie.adviseur@example.be" in Official.objects.get(pk=year.official.pk).contact


def test_a_tampered_contact_fails_closed(org_a, year):
    from django.db import connection

    from panah.core.crypto.errors import DecryptionError

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM advocacy_official")
        (raw,) = cursor.fetchone()
        tampered = bytearray(raw)
        tampered[-1] ^= 1
        cursor.execute("UPDATE advocacy_official SET contact = %s", [bytes(tampered)])
    with scope(organisation=org_a), pytest.raises(DecryptionError):
        _ = Official.objects.get(pk=year.official.pk).contact


def test_an_rsvp_is_a_number_and_its_audit_entry_keeps_no_address(org_a, year, rf):
    with scope(organisation=org_a):
        services.record_rsvp(event=year.rally)
        services.record_rsvp(event=year.rally)
        year.rally.refresh_from_db()
    assert year.rally.rsvp_count == 2
    with scopes_disabled():
        entries = AuditEntry.objects.filter(action="advocacy.event.rsvp")
        assert entries.count() == 2
        assert {(e.ip, e.user_agent, e.actor_id) for e in entries} == {(None, "", None)}


def test_a_report_before_the_event_is_refused(org_a, year, coordinator_a):
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.record_report(event=year.rally, by=coordinator_a, attendance_estimate=300)
    assert "not taken place" in exc.value.messages[0]


def test_a_statement_needs_the_words_in_the_language_spoken(org_a, year, coordinator_a):
    with scope(organisation=org_a):
        Event.objects.filter(pk=year.rally.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=3),
            ends_at=timezone.now() - dt.timedelta(hours=1),
        )
        year.rally.refresh_from_db()
        report = services.record_report(event=year.rally, by=coordinator_a, attendance_estimate=400)
        with pytest.raises(ValidationError) as exc:
            services.add_statement(report=report, by=coordinator_a, speaker="Maryam R.",
                                   language="fa", texts={"text_en": "We will not be silent."})  # fmt: skip
        assert "text_fa" in _errors(exc)
        statement = services.add_statement(
            report=report, by=coordinator_a, speaker="Maryam R.", language="fa",
            texts={"text_fa": "ما ساکت نمی‌مانیم.", "text_en": "We will not be silent."},
        )  # fmt: skip
    assert statement.original == "ما ساکت نمی‌مانیم."


def test_the_demo_year_is_created_once(org_a, coordinator_a):
    from panah.advocacy.demo import create_demo_advocacy

    first = create_demo_advocacy(org_a, coordinator_a)
    again = create_demo_advocacy(org_a, coordinator_a)
    assert first.rally is not None and again.rally is None
    with scope(organisation=org_a):
        assert Event.objects.count() == 1
