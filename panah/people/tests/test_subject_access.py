"""Subject access export: everything about one person, decrypted, as JSON and PDF; audited."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.models import AuditEntry, Role
from panah.core.reauth import REAUTH_SESSION_KEY
from panah.people.erasure import erase_person
from panah.people.subject_access import export_person

from .test_erasure import open_case_of


@pytest.fixture
def coordinator_a(org_a, make_member):
    return make_member(org_a, [Role.COORDINATOR], email="coordinator-a@example.org")


def reauthenticated(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def values(data: dict) -> dict[str, str]:
    """Every label -> value of the export, in reading order (a later one wins)."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            for item in node.get("items", []):
                found[item["label"]] = item["value"]
            for key in ("sections", "records", "parts"):
                for child in node.get(key, []):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    return found


def with_a_case(person, by):
    case = open_case_of(person, by=by)
    from panah.cases import services as cases

    with scope(organisation=person.organisation):
        cases.record_step(
            case=case, by=by, step=cases.StepInput("application_lodged", dt.date(2024, 8, 2))
        )
    return case


def test_the_json_is_written_for_the_person_in_their_language(make_person, admin_a):
    person = make_person()
    with_a_case(person, admin_a)
    export = export_person(person, by=admin_a, fmt="json", language="fr")
    assert export.content_type == "application/json"
    text = export.content.decode()
    data = json.loads(text)
    shown = values(data)
    assert shown["Nom de famille (écriture latine)"] == "Hosseini"
    assert shown["Nom de famille (écriture persane)"] == "حسینی"
    assert shown["Date de naissance"] == "21 mars 1988"
    assert shown["Genre"] == "Femme"
    assert shown["Langues"] == "Persan, Français"
    assert shown["En détention"] == "Non"
    assert shown["Étape"] == "Demande introduite (annexe 26)"
    assert shown["Note"] == "Fled after the arrest of her brother"
    # What each kind of record is and why it is kept, with its legal basis.
    assert all(section["about"] for section in data["sections"])
    assert "9(2)(f)" in text and "article 15" in text
    # No internal id, storage column, code, raw timestamp or Python value.
    for leak in (str(person.pk), "data_key", "application_lodged", "female", "False", "True",
                 "T00:", "+00:00", "organisation_id", "stored_file"):  # fmt: skip
        assert leak not in text, leak


def test_in_persian_dates_are_in_the_solar_hijri_calendar_with_persian_digits(make_person, admin_a):
    person = make_person()
    with_a_case(person, admin_a)
    data = json.loads(export_person(person, by=admin_a, fmt="json", language="fa").content)
    shown = values(data)
    assert shown["تاریخ تولد"].startswith("۱ فروردین ۱۳۶۷ (")
    assert "۲۱ مارس ۱۹۸۸" in shown["تاریخ تولد"]
    assert shown["تلفن"] == "+32 470 12 34 56"  # isolated left to right in the PDF


def test_the_pdf_is_a_pdf_in_persian_too(make_person, caplog):
    person = make_person()
    for language in ("fa", "fr"):
        export = export_person(person, by=None, fmt="pdf", language=language)
        assert export.content.startswith(b"%PDF")
        assert export.content_type == "application/pdf"
    # The bundled font loads (WeasyPrint only warns when it does not), and nothing else was fetched.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_the_export_is_audited_with_format_and_language_only(make_person, admin_a):
    person = make_person()
    export_person(person, by=admin_a, fmt="json", language="nl")
    with scopes_disabled():
        [entry] = AuditEntry.objects.filter(action="person.exported")
    assert entry.object_id == str(person.pk)
    # Each app's section is counted (how many records), never shown.
    sections = ("cases", "shelter", "accommodation", "hosting", "safety_incidents",
                "risk_assessments", "safety_plans", "safety_referrals")  # fmt: skip
    assert entry.data == {"format": "json", "language": "nl", **dict.fromkeys(sections, 0)}


def test_unknown_formats_languages_and_erased_people_are_refused(make_person):
    person = make_person()
    with pytest.raises(ValidationError):
        export_person(person, by=None, fmt="xml", language="en")
    with pytest.raises(ValidationError):
        export_person(person, by=None, fmt="json", language="de")
    erase_person(person, by=None, reason="subject_request")
    person.refresh_from_db()
    with pytest.raises(ValidationError):
        export_person(person, by=None, fmt="json", language="en")


def test_the_export_page_asks_for_re_authentication(make_person, coordinator_a, login_as):
    person = make_person()
    response = login_as(coordinator_a).post(
        reverse("people:export", args=[person.pk]), {"format": "json", "language": "en"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:reauthenticate"))


def test_a_caseworker_may_not_export(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    client = reauthenticated(login_as(caseworker_a))
    response = client.post(
        reverse("people:export", args=[person.pk]), {"format": "json", "language": "en"}
    )
    assert response.status_code == 403


def test_a_coordinator_downloads_the_json(make_person, coordinator_a, login_as):
    person = make_person()
    client = reauthenticated(login_as(coordinator_a))
    url = reverse("people:export", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    # The page says what the export holds, the shelter and safety records included.
    assert "shelter and safety records" in page.content.decode()
    response = client.post(url, {"format": "json", "language": "fa"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    assert values(json.loads(response.content))["نام (خط لاتین)"] == "Narges"
