"""Subject access export: everything about one person, decrypted, as JSON and PDF; audited."""

from __future__ import annotations

import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

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


def field(record: dict, name: str):
    return next(f["value"] for f in record["fields"] if f["name"] == name)


def test_the_json_holds_the_decrypted_person_and_their_cases(make_person, admin_a):
    person = make_person()
    open_case_of(person, by=admin_a)
    export = export_person(person, by=admin_a, fmt="json", language="en")
    assert export.content_type == "application/json"
    data = json.loads(export.content)
    assert field(data["person"], "family_name_latin") == "Hosseini"
    assert field(data["person"], "family_name_fa") == "حسینی"
    assert field(data["person"], "date_of_birth") == "1988-03-21"
    assert field(data["person"], "gender") == {"code": "female", "label": "Female"}
    [case] = data["cases"]
    assert [field(n, "text") for n in case["notes"]] == ["Fled after the arrest of her brother"]
    assert [field(d, "description") for d in case["documents"]] == ["Statement"]
    assert "data_key_wrapped" not in export.content.decode()


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
    assert entry.data == {"format": "json", "language": "nl", "cases": 0}


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
    assert client.get(url).status_code == 200
    response = client.post(url, {"format": "json", "language": "fa"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    assert field(json.loads(response.content)["person"], "given_name_latin") == "Narges"
