"""The people pages: who may open them, what they show, what they write to the audit trail."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from panah.core.models import AuditEntry, Role
from panah.people.models import Person, PersonDocument

from .conftest import NARGES


@pytest.fixture
def researcher_a(org_a, make_member):
    return make_member(org_a, [Role.RESEARCHER], email="researcher-a@example.org")


def entries(action: str) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action=action).order_by("sequence"))


def test_a_caseworker_sees_the_list_with_names_in_both_scripts(make_person, caseworker_a, login_as):
    make_person(by=caseworker_a)
    response = login_as(caseworker_a).get(reverse("people:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Narges Hosseini" in body and "نرگس حسینی" in body
    assert [e.data["searched"] for e in entries("person_list.viewed")] == [False]


def test_a_researcher_may_not_see_people(make_person, researcher_a, login_as):
    make_person()
    client = login_as(researcher_a)
    assert client.get(reverse("people:list")).status_code == 403


def test_another_organisations_person_is_not_found(make_person, org_b, admin_a, login_as):
    person = make_person(org=org_b)
    response = login_as(admin_a).get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 404


def test_opening_a_person_is_audited_without_any_personal_value(
    make_person, caseworker_a, login_as
):
    person = make_person(by=caseworker_a)
    response = login_as(caseworker_a).get(reverse("people:detail", args=[person.pk]))
    assert response.status_code == 200
    assert "Rue de la Loi 16, 1000 Bruxelles" in response.content.decode()
    [entry] = entries("person.viewed")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        caseworker_a,
        "people.person",
        str(person.pk),
    )
    assert entry.data == {}


def test_search_finds_a_persian_name(make_person, caseworker_a, login_as):
    make_person(by=caseworker_a)
    make_person(
        by=caseworker_a, given_name_latin="Ali", family_name_latin="Rezaei", family_name_fa="رضایی"
    )
    response = login_as(caseworker_a).get(reverse("people:list"), {"q": "حسيني"})
    body = response.content.decode()
    assert "Narges Hosseini" in body and "Rezaei" not in body
    assert [e.data["searched"] for e in entries("person_list.viewed")] == [True]


def test_the_list_costs_the_same_queries_for_one_or_three_people(
    make_person, caseworker_a, login_as
):
    client = login_as(caseworker_a)
    make_person(by=caseworker_a)
    client.get(reverse("people:list"))  # warm the session and the key caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("people:list")).status_code == 200
        return len(queries)

    one = count()
    make_person(by=caseworker_a, given_name_latin="Ali")
    make_person(by=caseworker_a, given_name_latin="Sara")
    assert count() == one


def test_registering_a_person(caseworker_a, login_as, org_a):
    response = login_as(caseworker_a).post(
        reverse("people:create"),
        {
            "given_name_fa": "علی",
            "family_name_latin": "Rezaei",
            "date_of_birth": "1990-05-01",
            "languages": ["fa", "nl"],
            "phone": "+32 470 00 11 22",
        },
    )
    with scopes_disabled():
        person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert (person.given_name_fa, person.family_name_latin, person.languages) == (
        "علی",
        "Rezaei",
        ["fa", "nl"],
    )
    [entry] = entries("person.created")
    assert entry.data == {
        "fields": ["date_of_birth", "family_name_latin", "given_name_fa", "languages", "phone"]
    }


def test_a_person_needs_a_name(caseworker_a, login_as):
    response = login_as(caseworker_a).post(reverse("people:create"), {"phone": "+32 470"})
    assert response.status_code == 200
    assert "Give at least one name, in Persian or Latin script." in response.content.decode()
    with scopes_disabled():
        assert not Person.objects.exists()


def test_editing_records_which_fields_changed(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    data = {**NARGES, "date_of_birth": "1988-03-21", "phone": "+32 499 99 99 99"}
    response = login_as(caseworker_a).post(reverse("people:edit", args=[person.pk]), data)
    assert response.status_code == 302
    with scopes_disabled():
        assert Person.objects.get().phone == "+32 499 99 99 99"
    assert [e.data for e in entries("person.updated")] == [{"fields": ["phone"]}]


def test_a_record_that_does_not_decrypt_shows_an_error_and_no_data(
    make_person, caseworker_a, login_as
):
    person = make_person(by=caseworker_a)
    with connection.cursor() as cursor:
        pk = person.pk.hex if connection.vendor == "sqlite" else person.pk
        cursor.execute("UPDATE people_person SET address = given_name_latin WHERE id = %s", [pk])
    response = login_as(caseworker_a).get(reverse("people:detail", args=[person.pk]))
    body = response.content.decode()
    assert response.status_code == 500
    assert "This record cannot be opened" in body
    assert f"people_person.address of row {person.pk} does not decrypt" in body
    assert "Narges" not in body and "Hosseini" not in body


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 50.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 0, 255)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_document_is_uploaded_encrypted_and_downloaded_clean(
    make_person, caseworker_a, login_as, settings
):
    person = make_person(by=caseworker_a)
    client = login_as(caseworker_a)
    response = client.post(
        reverse("people:add_document", args=[person.pk]),
        {
            "kind": "passport",
            "document_number": "P1234567",
            "file": SimpleUploadedFile("narges-passport.jpg", _photo_with_gps()),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        document = PersonDocument.objects.get()
    with open(
        f"{settings.ENCRYPTED_FILES_DIR}/{document.stored_file[:2]}/{document.stored_file}", "rb"
    ) as fh:
        on_disk = fh.read()
    assert b"JFIF" not in on_disk and b"\xff\xd8\xff" not in on_disk[:3]
    download = client.get(reverse("people:document_file", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="passport.jpg"'
    with Image.open(io.BytesIO(download.content)) as image:
        assert dict(image.getexif()) == {}
    assert [e.object_id for e in entries("person_document.viewed")] == [str(document.pk)]


def test_a_refused_upload_says_why(make_person, caseworker_a, login_as):
    person = make_person(by=caseworker_a)
    response = login_as(caseworker_a).post(
        reverse("people:add_document", args=[person.pk]),
        {"kind": "other", "file": SimpleUploadedFile("notes.txt", b"just text")},
    )
    assert response.status_code == 200
    assert (
        "Only JPEG and PNG images and PDF documents can be uploaded." in response.content.decode()
    )
    with scopes_disabled():
        assert not PersonDocument.objects.exists()
