"""Importing report files: all or nothing, idempotent, with a row-level report."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import shutil
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from panah.core.models import AuditEntry
from panah.evidence import importing, services
from panah.evidence.models import ImportBatch, ImportStatus, Report, Source

from .conftest import EXAMPLES, row

pytestmark = pytest.mark.django_db


def run(source, path, **kwargs) -> ImportBatch:
    return services.import_reports(
        organisation=source.organisation, source=source, path=path, file_name=path.name, **kwargs
    )


def errors(batch: ImportBatch) -> list[tuple]:
    return [(p["row"], p["field"], p["message"]) for p in batch.errors]


def test_a_valid_csv_is_imported_with_its_dates_read_and_names_normalised(source_a, write_csv):
    path = write_csv(
        [
            row(source_reference="R-1", name_as_written="محمد حسيني", date_as_written="۱۱ دی ۱۴۰۲"),
            row(
                source_reference="R-2",
                name_as_written="Ali Rezaei",
                date_as_written="January 2024",
                age="41",
                announced="no",
                verification="confirmed",
                identity_confirmed="yes",
            ),
        ]  # fmt: skip
    )
    batch = run(source_a, path)

    assert (batch.status, batch.row_count, batch.created_count, batch.error_count) == (
        ImportStatus.IMPORTED, 2, 2, 0,
    )  # fmt: skip
    first, second = Report.objects.order_by("source_reference")
    assert (first.date_start, first.date_end, first.date_precision, first.calendar) == (
        dt.date(2024, 1, 1), dt.date(2024, 1, 1), "day", "jalali",
    )  # fmt: skip
    assert first.name_as_written == "محمد حسيني"  # kept as written
    assert first.name_canonical == "محمد حسینی"  # Persian yeh
    assert first.batch == batch and first.source == source_a
    assert (second.date_start, second.date_end, second.date_precision) == (
        dt.date(2024, 1, 1), dt.date(2024, 1, 31), "month",
    )  # fmt: skip
    assert (second.age, second.announced, second.verification, second.identity_confirmed) == (
        41, "no", "confirmed", True,
    )  # fmt: skip
    assert batch.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    entry = AuditEntry.objects.filter(action="evidence.import_imported").get()
    assert entry.data == {"source": source_a.pk, "rows": 2, "created": 2, "errors": 0,
                          "sha256": batch.sha256}  # fmt: skip


def test_re_importing_the_same_file_changes_nothing(source_a, write_csv):
    path = write_csv([row(source_reference="R-1"), row(source_reference="R-2")])
    run(source_a, path)
    before = list(Report.objects.values_list("pk", "source_reference", "batch_id"))

    again = run(source_a, path)

    assert (again.status, again.created_count, again.unchanged_count) == ("imported", 0, 2)
    assert list(Report.objects.values_list("pk", "source_reference", "batch_id")) == before


def test_a_reference_imported_before_with_other_values_is_kept_and_reported(source_a, write_csv):
    run(source_a, write_csv([row(source_reference="R-1", date_as_written="1402/10/11")]))
    batch = run(
        source_a,
        write_csv([row(source_reference="R-1", date_as_written="1402/10/12")], name="new.csv"),
    )
    assert (batch.status, batch.created_count, batch.conflict_count) == ("imported", 0, 1)
    assert batch.warnings[0]["message"] == (
        "already imported with other values in date_as_written, date_start, date_end; "
        "the stored report is kept unchanged"
    )
    assert Report.objects.get().date_start == dt.date(2024, 1, 1)


def test_a_dry_run_reports_what_would_happen_and_saves_no_report(source_a, write_csv):
    batch = run(source_a, write_csv([row(source_reference="R-1"), row(source_reference="R-2")]),
                dry_run=True)  # fmt: skip
    assert (batch.status, batch.dry_run, batch.created_count) == ("dry_run", True, 2)
    assert Report.objects.count() == 0


def test_one_bad_row_refuses_the_whole_file_with_a_row_level_report(source_a, write_csv):
    path = write_csv(
        [
            row(source_reference="R-1"),
            row(source_reference="R-2", date_as_written="30 Esfand 1402"),
            row(source_reference="R-3", age="two hundred", gender="x"),
            row(source_reference=""),
        ]
    )
    batch = run(source_a, path)

    assert batch.status == ImportStatus.FAILED
    assert Report.objects.count() == 0
    assert errors(batch) == [
        (3, "date_as_written", "'30 Esfand 1402': Esfand 1402 has only 29 days (1402 is not a "
                               "leap year in the Solar Hijri calendar)"),
        (4, "age", "'two hundred' is not an age in years"),
        (4, "gender", "'x' is not one of: female, male, unknown"),
        (5, "source_reference", "the source reference is empty"),
    ]  # fmt: skip
    assert batch.errors[0]["column"] == "date_as_written"


def test_an_error_in_the_last_chunk_undoes_the_rows_already_written(source_a, write_csv):
    rows = [row(source_reference=f"R-{i}") for i in range(services.CHUNK + 5)]
    rows.append(row(source_reference="R-last", date_as_written="1402/13/01"))
    batch = run(source_a, write_csv(rows))
    assert (batch.status, batch.error_count) == ("failed", 1)
    assert Report.objects.count() == 0


def test_the_collector_is_paused_during_an_import_and_back_on_after_a_refusal(source_a, write_csv):
    # A paused collector saves a tenth of a large import; it must never stay off after one.
    rows = [row(source_reference=f"R-{i}") for i in range(services.CHUNK + 5)]
    rows.append(row(source_reference="R-last", date_as_written="1402/13/01"))
    collecting = []
    batch = run(source_a, write_csv(rows), progress=lambda done: collecting.append(gc.isenabled()))
    assert batch.status == "failed"
    assert collecting and not any(collecting)
    assert gc.isenabled()


def test_rows_repeated_in_a_file_are_imported_once_and_conflicting_ones_refused(
    source_a, write_csv
):
    same = run(source_a, write_csv([row(), row(), row(source_reference="R-2")]), dry_run=True)
    assert (same.status, same.created_count, same.duplicate_count) == ("dry_run", 2, 1)
    assert same.warnings[0]["message"] == "repeats row 2 exactly; imported once"

    clash = run(source_a, write_csv([row(), row(age="30")], name="clash.csv"))
    assert errors(clash) == [
        (3, "source_reference", "has the same source reference as row 2 but other values")
    ]
    assert Report.objects.count() == 0


def test_a_missing_required_column_is_refused_before_any_row(source_a, write_csv):
    path = write_csv([{"source_reference": "R-1", "name_as_written": "Ali"}])
    batch = run(source_a, path)
    assert batch.status == "failed"
    assert batch.file_error == (
        "The file has no column for date_as_written. The file's columns are: "
        "'source_reference', 'name_as_written'. Rename the columns or give a mapping "
        '({"their column": "our field"}).'
    )


def test_a_file_that_is_not_utf8_is_refused_with_the_line(source_a, write_csv):
    path = write_csv(
        [row(), row(source_reference="R-2", name_as_written="Zoë")], encoding="latin-1"
    )
    batch = run(source_a, path)
    assert batch.file_error.startswith("The file is not UTF-8 text: byte ")
    assert "(line 3)" in batch.file_error
    assert Report.objects.count() == 0


def test_a_utf16_file_gets_a_hint(source_a, write_csv):
    path = write_csv([row()], encoding="utf-16")
    assert run(source_a, path).file_error == (
        "The file is in UTF-16 (Excel's 'Unicode text'). Save it as 'CSV UTF-8' instead."
    )


def test_csv_with_bom_and_semicolons_as_excel_writes_it_imports(source_a, write_csv):
    path = write_csv([row()], encoding="utf-8-sig", delimiter=";")
    batch = run(source_a, path)
    assert (batch.status, batch.created_count) == ("imported", 1)


def test_an_oversized_file_is_refused(source_a, write_csv, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    path = write_csv([row(notes="x" * 200)])
    assert run(source_a, path).file_error.startswith("The file is 0.0 MB; the limit is 0 MB.")


def test_a_mapping_reads_another_layout(source_a):
    path = EXAMPLES / "reports-other-layout.csv"
    mapping = json.loads((EXAMPLES / "reports-other-layout.mapping.json").read_text())
    batch = run(source_a, path, mapping=mapping)
    assert (batch.status, batch.created_count) == ("imported", 3), batch.problems
    hosseini = Report.objects.get(source_reference="HR-7781")
    assert (hosseini.name_as_written, hosseini.gender, hosseini.charge_category) == (
        "Mohamad Hoseini", "male", "drugs",
    )  # fmt: skip
    assert hosseini.date_start == dt.date(2024, 1, 1)


def test_a_mapping_naming_an_unknown_field_or_column_is_refused(source_a, write_csv):
    path = write_csv([row()])
    bad_field = run(source_a, path, mapping={"gender": "sex"})
    assert bad_field.file_error.startswith(
        "The mapping sends column 'gender' to 'sex', which is not one of our fields"
    )
    bad_column = run(source_a, path, mapping={"Sex": "gender"})
    assert bad_column.file_error.startswith(
        "The mapping names columns the file does not have: 'Sex'"
    )


@pytest.mark.parametrize(
    "name", ["reports-example.csv", "reports-example-fa.csv", "reports-example.json"]
)
def test_the_documented_examples_import_cleanly(source_a, tmp_path, name):
    path = tmp_path / name
    shutil.copy(EXAMPLES / name, path)
    batch = run(source_a, path)
    assert batch.status == "imported", (batch.file_error, batch.problems)
    assert batch.created_count == batch.row_count > 0


def test_the_persian_example_reads_jalali_dates_and_persian_words(source_a):
    run(source_a, EXAMPLES / "reports-example-fa.csv")
    first = Report.objects.get(source_reference="FA-1402-001")
    assert (first.date_start, first.publication_date, first.age) == (
        dt.date(2024, 1, 1), dt.date(2024, 1, 3), 34,
    )  # fmt: skip
    assert (first.gender, first.charge_category, first.announced, first.verification) == (
        "male", "drugs", "no", "confirmed",
    )  # fmt: skip
    ranged = Report.objects.get(source_reference="FA-1402-004")
    assert (ranged.date_start, ranged.date_end, ranged.date_precision) == (
        dt.date(2024, 2, 12), dt.date(2024, 2, 14), "range",
    )  # fmt: skip


# --- XLSX -----------------------------------------------------------------------------------------


def test_an_xlsx_file_is_read_with_dates_and_numbers_as_cells(source_a, write_xlsx):
    path = write_xlsx(
        [
            row(source_reference="X-1", date_as_written=dt.datetime(2024, 1, 1), age=34.0),
            row(source_reference="X-2", date_as_written="۱۱ دی ۱۴۰۲", age=None),
        ]
    )
    batch = run(source_a, path)
    assert (batch.status, batch.created_count) == ("imported", 2), batch.problems
    assert Report.objects.get(source_reference="X-1").age == 34
    assert set(Report.objects.values_list("date_start", flat=True)) == {dt.date(2024, 1, 1)}


def test_an_xlsx_zip_bomb_is_refused_from_its_directory_before_unpacking(source_a, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        # 64 MB of zeros compress to about 64 KB: a thousandfold.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(64):
                member.write(chunk)
    assert path.stat().st_size < 1 << 20

    batch = run(source_a, path)

    assert batch.status == "failed"
    assert batch.file_error.startswith(
        "A part of the .xlsx file (xl/worksheets/sheet1.xml) is compressed "
    )
    assert batch.file_error.endswith("times: that is a zip bomb, not a spreadsheet.")


def test_an_xlsx_that_would_unpack_to_too_much_is_refused(source_a, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_XLSX_UNPACKED_BYTES", 1000)
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "x" * 2000)
    assert run(source_a, path).file_error.startswith("The .xlsx file would unpack to 0 MB")


def test_an_xlsx_declaring_too_many_cells_is_refused_before_its_rows_are_read(
    source_a, write_xlsx, monkeypatch
):
    monkeypatch.setattr(importing, "MAX_XLSX_CELLS", 10)
    path = write_xlsx([row(source_reference=f"X-{i}") for i in range(5)])
    assert run(source_a, path).file_error == ("The sheet declares 30 cells; at most 10 are read.")


def test_a_file_that_is_not_an_xlsx_is_refused(source_a, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("source_reference\nR-1\n")
    assert run(source_a, path).file_error == (
        "This is not a valid .xlsx file (it is not a zip archive)."
    )


# --- JSON -----------------------------------------------------------------------------------------


def test_json_values_of_any_type_are_read(source_a, write_json):
    path = write_json([row(age=34, identity_confirmed=True, announced=None)])
    batch = run(source_a, path)
    assert batch.status == "imported", batch.problems
    report = Report.objects.get()
    assert (report.age, report.identity_confirmed, report.announced) == (34, True, "unknown")


def test_a_json_object_with_a_nested_value_is_a_row_error(source_a, write_json):
    batch = run(source_a, write_json([row(), row(source_reference="R-2", age=[1])]))
    assert errors(batch) == [(2, "", "a value is a list or an object; give text or a number")]


def test_broken_json_is_refused_with_the_item_number(source_a, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"source_reference": "R-1", "name_as_written": "", "date_as_written": ""},'
                    ' {"source_reference": ')  # fmt: skip
    assert run(source_a, path).file_error.startswith("The JSON file cannot be read at item 2")
    path.write_text(" [ ] ")
    assert run(source_a, path).file_error == ("The JSON list is empty: there is no row to import.")
    path.write_text('{"source_reference": "R-1"}')
    assert run(source_a, path).file_error == (
        "The JSON file must be a list of objects ([{...}, {...}])."
    )


def test_json_streams_items_larger_than_the_read_buffer(source_a, write_json):
    items = [row(source_reference=f"J-{i}", notes="n" * 3000) for i in range(100)]
    batch = run(source_a, write_json(items))
    assert (batch.status, batch.created_count) == ("imported", 100)


# --- The command ----------------------------------------------------------------------------------


def test_the_command_imports_and_reports(source_a, org_a):
    out = io.StringIO()
    call_command("evidence", "import", str(EXAMPLES / "reports-example.csv"),
                 "--source", "iran human rights", stdout=out)  # fmt: skip
    assert "4 rows read: 4 new reports created" in out.getvalue()
    assert "Imported 4 new reports." in out.getvalue()
    with scope(organisation=org_a):
        assert Report.objects.count() == 4
        assert ImportBatch.objects.get().via == "cli"


def test_the_command_dry_run_and_errors_exit_nonzero_and_save_nothing(source_a, org_a, write_csv):
    path = write_csv([row(), row(source_reference="R-2", date_as_written="1402/12/30")])
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported."):
        call_command("evidence", "import", str(path), "--source", source_a.name, stdout=out)
    assert (
        "row 3, column 'date_as_written' (date_as_written): '1402/12/30': Esfand 1402 has only "
        "29 days"
    ) in out.getvalue()

    out = io.StringIO()
    call_command("evidence", "import", str(EXAMPLES / "reports-example.csv"),
                 "--source", source_a.name, "--dry-run", stdout=out)  # fmt: skip
    assert "4 new reports would be created" in out.getvalue()
    assert "Dry run: every row is valid. Nothing was saved." in out.getvalue()
    with scope(organisation=org_a):
        assert Report.objects.count() == 0


def test_the_command_takes_a_mapping_file_and_can_create_the_source(org_a):
    out = io.StringIO()
    call_command(
        "evidence", "import", str(EXAMPLES / "reports-other-layout.csv"),
        "--source", "Hengaw", "--create-source", "ngo",
        "--mapping", str(EXAMPLES / "reports-other-layout.mapping.json"), stdout=out,
    )  # fmt: skip
    assert "Created the source 'Hengaw'." in out.getvalue()
    with scope(organisation=org_a):
        assert Report.objects.filter(source__name="Hengaw").count() == 3


def test_the_command_refuses_an_unknown_source(org_a):
    with pytest.raises(CommandError, match="No source named 'Nobody' in org-a"):
        call_command("evidence", "import", str(EXAMPLES / "reports-example.csv"),
                     "--source", "Nobody")  # fmt: skip


def test_the_command_needs_the_organisation_when_there_are_several(org_a, org_b):
    with pytest.raises(CommandError, match="Name the organisation with --organisation SLUG"):
        call_command("evidence", "import", str(EXAMPLES / "reports-example.csv"),
                     "--source", "X")  # fmt: skip


def test_the_command_refuses_a_mapping_that_is_not_an_object(org_a, source_a):
    with pytest.raises(CommandError, match="--mapping must be an object"):
        call_command("evidence", "import", str(EXAMPLES / "reports-example.csv"),
                     "--source", source_a.name, "--mapping", '{"a": 1}')  # fmt: skip


def test_synthetic_reports_of_every_source_import_without_errors(org_a, tmp_path, in_org_a):
    from panah.evidence.synthetic import generate, write_csv

    data = generate(n_reports=600, seed=7)
    whole = write_csv(tmp_path / "all.csv", data)
    with whole.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    imported = 0
    for name in sorted({r["source"] for r in rows}):
        source = services.create_source(organisation=org_a, name=name, kind="ngo")
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if r["source"] == name)
        # The generator's own columns (its source, the precision it chose) are not ours.
        extra = {c: "ignore" for c in rows[0] if c not in importing.FIELD_NAMES}
        batch = run(source, path, mapping=extra)
        assert batch.status == "imported", (name, batch.file_error, batch.problems[:5])
        imported += batch.created_count
    assert imported == Report.objects.count() == 600


def test_a_column_that_is_not_one_of_our_fields_is_refused_by_name(source_a, write_csv):
    # "charge" holds the charges: dropping it silently would lose them from every report.
    path = write_csv(
        [{**row(), "charge": "drugs", "Remarks": "x"}], columns=[*row(), "charge", "Remarks"]
    )
    batch = run(source_a, path)
    assert batch.status == "failed"
    assert batch.file_error.startswith(
        "The file has columns that are not our fields: 'charge' (charge_category?), 'Remarks'."
    )
    assert '{"charge": "ignore"}' in batch.file_error
    assert Report.objects.count() == 0


def test_the_mapping_can_ignore_a_column_or_map_it(source_a, write_csv):
    path = write_csv(
        [{**row(), "charge": "drugs", "Remarks": "x"}], columns=[*row(), "charge", "Remarks"]
    )
    ignored = run(source_a, path, mapping={"charge": "ignore", "Remarks": ""}, dry_run=True)
    assert ignored.status == "dry_run", ignored.file_error
    mapped = run(
        source_a,
        path,
        mapping={"charge_category": "ignore", "charge": "charge_category", "Remarks": "notes"},
    )
    assert mapped.status == "imported", mapped.file_error
    assert Report.objects.get().notes == "x"


def test_a_dry_run_with_create_source_creates_nothing(org_a, write_csv):
    path = write_csv([row()])
    out = io.StringIO()
    call_command("evidence", "import", str(path), "--source", "Hengaw", "--create-source",
                 "ngo", "--dry-run", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "The source 'Hengaw' would be created (dry run: it was not)." in text
    assert "1 new reports would be created" in text and "no import batch kept" in text
    with scope(organisation=org_a):
        assert not Source.objects.filter(name="Hengaw").exists()
        assert ImportBatch.objects.count() == 0 and Report.objects.count() == 0
        entry = AuditEntry.objects.filter(action="evidence.import_checked_for_new_source").get()
        assert entry.data["rows"] == 1
        assert not AuditEntry.objects.filter(action="evidence.source_created").exists()


def test_a_dry_run_into_a_new_source_reports_an_unknown_column(org_a, write_csv):
    path = write_csv([{**row(), "charge": "drugs"}], columns=[*row(), "charge"])
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing would be imported"):
        call_command("evidence", "import", str(path), "--source", "New", "--create-source",
                     "ngo", "--dry-run", stdout=out)  # fmt: skip
    assert "'charge' (charge_category?)" in out.getvalue()
    with scope(organisation=org_a):
        assert not Source.objects.exists()
