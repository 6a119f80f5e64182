"""The advocacy pages as a coordinator, a volunteer, a visitor and an outsider use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.advocacy.models import Demand, Event, Meeting, Partner, Task
from panah.core.models import Role

from .scenario import DEMANDS, document_executions, rally_fields

pytestmark = pytest.mark.django_db


def _form(fields: dict) -> dict:
    data = {}
    for key, value in fields.items():
        if isinstance(value, dt.datetime):
            data[key] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = value
    return data


@pytest.fixture
def coordinator(coordinator_a):
    return verified_client(coordinator_a)


def test_a_coordinator_runs_the_whole_year_through_the_pages(org_a, coordinator_a, coordinator):
    # Three co-organisers and three demands, each in four languages.
    for name in ("Coalition Iran Liberté", "Ligue des droits humains", "Vluchtelingenwerk"):
        r = coordinator.post(
            reverse("advocacy:partner_new"), {"name": name, "kind": "organisation"}
        )
        assert r.status_code == 302
    for texts in DEMANDS:
        r = coordinator.post(
            reverse("advocacy:demand_new"),
            {**texts, "addressee": "Minister", "first_raised_on": timezone.localdate().isoformat()},
        )
        assert r.status_code == 302
    with scope(organisation=org_a):
        partners = [str(p.pk) for p in Partner.objects.all()]
        demands = [str(d.pk) for d in Demand.objects.all()]
    r = coordinator.post(
        reverse("advocacy:event_new"),
        {**_form(rally_fields()), "co_organisers": partners, "demands": demands},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    with scope(organisation=org_a):
        rally = Event.objects.get()
        assert rally.co_organisers.count() == 3
    r = coordinator.post(reverse("advocacy:event_publish", args=[rally.pk]))
    with scope(organisation=org_a):
        rally.refresh_from_db()
    assert rally.published

    # The public page, in each language, with no script needed and nothing from elsewhere.
    public = reverse("campaign:event", args=[org_a.slug, rally.pk])
    for code, words in (("en", "Stop the executions"), ("fr", "Arrêtez les exécutions"),
                        ("nl", "Stop de executies"), ("fa", "اعدام‌ها در ایران")):  # fmt: skip
        page = coordinator.__class__().get(public, {"lang": code})
        body = page.content.decode()
        assert page.status_code == 200
        assert words in body
        assert f'lang="{code}"' in body
        assert not re.search(r'src="https?://', body)  # nothing loaded from another site
        assert "<iframe" not in body and "tile" not in body
    fa = coordinator.__class__().get(public, {"lang": "fa"}).content.decode()
    assert 'dir="rtl"' in fa
    assert "آذر" in fa or "دی" in fa or "بهمن" in fa or "۱۴۰" in fa  # the Jalali date

    # After the event: the report with two speakers.
    with scope(organisation=org_a):
        Event.objects.filter(pk=rally.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=3),
            ends_at=timezone.now() - dt.timedelta(hours=1),
        )
    r = coordinator.post(reverse("advocacy:event_report", args=[rally.pk]),
                         {"attendance_estimate": "450", "press_links": "https://press.example/rally"})  # fmt: skip
    assert r.status_code == 302
    for speaker, language, texts in (
        ("Maryam R.", "fa", {"text_fa": "ما ساکت نمی‌مانیم.", "text_fr": "Nous ne nous tairons pas."}),
        ("Jean D.", "fr", {"text_fr": "La Belgique doit protéger les réfugiés.",
                           "text_fa": "بلژیک باید از پناهندگان حمایت کند."}),
    ):  # fmt: skip
        r = coordinator.post(reverse("advocacy:event_statement", args=[rally.pk]),
                             {"speaker": speaker, "language": language, **texts})  # fmt: skip
        assert r.status_code == 302
    coordinator.post(reverse("advocacy:report_publish", args=[rally.pk]))
    fr = coordinator.__class__().get(public, {"lang": "fr"}).content.decode()
    assert "Nous ne nous tairons pas." in fr and "ما ساکت نمی‌مانیم." in fr
    assert "450" in fr

    # The meeting with the adviser, and two follow-ups.
    r = coordinator.post(reverse("advocacy:meeting_new"), {
        "held_on": timezone.localdate().isoformat(), "institution": "Cabinet of the Minister",
        "demands": demands, "participants": [coordinator_a.pk], "answers": "Will ask the CGRS.",
    })  # fmt: skip
    assert r.status_code == 302
    with scope(organisation=org_a):
        meeting = Meeting.objects.get()
    for title in ("Send the brief", "Ask for processing times"):
        r = coordinator.post(reverse("advocacy:meeting_follow_up", args=[meeting.pk]), {
            "title": title, "owner": coordinator_a.pk,
            "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        })  # fmt: skip
        assert r.status_code == 302
    with scope(organisation=org_a):
        assert Task.objects.filter(meeting=meeting).count() == 2

    # The brief they hand over, as Persian and French PDFs.
    with scope(organisation=org_a):
        document_executions(org_a, {timezone.localdate() - dt.timedelta(days=20): 9})
    r = coordinator.post(reverse("advocacy:briefs"), {
        "title": "Executions and refugees", "audience": "the minister's adviser",
        "start": (timezone.localdate() - dt.timedelta(days=90)).isoformat(),
        "end": timezone.localdate().isoformat(), "meeting": meeting.pk,
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[-3000:]
    brief_url = r["Location"]
    assert "Executions and refugees" in coordinator.get(brief_url).content.decode()
    brief_pk = brief_url.rstrip("/").split("/")[-1]
    for language in ("fa", "fr"):
        pdf = coordinator.get(reverse("advocacy:brief_pdf", args=[brief_pk, language]))
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")


def test_a_past_event_comes_back_with_everything_typed_and_a_message(org_a, coordinator):
    fields = rally_fields(timezone.now() - dt.timedelta(days=1))
    r = coordinator.post(reverse("advocacy:event_new"), _form(fields))
    body = r.content.decode()
    assert r.status_code == 400
    assert "in the past" in body
    assert "Commune d&#x27;Anderlecht — police" in body  # what was typed is still there
    with scope(organisation=org_a):
        assert not Event.objects.exists()


def test_a_permit_deadline_after_the_event_is_shown_beside_its_field(org_a, coordinator):
    fields = rally_fields()
    fields["permit_deadline"] = fields["starts_at"].date() + dt.timedelta(days=2)
    body = coordinator.post(reverse("advocacy:event_new"), _form(fields)).content.decode()
    assert "notified before it takes place" in body


def test_an_unpublished_event_has_no_public_page(org_a, year, coordinator_a):
    with scope(organisation=org_a):
        Event.objects.filter(pk=year.rally.pk).update(published=False)
    from django.test import Client

    r = Client().get(reverse("campaign:event", args=[org_a.slug, year.rally.pk]))
    assert r.status_code == 404
    feed = Client().get(reverse("campaign:feed", args=[org_a.slug])).content.decode()
    assert "Stop the executions" not in feed


def test_the_event_is_not_found_under_another_organisations_name(org_a, org_b, year):
    from django.test import Client

    r = Client().get(reverse("campaign:event", args=[org_b.slug, year.rally.pk]))
    assert r.status_code == 404


def test_another_organisations_coordinator_finds_nothing(org_a, org_b, year, make_member):
    outsider = verified_client(make_member(org_b, [Role.COORDINATOR, Role.ADMIN]))
    for url in (reverse("advocacy:event", args=[year.rally.pk]),
                reverse("advocacy:demand", args=[year.demands[0].pk]),
                reverse("advocacy:meeting", args=[year.meeting.pk])):  # fmt: skip
        assert outsider.get(url).status_code == 404
    contacts = outsider.get(reverse("advocacy:contacts")).content.decode()
    assert "Sofie Adviseur" not in contacts and "sofie.adviseur" not in contacts


def test_a_volunteer_sees_the_plan_but_not_the_officials_contacts(org_a, year, make_member):
    volunteer = verified_client(make_member(org_a, [Role.CASEWORKER]))
    assert volunteer.get(reverse("advocacy:event", args=[year.rally.pk])).status_code == 200
    contacts = volunteer.get(reverse("advocacy:contacts")).content.decode()
    assert "Sofie Adviseur" in contacts
    assert "sofie.adviseur@example.be" not in contacts
    assert volunteer.post(reverse("advocacy:event_new"), {}).status_code == 403


def test_a_volunteer_may_tick_only_their_own_task(org_a, year, make_member):
    from panah.advocacy import services

    user = make_member(org_a, [Role.CASEWORKER])
    with scope(organisation=org_a):
        mine = services.add_task(by=None, event=year.rally, title="Banner", owner=user)
        theirs = Task.objects.filter(meeting=year.meeting).first()
    client = verified_client(user)
    assert client.post(reverse("advocacy:task_done", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("advocacy:task_done", args=[mine.pk])).status_code == 302
    with scope(organisation=org_a):
        mine.refresh_from_db()
        theirs.refresh_from_db()
    assert mine.done_at is not None and theirs.done_at is None


def test_reading_the_officials_contacts_is_audited(org_a, year, coordinator):
    from panah.core.models import AuditEntry

    coordinator.get(reverse("advocacy:contacts"))
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="advocacy.officials.viewed").count() == 1


def test_the_calendar_and_atom_feeds_list_the_published_event(org_a, year):
    from django.test import Client

    ics = Client().get(reverse("campaign:calendar", args=[org_a.slug]), {"lang": "fr"})
    assert ics["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:Arrêtez les exécutions" in ics.content.decode().replace("\r\n ", "")
    atom = Client().get(reverse("campaign:feed", args=[org_a.slug]), {"lang": "nl"})
    assert atom["Content-Type"].startswith("application/atom+xml")
    assert "Stop de executies" in atom.content.decode()


def test_an_anonymous_rsvp_is_counted_and_no_one_is_named(org_a, year):
    from django.test import Client

    client = Client()
    url = reverse("campaign:rsvp", args=[org_a.slug, year.rally.pk])
    assert client.post(url + "?lang=fa").status_code == 302
    with scope(organisation=org_a):
        year.rally.refresh_from_db()
    assert year.rally.rsvp_count == 1


def test_the_public_progress_page_shows_only_published_demands(org_a, year, coordinator_a):
    from django.test import Client

    from panah.advocacy import services

    with scope(organisation=org_a):
        services.set_demand_published(demand=year.demands[2], by=coordinator_a, published=False)
        services.change_demand_status(demand=year.demands[0], by=coordinator_a,
                                      status="acknowledged", on=timezone.localdate(),
                                      evidence="Letter of the cabinet")  # fmt: skip
    body = (
        Client()
        .get(reverse("campaign:demands", args=[org_a.slug]), {"lang": "en"})
        .content.decode()
    )
    assert DEMANDS[0]["text_en"] in body and "Letter of the cabinet" in body
    assert DEMANDS[2]["text_en"] not in body
