"""No upload is ever written in clear to a temporary file; one over the limit is refused by its form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.cases.models import Case
from panah.core.models import Role
from panah.core.uploads import MemoryOnlyUploadHandler, RefusedUpload
from panah.evidence.models import ImportBatch, SourceKind
from panah.evidence.services import create_source
from panah.people.models import Person, PersonDocument

pytestmark = pytest.mark.django_db

LIMIT = 1024 * 1024
# A PDF a little over the limit, full of what could be a person's details.
OVER = b"%PDF-1.4\n" + b"Narges Hosseini, Rue de la Loi 16, 1000 Bruxelles\n" * 25_000 + b"%%EOF"


@pytest.fixture
def no_temporary_folder(settings, tmp_path):
    """A small memory limit and a temporary folder that does not exist: writing there fails."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    assert len(OVER) > LIMIT
    yield tmp_path / "uploads"
    assert not (tmp_path / "uploads").exists()


def test_a_person_document_over_the_limit_is_refused_and_never_spooled(
    no_temporary_folder, make_person, caseworker_a, login_as
):
    person = make_person(by=caseworker_a)
    response = login_as(caseworker_a).post(
        reverse("people:add_document", args=[person.pk]),
        {"kind": "passport", "file": SimpleUploadedFile("passport.pdf", OVER)},
    )
    assert response.status_code == 200
    assert "files may be at most 1.0\xa0MB" in response.content.decode()
    with scopes_disabled():
        assert not PersonDocument.objects.exists()


def test_a_case_spreadsheet_over_the_limit_is_refused_and_never_spooled(
    no_temporary_folder, admin_a, login_as
):
    rows = b"external_reference,given_name_latin,registered_on\n" + b"A-1,Narges,2024-03-05\n" * (
        LIMIT // 20
    )
    response = login_as(admin_a).post(
        "/cases/import/", {"file": SimpleUploadedFile("people.csv", rows)}
    )
    assert response.status_code == 200
    assert "files may be at most 1.0\xa0MB" in response.content.decode()
    with scopes_disabled():
        assert not Case.objects.exists() and not Person.objects.exists()


def test_an_evidence_file_over_the_limit_is_refused_and_never_spooled(
    no_temporary_folder, org_a, make_member, login_as
):
    researcher = make_member(org_a, [Role.RESEARCHER])
    with scope(organisation=org_a):
        source = create_source(organisation=org_a, name="HRANA", kind=SourceKind.NGO, by=None)
    rows = b"source_reference,name_as_written,date_as_written\n" + b"R-1,Ali,2024-01-01\n" * (
        LIMIT // 16
    )
    response = login_as(researcher).post(
        reverse("evidence:import_upload"),
        {"source": source.pk, "file": SimpleUploadedFile("reports.csv", rows)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "the limit is 1 MB" in page, page[page.find("<main") :][:3000]
    with scopes_disabled():
        assert not ImportBatch.objects.exists()


def test_an_upload_under_the_limit_stays_in_memory(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    handler = MemoryOnlyUploadHandler()
    handler.new_file("file", "a.csv", "text/csv", 10)
    handler.receive_data_chunk(b"0123456789", 0)
    upload = handler.file_complete(10)
    assert isinstance(upload, InMemoryUploadedFile) and upload.read() == b"0123456789"


def test_files_of_one_request_add_up_to_the_limit(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    handler = MemoryOnlyUploadHandler()
    handler.new_file("first", "a.pdf", "application/pdf", 60)
    handler.receive_data_chunk(b"x" * 60, 0)
    first = handler.file_complete(60)
    handler.new_file("second", "b.pdf", "application/pdf", 60)
    handler.receive_data_chunk(b"y" * 60, 0)
    second = handler.file_complete(60)
    assert first.read() == b"x" * 60
    assert isinstance(second, RefusedUpload) and (second.size, second.read()) == (60, b"")
