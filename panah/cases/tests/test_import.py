"""Importing people and cases from CSV and XLSX: all or nothing, idempotent, either calendar."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook

from panah.cases.importing import RowError, import_cases, parse_date
from panah.cases.models import Case
from panah.core import audit
from panah.core.models import AuditEntry, Role, RoleGrant
from panah.people.models import Person

pytestmark = pytest.mark.django_db

CSV = (
    "external_reference,given_name_latin,family_name_latin,given_name_fa,registered_on,procedure,detained\n"
    "A-1,Reza,Karimi,رضا,2024-03-05,first,no\n"
    "A-2,Sara,Amini,سارا,۱۴۰۲/۱۲/۱۵,subsequent,yes\n"
    "A-3,Kaveh,Nouri,,05/01/2024,dublin,\n"
)


def run(org, user, data: str | bytes, *, filename="people.csv", **kw):
    with scope(organisation=org):
        return import_cases(
            organisation=org,
            by=user,
            file=data.encode() if isinstance(data, str) else data,
            filename=filename,
            **kw,
        )


def test_dates_are_read_in_either_calendar_and_either_digits():
    assert parse_date("2024-03-05") == dt.date(2024, 3, 5)
    assert parse_date("05/03/2024") == dt.date(2024, 3, 5)
    assert parse_date("1402/12/15") == dt.date(2024, 3, 5)
    assert parse_date("۱۴۰۲/۱۲/۱۵") == dt.date(2024, 3, 5)


def test_a_good_file_creates_every_person_and_case(org_a, admin_a):
    report = run(org_a, admin_a, CSV)
    assert (report.rows, report.created, report.errors, report.saved) == (3, 3, [], True)
    with scope(organisation=org_a):
        (sara,) = [c for c in Case.objects.all() if c.external_reference == "A-2"]
        assert (sara.registered_on, sara.procedure, sara.detained) == (
            dt.date(2024, 3, 5),
            "subsequent",
            True,
        )
        assert sara.person.name_fa == "سارا"


def test_importing_the_same_file_twice_creates_nothing_the_second_time(org_a, admin_a):
    run(org_a, admin_a, CSV)
    again = run(org_a, admin_a, CSV)
    assert (again.created, again.already_imported, again.errors) == (0, 3, [])
    with scope(organisation=org_a):
        assert Person.objects.count() == 3


def test_a_dry_run_reports_and_saves_nothing(org_a, admin_a):
    report = run(org_a, admin_a, CSV, dry_run=True)
    assert (report.created, report.saved, report.errors) == (3, False, [])
    with scope(organisation=org_a):
        assert not Case.objects.exists()


def test_a_broken_date_column_saves_nothing_and_names_row_and_field(org_a, admin_a):
    broken = CSV.replace("05/01/2024", "31/02/2024").replace("2024-03-05", "yesterday")
    report = run(org_a, admin_a, broken)
    assert [(e.row, e.field) for e in report.errors] == [(2, "registered_on"), (4, "registered_on")]
    assert "is not a date" in report.errors[0].message
    with scope(organisation=org_a):
        assert (Person.objects.count(), Case.objects.count()) == (0, 0)


def test_a_column_mapping_reads_the_associations_own_headers(org_a, admin_a):
    data = "File no.;Name;تاریخ ثبت\nB-7;Leila;1403/01/01\n"
    report = run(
        org_a,
        admin_a,
        data,
        mapping={"external_reference": "File no.", "given_name_latin": "Name",
                 "registered_on": "تاریخ ثبت"},
    )  # fmt: skip
    assert (report.created, report.errors) == (1, [])
    with scope(organisation=org_a):
        assert Case.objects.get().registered_on == dt.date(2024, 3, 20)


def test_a_missing_required_column_is_reported_on_the_header_row(org_a, admin_a):
    report = run(org_a, admin_a, "given_name_latin\nReza\n")
    assert report.errors == [
        RowError(1, "external_reference", "no column named 'external_reference'"),
        RowError(1, "registered_on", "no column named 'registered_on'"),
    ]


def test_an_xlsx_file_with_real_date_cells_imports(org_a, admin_a):
    book = Workbook()
    sheet = book.active
    sheet.append(["external_reference", "given_name_latin", "registered_on", "caseworker_email"])
    sheet.append(["X-1", "Amir", dt.datetime(2024, 6, 1), "admin-a@example.org"])
    out = io.BytesIO()
    book.save(out)
    report = run(org_a, admin_a, out.getvalue(), filename="people.xlsx")
    assert (report.created, report.errors) == (1, [])
    with scope(organisation=org_a):
        case = Case.objects.get()
        assert (case.registered_on, list(case.caseworkers.all())) == (
            dt.date(2024, 6, 1),
            [admin_a],
        )


def test_the_command_imports_and_refuses_a_broken_file(org_a, admin_a, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text(CSV.replace("2024-03-05", "2024-13-45"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("cases", "import", str(path), "--organisation", "org-a", "--by", admin_a.email)
    assert "row 2, registered_on" in capsys.readouterr().err
    path.write_text(CSV)
    call_command("cases", "import", str(path), "--organisation", "org-a", "--by", admin_a.email)
    with scope(organisation=org_a):
        assert Case.objects.count() == 3


def test_the_import_page_shows_the_report(admin_a, login_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login_as(admin_a).post(
        "/cases/import/",
        {"file": SimpleUploadedFile("p.csv", CSV.replace("2024-03-05", "nope").encode()),
         "dry_run": "on"},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith("/cases/import/tasks/")
    assert "nothing was imported" in page and "registered_on" in page


# --- at scale: what each row costs ------------------------------------------------------------


def _rows(n: int, first: int = 1) -> str:
    lines = ["external_reference,given_name_latin,registered_on,caseworker_email"]
    lines += [f"S-{i},Reza,2024-03-05,caseworker-a@example.org" for i in range(first, first + n)]
    return "\n".join(lines) + "\n"


def test_the_key_rule_table_and_members_are_read_once_per_import_not_per_row(
    org_a, admin_a, caseworker_a
):
    """A lookup per row made an import of 10,000 rows read the active key 20,000 times."""
    once = ("core_organisationkey", "cases_ruletableedit", "core_membership", "core_rolegrant")

    def lookups(n: int, first: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            report = run(org_a, admin_a, _rows(n, first))
        assert report.created == n, report.errors
        selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        return sum(1 for sql in selects if any(f'FROM "{table}"' in sql for table in once))

    lookups(1, first=100)  # the organisation's first key is created by the first import
    assert lookups(2, first=1) == lookups(6, first=10)


def test_an_imports_audit_trail_verifies_and_a_refused_import_leaves_nothing_in_it(
    org_a, admin_a, caseworker_a
):
    chain = audit.chain_name(org_a)
    run(org_a, admin_a, _rows(3))
    with scopes_disabled():
        before = AuditEntry.objects.filter(chain=chain).count()
    # Row 3 names no caseworker of the organisation: found only when its case is opened.
    broken = _rows(3, first=10).replace(
        "S-12,Reza,2024-03-05,caseworker-a", "S-12,Reza,2024-03-05,admin-a"
    )
    with scopes_disabled():
        RoleGrant.objects.filter(membership__user=admin_a).update(role=Role.AUDITOR)
    report = run(org_a, admin_a, broken)
    assert not report.saved and [e.row for e in report.errors] == [4]
    with scopes_disabled():
        assert AuditEntry.objects.filter(chain=chain).count() == before
    assert audit.verify_chain(chain) is None


def test_an_import_writes_its_key_shares_to_disk_before_it_takes_the_audit_head(
    org_a, admin_a, caseworker_a, monkeypatch
):
    """The shares' fsyncs (about 5 ms each: 2.5 s for 500 rows) ran while the import held the
    organisation's audit head, and every colleague's audited write waited behind them."""
    from panah.core.crypto import keys

    real_sync = keys._sync_shares
    pending_when_synced = []

    def sync(paths):
        with scopes_disabled():
            pending_when_synced.append(
                AuditEntry.objects.filter(chain__startswith=f"org-{org_a.pk}/pending-").count()
            )
        real_sync(paths)

    monkeypatch.setattr(keys, "_sync_shares", sync)
    report = run(org_a, admin_a, _rows(3))
    assert report.saved
    # Still under the batch's own name when the shares were synced: not chained, head not taken.
    assert pending_when_synced and pending_when_synced[-1] > 0
    assert audit.verify_chain(audit.chain_name(org_a)) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writing transaction at a time: a rotation cannot overlap an import",
)
def test_a_key_rotation_during_an_import_waits_and_then_rewraps_the_imported_people(org_a):
    """The import holds the organisation's active key for its whole transaction; a rotation
    started meanwhile must not leave the import's people under the key it retires."""
    from panah.cases.services import bulk
    from panah.core.crypto.keys import active_organisation_key
    from panah.core.crypto.rotation import rotate_organisation_key
    from panah.people.services import create_person

    old_key = active_organisation_key(org_a.pk).key_id
    started, finish, rotated = threading.Event(), threading.Event(), threading.Event()
    failures = []

    def importing():
        try:
            with scope(organisation=org_a), transaction.atomic(), bulk(org_a):
                # Nothing written yet (so no audit entry locks the organisation's chain): only
                # the lock on the key keeps the rotation waiting.
                started.set()
                finish.wait(10)
                create_person(organisation=org_a, by=None, given_name_latin="Imported")
                create_person(organisation=org_a, by=None, given_name_latin="Imported too")
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    def rotating():
        try:
            started.wait(10)
            rotate_organisation_key(org_a)
            rotated.set()
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=importing), threading.Thread(target=rotating)]
    for thread in threads:
        thread.start()
    assert started.wait(10)
    assert not rotated.wait(0.5), "the rotation did not wait for the import's transaction"
    finish.set()
    for thread in threads:
        thread.join(20)
    assert not failures and rotated.is_set()
    with scope(organisation=org_a):
        keys_used = set(Person.objects.values_list("data_key_org_key_id", flat=True))
        assert Person.objects.count() == 2
    assert old_key not in keys_used and len(keys_used) == 1
