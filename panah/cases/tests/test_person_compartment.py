"""The person follows the case compartment (issue #11, part A).

Each refusal is tested with a person whose data could leak: a name, a phone number and a
passport scan that the refused member must not see, next to a member who does see them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.cases import services
from panah.core.models import AuditEntry, Role
from panah.people.services import add_document, record_consent

pytestmark = pytest.mark.django_db

THREATENED = {
    "given_name_latin": "Reza",
    "family_name_latin": "Threatened",
    "given_name_fa": "رضا",
    "family_name_fa": "امینی",
    "phone": "+32 469 78 80 93",
    "nationality": "Iranian",
}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def named_a(org_a, make_member):
    return make_member(org_a, [Role.CASEWORKER], email="named-a@example.org")


@pytest.fixture
def threatened(make_person, make_case, org_a, admin_a, caseworker_a, named_a):
    """A person whose case is restricted to `named_a` (and the admin who restricted it), while
    `caseworker_a` stays assigned but is not named; with a passport scan and a consent."""
    person = make_person(**THREATENED)
    case = make_case(caseworkers=[caseworker_a, named_a], person=person)
    with scope(organisation=org_a):
        services.restrict_case(case=case, restricted=True, members=[named_a], by=admin_a)
        document = add_document(
            person=person, kind="passport", document_number="P1234567", upload=PDF, by=admin_a
        )
        consent = record_consent(
            person=person, category="health", legal_basis="consent",
            given_on=dt.date(2026, 1, 15), how_recorded="signed_form", by=admin_a,
        )  # fmt: skip
    return {"person": person, "case": case, "document": document, "consent": consent}


def person_urls(t) -> dict[str, str]:
    pk = t["person"].pk
    return {
        "detail": reverse("people:detail", args=[pk]),
        "edit": reverse("people:edit", args=[pk]),
        "add_consent": reverse("people:add_consent", args=[pk]),
        "document_file": reverse("people:document_file", args=[t["document"].pk]),
        "open_case": reverse("cases:open") + f"?person={pk}",
    }


def test_a_caseworker_assigned_but_not_named_on_a_restricted_case_cannot_reach_the_person(
    threatened, caseworker_a, named_a, login_as
):
    refused = login_as(caseworker_a)
    for name, url in person_urls(threatened).items():
        response = refused.get(url)
        assert (name, response.status_code) == (name, 404)
        assert "Threatened" not in response.content.decode()
    pk = str(threatened["person"].pk)
    assert refused.post(reverse("people:edit", args=[pk]), THREATENED).status_code == 404
    added = refused.post(reverse("people:add_document", args=[pk]), {"kind": "other"})
    assert added.status_code == 404
    assert (
        refused.post(reverse("people:withdraw_consent", args=[threatened["consent"].pk]))
    ).status_code == 404
    opened = refused.post(
        reverse("cases:open"), {"person": pk, "procedure": "first", "registered_on": "2026-11-01"}
    )
    assert opened.status_code == 404
    # The named caseworker, on the same pages, is served the person.
    allowed = login_as(named_a)
    for name, url in person_urls(threatened).items():
        assert (name, allowed.get(url).status_code) == (name, 200)
    assert "+32 469 78 80 93" in allowed.get(person_urls(threatened)["detail"]).content.decode()


def test_the_person_of_a_restricted_case_is_absent_from_the_list_and_the_searches(
    threatened, caseworker_a, named_a, login_as
):
    refused = login_as(caseworker_a)
    for url in (
        reverse("people:list"),
        reverse("people:list") + "?q=Threatened",
        reverse("people:list") + "?q=امینی",
        reverse("people:list") + "?q=P1234567",
        reverse("cases:open") + "?q=Threatened",
    ):
        # The query is echoed back in the page; the first name and the phone are not in it.
        body = refused.get(url).content.decode()
        assert "Reza" not in body and "رضا" not in body
        assert "Reza" in login_as(named_a).get(url).content.decode()


def test_a_coordinator_not_named_on_a_restricted_case_is_refused_its_person(
    threatened, org_a, make_member, login_as
):
    coordinator = make_member(org_a, [Role.COORDINATOR, Role.ADMIN], email="coord-a@example.org")
    client = login_as(coordinator)
    pk = threatened["person"].pk
    for url in [
        *person_urls(threatened).values(),
        reverse("people:erase", args=[pk]),
        reverse("people:export", args=[pk]),
    ]:
        assert (url, client.get(url).status_code) == (url, 404)
    assert "Threatened" not in client.get(reverse("people:list")).content.decode()


def test_a_caseworker_sees_the_people_of_their_cases_and_not_of_a_colleagues(
    make_person, make_case, org_a, caseworker_a, make_member, login_as
):
    colleague = make_member(org_a, [Role.CASEWORKER], email="colleague-a@example.org")
    mine = make_case(caseworkers=[caseworker_a], person=make_person(given_name_latin="Mine"))
    theirs = make_case(caseworkers=[colleague], person=make_person(given_name_latin="Theirs"))
    client = login_as(caseworker_a)
    assert client.get(reverse("people:detail", args=[mine.person_id])).status_code == 200
    assert client.get(reverse("people:detail", args=[theirs.person_id])).status_code == 404
    listed = client.get(reverse("people:list")).content.decode()
    assert "Mine" in listed and "Theirs" not in listed
    # A coordinator sees both.
    coordinator = login_as(make_member(org_a, [Role.COORDINATOR]))
    listed = coordinator.get(reverse("people:list")).content.decode()
    assert "Mine" in listed and "Theirs" in listed


def test_a_caseworker_registers_a_person_and_opens_their_first_case(
    org_a, caseworker_a, make_member, make_person, login_as
):
    client = login_as(caseworker_a)
    registered = client.post(
        reverse("people:create"), {"given_name_latin": "Newcomer", "family_name_latin": "Own"}
    )
    assert registered.status_code == 302
    detail = registered["Location"]
    assert client.get(detail).status_code == 200
    # A colleague's newly registered person, without a case, is not theirs to see.
    colleague = make_member(org_a, [Role.CASEWORKER])
    other = make_person(by=colleague, given_name_latin="Elsewhere", family_name_latin="Other")
    assert client.get(reverse("people:detail", args=[other.pk])).status_code == 404
    listed = client.get(reverse("people:list")).content.decode()
    assert "Newcomer" in listed and "Elsewhere" not in listed
    pk = detail.rstrip("/").rsplit("/", 1)[-1]
    opened = client.post(
        reverse("cases:open"), {"person": pk, "procedure": "first", "registered_on": "2026-11-01"}
    )
    assert opened.status_code == 302
    # The opener follows the case, so the person stays theirs.
    assert client.get(detail).status_code == 200


def test_a_second_restricted_case_closes_the_person_to_a_caseworker_of_the_first(
    make_person, make_case, org_a, admin_a, caseworker_a, named_a, login_as
):
    person = make_person(**THREATENED)
    make_case(caseworkers=[caseworker_a], person=person)
    second = make_case(caseworkers=[named_a], person=person)
    client = login_as(caseworker_a)
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200
    with scope(organisation=org_a):
        services.restrict_case(case=second, restricted=True, members=[named_a], by=admin_a)
    response = client.get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 404 and "Threatened" not in response.content.decode()


# --- audited reads ----------------------------------------------------------------------------


def reads(org, action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(organisation=org, action=action).order_by("pk"))


def test_the_edit_form_records_a_read_of_the_person(make_person, org_a, caseworker_a, login_as):
    person = make_person(by=caseworker_a, **THREATENED)
    response = login_as(caseworker_a).get(reverse("people:edit", args=[person.pk]))
    assert "+32 469 78 80 93" in response.content.decode()
    [entry] = reads(org_a, "person.viewed")
    assert (entry.actor, entry.object_id, entry.data) == (
        caseworker_a,
        str(person.pk),
        {"page": "edit"},
    )


def test_reading_through_the_edit_page_raises_the_read_burst_alert(
    make_person, org_a, admin_a, make_member, login_as, settings, django_capture_on_commit_callbacks
):
    settings.READ_ALERT_COUNT = 5
    coordinator = make_member(org_a, [Role.COORDINATOR], email="reader-a@example.org")
    people = [make_person(given_name_latin=f"Person{i}", family_name_latin="X") for i in range(6)]
    client = login_as(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            assert client.get(reverse("people:edit", args=[person.pk])).status_code == 200
    [alert] = reads(org_a, "security.read_burst")
    assert alert.data["reads"] == 5
    from django.core import mail

    assert [m.to for m in mail.outbox] == [[admin_a.email]]


def test_the_whole_case_list_the_deadlines_and_the_person_picker_are_audited_reads(
    make_case, make_person, org_a, admin_a, caseworker_a, login_as
):
    case = make_case(caseworkers=[caseworker_a])
    admin = login_as(admin_a)
    assert "Narges" in admin.get(reverse("cases:list") + "?all=1").content.decode()
    assert [e.data for e in reads(org_a, "case_list.viewed")] == [{"everyone": True, "page": "1"}]
    admin.get(reverse("cases:deadlines") + "?all=1")
    assert [e.data for e in reads(org_a, "deadline_list.viewed")] == [
        {"everyone": True, "page": "1"}
    ]
    picker = admin.get(reverse("cases:open") + "?q=Hosseini")
    assert "Narges" in picker.content.decode()
    [listed] = reads(org_a, "person_list.viewed")
    assert listed.data == {"shown": [str(case.person_id)], "searched": True}
    admin.get(reverse("cases:open") + f"?person={case.person_id}")
    assert [(e.object_id, e.data) for e in reads(org_a, "person.viewed")] == [
        (str(case.person_id), {"page": "open_case"})
    ]


# --- malformed ids ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("get", "/cases/new/?person=not-a-uuid", None),
        ("get", "/cases/new/?person=12", None),
        ("post", "/cases/new/", {"person": "not-a-uuid", "procedure": "first"}),
        ("post", "/cases/new/", {"person": "'; drop table", "procedure": "first"}),
    ],
)
def test_a_malformed_id_is_not_found(method, url, data, make_case, admin_a, login_as):
    make_case()  # something that could be found
    response = getattr(login_as(admin_a), method)(url, data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/people/not-a-uuid/",
        "/people/documents/not-a-uuid/file/",
        "/cases/not-a-uuid/",
        "/cases/documents/12/file/",
        "/audit/?member=not-a-number&object_id=x",
        "/cases/rules/edit/?code=../../etc",
    ],
)
def test_malformed_ids_in_paths_and_query_strings_never_break_the_server(
    url, make_case, admin_a, org_a, make_member, login_as
):
    make_case()
    member = make_member(org_a, Role.values)
    response = login_as(member).get(url)
    assert response.status_code in (200, 404)


def test_naming_a_caseworker_on_a_restricted_case_does_not_assign_it_to_them(
    make_case, org_a, admin_a, caseworker_a, named_a, login_as
):
    # Restricting narrows who may open a case, never widens it: named but not assigned, the
    # caseworker finds the case in no list, so the case page does not open to them either.
    case = make_case(caseworkers=[caseworker_a])
    with scope(organisation=org_a):
        services.restrict_case(
            case=case, restricted=True, members=[caseworker_a, named_a], by=admin_a
        )
    client = login_as(named_a)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("people:detail", args=[case.person_id])).status_code == 404
    assert "Narges" not in client.get(reverse("cases:list")).content.decode()
    assert login_as(caseworker_a).get(reverse("cases:detail", args=[case.pk])).status_code == 200
