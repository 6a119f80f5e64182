"""The casework pages: who may open what, the forms, and query counts of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from panah.cases import services
from panah.cases.models import Case, CaseNote, CaseStep
from panah.core.models import AuditEntry, Role

from .conftest import lodged, refusal

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"cases:{name}", kwargs=kwargs or None)


# --- refusals ---------------------------------------------------------------------------------


def test_another_organisations_case_is_not_found(make_case, org_b, admin_b, login_as):
    case = make_case()
    response = login_as(admin_b).get(url("detail", pk=case.pk))
    assert response.status_code == 404


def test_a_caseworker_does_not_see_a_case_not_assigned_to_them(
    make_case, caseworker_a, make_member, org_a, login_as
):
    colleague = make_member(org_a, [Role.CASEWORKER])
    case = make_case(caseworkers=[colleague])
    client = login_as(caseworker_a)
    assert client.get(url("detail", pk=case.pk)).status_code == 404
    assert client.post(url("add_note", pk=case.pk), {"text": "x"}).status_code == 404
    assert case.pk.hex[:8] not in client.get(url("list")).content.decode()


def test_a_restricted_case_opens_only_to_the_members_named_on_it(
    make_case, org_a, admin_a, coordinator_a, caseworker_a, login_as
):
    case = make_case(caseworkers=[caseworker_a])
    with scope(organisation=org_a):
        services.restrict_case(case=case, restricted=True, members=[], by=admin_a)
    assert login_as(coordinator_a).get(url("detail", pk=case.pk)).status_code == 404
    assert login_as(caseworker_a).get(url("detail", pk=case.pk)).status_code == 404
    assert login_as(admin_a).get(url("detail", pk=case.pk)).status_code == 200


def test_a_member_without_a_casework_role_is_refused(org_a, make_member, login_as):
    researcher = make_member(org_a, [Role.RESEARCHER])
    client = login_as(researcher)
    assert client.get(url("list")).status_code == 403
    assert client.get(url("deadlines")).status_code == 403


def test_a_caseworker_may_not_see_the_statistics_or_edit_rules(caseworker_a, login_as):
    client = login_as(caseworker_a)
    assert client.get(url("statistics")).status_code == 403
    assert client.get(url("rule_edit") + "?code=call_appeal").status_code == 403
    assert client.get(url("import")).status_code == 403


# --- the story of the issue -------------------------------------------------------------------


def test_a_caseworker_in_persian_records_yesterdays_refusal_and_sees_the_appeal_deadline(
    make_case, caseworker_a, login_as, today, org_a
):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=200))])
    client = login_as(caseworker_a)
    client.cookies["django_language"] = "fa"
    yesterday = today - dt.timedelta(days=1)
    choose = client.get(url("record_step", pk=case.pk))
    assert "?code=cgrs_decision" in choose.content.decode()
    assert "?code=call_appeal_lodged" not in choose.content.decode()
    form = client.get(url("record_step", pk=case.pk) + "?code=cgrs_decision")
    assert 'name="outcome"' in form.content.decode()
    response = client.post(
        url("record_step", pk=case.pk),
        {
            "code": "cgrs_decision",
            "outcome": "refusal",
            "occurred_on": yesterday.isoformat(),
            "notification_mode": "hand_delivery",
            "sent_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(url("deadlines")).content.decode()
    assert 'lang="fa"' in page and 'dir="rtl"' in page
    assert "قانون اتباع خارجی، ماده ۳۹/۵۷" in page and "Aliens Act" not in page
    assert "نرگس" in page
    with scope(organisation=org_a):
        case.refresh_from_db()
    assert case.next_binding_rule == "call_appeal"


def test_the_step_form_says_which_field_is_wrong(make_case, caseworker_a, login_as, today):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=20))])
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    response = login_as(caseworker_a).post(
        url("record_step", pk=case.pk),
        {
            "code": "cgrs_decision",
            "outcome": "refusal",
            "occurred_on": today.isoformat(),
            "notification_mode": "registered_letter",
            "sent_on": yesterday,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "sent_on": [f"A decision cannot be sent before it was taken ({today.isoformat()})."]
    }


def test_reading_a_case_page_is_audited(make_case, caseworker_a, login_as, org_a):
    case = make_case(caseworkers=[caseworker_a])
    login_as(caseworker_a).get(url("detail", pk=case.pk))
    with scope(organisation=org_a):
        entry = AuditEntry.objects.get(action="case.viewed")
    assert (entry.actor, entry.object_id) == (caseworker_a, str(case.pk))


def test_the_case_page_shows_history_deadlines_and_work(
    make_case, caseworker_a, login_as, org_a, today
):
    case = make_case(
        caseworkers=[caseworker_a],
        steps=[lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=1))],
    )
    with scope(organisation=org_a):
        services.add_note(case=case, text="Call the lawyer on Monday", by=caseworker_a)
    page = login_as(caseworker_a).get(url("detail", pk=case.pk)).content.decode()
    for text in ("CGRS decision", "Refusal", "Appeal to the CALL", "Aliens Act, art. 39/57",
                 "Call the lawyer on Monday"):  # fmt: skip
        assert text in page


def test_the_case_page_names_the_members_behind_its_rows(
    make_case, caseworker_a, make_member, login_as, org_a, today
):
    """The caseworkers, who recorded a step, who wrote a note and who goes to an appointment
    are named, whether or not they follow the case (the page reads them in one query)."""
    recorder = make_member(org_a, [Role.COORDINATOR], email="parviz@example.org")
    attendee = make_member(org_a, [Role.CASEWORKER], email="nasrin@example.org")
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=100))])
    with scope(organisation=org_a):
        services.record_step(case=case, by=recorder, step=refusal(today - dt.timedelta(days=1)))
        services.add_note(case=case, text="Seen at the office", by=recorder)
        services.schedule_appointment(
            case=case, kind="lawyer", starts_at=timezone.now() + dt.timedelta(days=3),
            by=caseworker_a, attendee=attendee,
        )  # fmt: skip
    page = login_as(caseworker_a).get(url("detail", pk=case.pk)).content.decode()
    assert "Caseworkers: <bdi>caseworker-a</bdi>" in " ".join(page.split())
    assert "recorded by <bdi>parviz</bdi>" in page
    assert '<p>Seen at the office</p><p class="meta"><bdi>parviz</bdi>, ' in page
    assert "· <bdi>nasrin</bdi></li>" in page  # the appointment's attendee


def test_a_correction_through_the_form_keeps_both_steps(
    make_case, caseworker_a, login_as, org_a, today
):
    case = make_case(caseworkers=[caseworker_a], steps=[lodged(today - dt.timedelta(days=10))])
    with scope(organisation=org_a):
        step = CaseStep.objects.get(case=case)
    response = login_as(caseworker_a).post(
        url("correct_step", pk=case.pk, step=step.pk),
        {"code": "application_lodged", "occurred_on": (today - dt.timedelta(days=11)).isoformat(),
         "reason": "Wrong day"},
    )  # fmt: skip
    assert response.status_code == 302
    page = login_as(caseworker_a).get(url("detail", pk=case.pk)).content.decode()
    assert "Wrong day" in page
    with scope(organisation=org_a):
        assert CaseStep.objects.filter(case=case).count() == 2


def test_a_note_posted_from_the_case_page_is_saved(make_case, caseworker_a, login_as, org_a):
    case = make_case(caseworkers=[caseworker_a])
    response = login_as(caseworker_a).post(url("add_note", pk=case.pk), {"text": "Met today"})
    assert response.status_code == 302
    with scope(organisation=org_a):
        assert CaseNote.objects.get(case=case).text == "Met today"


def test_each_work_section_of_the_case_page_loads_its_form_when_opened(
    make_case, caseworker_a, make_member, org_a, login_as
):
    """The case page draws no blank form: each section loads its own (htmx) when opened, and
    without JavaScript links to the form's page; the fragment is the form alone."""
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)
    page = client.get(url("detail", pk=case.pk)).text
    assert 'name="text"' not in page  # no note form drawn on the page itself
    for name in ("residence", "add_appointment", "add_note", "add_document", "add_referral"):
        address = url(name, pk=case.pk)
        assert f'hx-get="{address}"' in page and f'href="{address}"' in page
        fragment = client.get(address, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert fragment.text.lstrip().startswith("<form") and "<html" not in fragment.text
        assert f'action="{address}"' in fragment.text
    # The whole page without htmx; the note form is there.
    whole = client.get(url("add_note", pk=case.pk)).text
    assert "<html" in whole and 'name="text"' in whole
    # A member who may not change the case gets no form, fragment or not.
    auditor = make_member(org_a, [Role.AUDITOR])
    refused = login_as(auditor).get(url("add_note", pk=case.pk), headers={"HX-Request": "true"})
    assert refused.status_code in (403, 404)


def test_a_referral_form_without_consent_is_refused(make_case, caseworker_a, login_as):
    case = make_case(caseworkers=[caseworker_a])
    response = login_as(caseworker_a).post(
        url("add_referral", pk=case.pk), {"kind": "lawyer", "recipient": "Maître Dupont"}
    )
    assert response.status_code == 400
    assert "needs the person" in response.content.decode().replace("&#x27;", "'")


def test_opening_a_case_for_an_existing_person(make_person, caseworker_a, login_as, org_a, today):
    person = make_person(by=caseworker_a)
    response = login_as(caseworker_a).post(
        url("open"),
        {"person": str(person.pk), "procedure": "first",
         "registered_on": "۱۴۰۵/۰۹/۰۱", "language": "fr"},
    )  # fmt: skip
    assert response.status_code == 302
    with scope(organisation=org_a):
        case = Case.objects.get(person=person)
        assert list(case.caseworkers.all()) == [caseworker_a]
    assert case.registered_on == dt.date(2026, 11, 22)


def test_an_admin_edits_a_deadline_from_a_date(admin_a, login_as, org_a):
    response = login_as(admin_a).post(
        url("rule_edit"),
        {"code": "call_appeal", "days": "15", "months": "0", "source": "New law, art. 2",
         "effective_from": "2027-01-01"},
    )  # fmt: skip
    assert response.status_code == 302
    page = login_as(admin_a).get(url("rules")).content.decode()
    assert "New law, art. 2" in page and "Aliens Act, art. 39/57" in page


# --- query counts -----------------------------------------------------------------------------


def _count(client, path) -> int:
    """Queries of a page (the menu fragment's cache emptied first, so it is drawn in full)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["list", "deadlines"])
def test_list_views_make_the_same_number_of_queries_for_1_and_3_cases(
    name, make_case, caseworker_a, login_as, today
):
    steps = [lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=2))]
    make_case(caseworkers=[caseworker_a], steps=steps)
    client = login_as(caseworker_a)
    _count(client, url(name))  # warm the per-process key caches
    one = _count(client, url(name))
    make_case(caseworkers=[caseworker_a], steps=steps)
    make_case(caseworkers=[caseworker_a], steps=steps)
    three = _count(client, url(name))
    page = client.get(url(name)).content.decode()
    assert page.count("نرگس") == 3
    assert one == three


def test_the_coordinators_list_of_every_case_makes_the_same_number_of_queries(
    make_case, coordinator_a, login_as, today
):
    make_case()
    client = login_as(coordinator_a)
    _count(client, url("list") + "?all=1")
    one = _count(client, url("list") + "?all=1")
    make_case()
    make_case()
    assert _count(client, url("list") + "?all=1") == one


def test_the_case_page_query_count_does_not_grow_with_its_notes(
    make_case, caseworker_a, login_as, org_a
):
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)
    with scope(organisation=org_a):
        services.add_note(case=case, text="one", by=caseworker_a)
    _count(client, url("detail", pk=case.pk))
    one = _count(client, url("detail", pk=case.pk))
    with scope(organisation=org_a):
        services.add_note(case=case, text="two", by=caseworker_a)
        services.add_note(case=case, text="three", by=caseworker_a)
    assert _count(client, url("detail", pk=case.pk)) == one


def test_the_coordinators_board_of_every_deadline_makes_the_same_number_of_queries(
    make_case, coordinator_a, login_as, today
):
    steps = [lodged(today - dt.timedelta(days=100)), refusal(today - dt.timedelta(days=2))]
    make_case(steps=steps)
    client = login_as(coordinator_a)
    _count(client, url("deadlines") + "?all=1")
    one = _count(client, url("deadlines") + "?all=1")
    make_case(steps=steps)
    make_case(steps=steps)
    assert _count(client, url("deadlines") + "?all=1") == one


def _add_one_of_each(case, by, today, n: int) -> None:
    """A note, a document, an appointment, a referral and a chosen residence (the n-th)."""
    services.add_note(case=case, text=f"note {n}", by=by)
    services.add_document(case=case, upload=b"%PDF-1.4\n%%EOF\n", by=by, description=f"{n}")
    services.schedule_appointment(
        case=case, kind="lawyer", starts_at=timezone.now() + dt.timedelta(days=n), by=by
    )
    services.make_referral(
        case=case, kind="lawyer", recipient=f"Maître {n}", by=by, consent_on=today,
        consent_how="signed_form", consent_scope="the file",
    )  # fmt: skip
    services.record_chosen_residence(
        case=case, address=f"Rue {n}", valid_from=today - dt.timedelta(days=n),
        communicated_how="other", by=by,
    )  # fmt: skip


def test_the_case_page_query_count_does_not_grow_with_its_history_and_work(
    make_case, caseworker_a, login_as, org_a, today
):
    steps = [lodged(today - dt.timedelta(days=100))]
    case = make_case(caseworkers=[caseworker_a], steps=steps)
    client = login_as(caseworker_a)
    with scope(organisation=org_a):
        _add_one_of_each(case, caseworker_a, today, 1)
    _count(client, url("detail", pk=case.pk))
    one = _count(client, url("detail", pk=case.pk))
    with scope(organisation=org_a):
        services.record_step(case=case, by=caseworker_a, step=refusal(today - dt.timedelta(days=2)))
        _add_one_of_each(case, caseworker_a, today, 2)
        _add_one_of_each(case, caseworker_a, today, 3)
    page = client.get(url("detail", pk=case.pk)).content.decode()
    assert "Maître 3" in page and "note 3" in page
    assert _count(client, url("detail", pk=case.pk)) == one


def test_the_calendar_makes_the_same_number_of_queries_for_1_and_3_appointments(
    make_case, caseworker_a, login_as, org_a
):
    case = make_case(caseworkers=[caseworker_a])
    client = login_as(caseworker_a)

    def schedule(n: int) -> None:
        with scope(organisation=org_a):
            services.schedule_appointment(
                case=case, kind="lawyer", starts_at=timezone.now() + dt.timedelta(days=n),
                by=caseworker_a,
            )  # fmt: skip

    schedule(1)
    _count(client, url("calendar"))
    one = _count(client, url("calendar"))
    schedule(2)
    schedule(3)
    assert client.get(url("calendar")).content.count(b"BEGIN:VEVENT") == 3
    assert _count(client, url("calendar")) == one


def test_the_dashboard_shows_the_casework_panels(make_case, caseworker_a, coordinator_a, login_as):
    make_case(caseworkers=[caseworker_a])
    with translation.override("en"):
        assert "My cases" in login_as(caseworker_a).get("/").content.decode()
        page = login_as(coordinator_a).get("/").content.decode()
    assert "Casework" in page and "<svg" in page
