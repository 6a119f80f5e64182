"""The evidence pages: who sees what, the four-step import, the register and the panel."""

from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from panah.core.models import BackgroundTask, Role
from panah.evidence import services
from panah.evidence.models import ImportBatch, PublishedFigure, Report, Source, SourceKind
from panah.evidence.reference_figures import FIGURES

from .conftest import EXAMPLES, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"


def import_file(source, path) -> ImportBatch:
    with scope(organisation=source.organisation):
        return services.import_reports(
            organisation=source.organisation, source=source, path=path, file_name=path.name
        )


def make_reports(source, write_csv, n: int, name="reports.csv") -> None:
    rows = [
        row(source_reference=f"R-{i}", date_as_written=f"2024-01-{i + 1:02d}") for i in range(n)
    ]
    batch = import_file(source, write_csv(rows, name=name))
    assert batch.status == "imported"


# --- Who may see what -----------------------------------------------------------------------------


def test_a_coordinator_may_read_the_reports_but_not_import(org_a, make_member, login_as, source_a):
    client = login_as(make_member(org_a, [Role.COORDINATOR]))
    assert client.get(reverse("evidence:reports")).status_code == 200
    assert client.get(reverse("evidence:figures")).status_code == 200
    assert client.get(reverse("evidence:import_upload")).status_code == 403
    assert client.get(reverse("evidence:source_create")).status_code == 403
    assert client.post(reverse("evidence:figures_seed")).status_code == 403


def test_a_caseworker_sees_no_evidence(caseworker_a, login_as):
    client = login_as(caseworker_a)
    for name in ("reports", "sources", "figures", "import_upload"):
        assert client.get(reverse(f"evidence:{name}")).status_code == 403


def test_another_organisation_finds_neither_sources_reports_nor_batches(
    org_b, make_member, login_as, source_a, write_csv
):
    make_reports(source_a, write_csv, 1)
    with scopes_disabled():
        report = Report.objects.get()
        batch = ImportBatch.objects.get()
    client = login_as(make_member(org_b, [Role.RESEARCHER]))

    assert client.get(reverse("evidence:report", args=[report.pk])).status_code == 404
    assert client.get(reverse("evidence:batch", args=[batch.pk])).status_code == 404
    listing = client.get(reverse("evidence:reports")).content.decode()
    sources = client.get(reverse("evidence:sources")).content.decode()
    assert "Mohammad Hosseini" not in listing
    assert "Iran Human Rights" not in sources


# --- Sources -----------------------------------------------------------------------------------


def test_a_researcher_adds_a_source_and_a_second_of_the_same_name_is_refused(
    researcher_a, login_as, org_a
):
    client = login_as(researcher_a)
    data = {"name": "HRANA", "kind": "ngo", "language": "fa", "reliability_notes": "Own reporters."}
    response = client.post(reverse("evidence:source_create"), data)
    assert response.status_code == 302
    again = client.post(reverse("evidence:source_create"), {**data, "name": "hrana"})
    assert "There is already a source with this name." in again.content.decode()
    with scope(organisation=org_a):
        source = Source.objects.get()
    assert (source.name, source.kind, source.language, source.created_by) == (
        "HRANA", "ngo", "fa", researcher_a,
    )  # fmt: skip
    assert "HRANA" in client.get(reverse("evidence:sources")).content.decode()


# --- Reports -----------------------------------------------------------------------------------


def test_the_report_list_costs_the_same_queries_for_one_or_three_reports(
    researcher_a, login_as, source_a, write_csv
):
    client = login_as(researcher_a)

    def queries_for_the_list(expected_rows: int) -> int:
        client.get(reverse("evidence:reports"))  # the session settles first
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("evidence:reports"))
        assert response.content.decode().count('href="/evidence/reports/') == expected_rows
        return len(queries)

    make_reports(source_a, write_csv, 1, name="one.csv")
    one = queries_for_the_list(1)
    rows = [row(source_reference=f"S-{i}", date_as_written="2023-06-01") for i in range(2)]
    import_file(source_a, write_csv(rows, name="two.csv"))
    assert queries_for_the_list(3) == one


def test_reports_filter_by_source_year_verification_and_any_spelling_of_a_name(
    researcher_a, login_as, source_a, org_a, write_csv
):
    import_file(
        source_a,
        write_csv(
            [
                row(source_reference="A", name_as_written="علی كريمی", date_as_written="2023-05-01"),
                row(source_reference="B", name_as_written="Reza Ahmadi", verification="confirmed",
                    date_as_written="2024-02-01"),
            ]
        ),
    )  # fmt: skip
    with scope(organisation=org_a):
        other = services.create_source(organisation=org_a, name="HRANA", kind="ngo")
    import_file(other, write_csv([row(source_reference="C", name_as_written="Sara")], name="o.csv"))
    client = login_as(researcher_a)
    url = reverse("evidence:reports")

    def listed(**params) -> set[str]:
        body = client.get(url, params).content.decode()
        return {n for n in ("علی كريمی", "Reza Ahmadi", "Sara") if n in body}

    assert listed() == {"علی كريمی", "Reza Ahmadi", "Sara"}
    assert listed(source=other.pk) == {"Sara"}
    assert listed(year=2023) == {"علی كريمی"}
    assert listed(verification="confirmed") == {"Reza Ahmadi"}
    assert listed(name="کریمی") == {"علی كريمی"}  # Persian kaf and yeh find the Arabic ones


def test_a_report_shows_what_was_written_and_what_was_read(
    researcher_a, login_as, source_a, write_csv
):
    make_reports(source_a, write_csv, 1)
    with scopes_disabled():
        report = Report.objects.get()
    body = login_as(researcher_a).get(reverse("evidence:report", args=[report.pk])).content.decode()
    assert "2024-01-01" in body and "Mohammad Hosseini" in body
    assert "Not linked yet." in body


# --- The import in four steps -----------------------------------------------------------------


def kept_files(settings) -> list[Path]:
    """Every file in the folder where uploads wait between the import's steps."""
    return sorted(p for p in Path(settings.EVIDENCE_UPLOAD_DIR).rglob("*") if p.is_file())


def upload(client, source, path, name=None):
    with open(path, "rb") as fh:
        data = io.BytesIO(fh.read())
    data.name = name or path.name
    return client.post(reverse("evidence:import_upload"), {"source": source.pk, "file": data})


def through_task(client, response):
    """The page a background task's page leads to once the task is done (the batch's)."""
    assert response.status_code == 302 and "/evidence/tasks/" in response["Location"], response
    return client.get(response["Location"], follow=True)


def test_upload_map_dry_run_then_confirm_imports_the_file_once(
    researcher_a, login_as, source_a, org_a, settings
):
    client = login_as(researcher_a)
    response = upload(client, source_a, EXAMPLES / "reports-other-layout.csv")
    assert response.status_code == 302 and response["Location"] == reverse(
        "evidence:import_columns"
    )

    page = client.get(reverse("evidence:import_columns")).content.decode()
    assert "Case no." in page and "Date of execution" in page
    columns = ["Case no.", "Victim", "Father", "Age", "Sex", "Province", "Prison", "Crime",
               "Date of execution", "Official?", "Link"]  # fmt: skip
    fields = ["source_reference", "name_as_written", "father_name", "age", "gender", "province",
              "prison", "charge_category", "date_as_written", "announced", "url"]  # fmt: skip
    mapping = {f"column_{i}": f for i, f in enumerate(fields)}
    response = client.post(reverse("evidence:import_columns"), mapping)
    with scope(organisation=org_a):
        dry = ImportBatch.objects.get()
        assert Report.objects.count() == 0
    assert (dry.status, dry.created_count) == ("dry_run", 3), dry.problems
    assert dry.mapping == dict(zip(columns, fields, strict=True))
    shown = through_task(client, response)
    assert shown.redirect_chain[-1][0] == reverse("evidence:batch", args=[dry.pk])
    assert "Import 3 reports" in shown.content.decode()

    confirmed = client.post(reverse("evidence:import_confirm"))
    with scope(organisation=org_a):
        done = ImportBatch.objects.exclude(pk=dry.pk).get()
        assert Report.objects.count() == 3
    assert through_task(client, confirmed).redirect_chain[-1][0] == reverse(
        "evidence:batch", args=[done.pk]
    )
    assert (done.status, done.created_count, done.imported_by) == ("imported", 3, researcher_a)
    assert kept_files(settings) == []  # the kept file is gone
    # Confirming twice does nothing more.
    again = client.post(reverse("evidence:import_confirm"))
    assert again["Location"] == reverse("evidence:import_upload")


def test_the_column_step_proposes_our_fields_and_known_spellings(
    researcher_a, login_as, source_a, write_csv
):
    path = write_csv([{"ID": "1", "نام": "علی", "Date": "1402/10/11", "Whatever": "x"}],
                     columns=["ID", "نام", "Date", "Whatever"])  # fmt: skip
    client = login_as(researcher_a)
    upload(client, source_a, path)
    form = client.get(reverse("evidence:import_columns")).context["form"]
    assert [form[f"column_{i}"].initial for i in range(4)] == [
        "source_reference", "name_as_written", "date_as_written", "",
    ]  # fmt: skip


def test_a_dry_run_with_errors_offers_no_confirmation_and_confirming_is_refused(
    researcher_a, login_as, source_a, org_a, write_csv
):
    path = write_csv([row(), row(source_reference="R-2", date_as_written="1402/12/30")])
    client = login_as(researcher_a)
    upload(client, source_a, path)
    response = client.post(
        reverse("evidence:import_columns"),
        {"column_0": "source_reference", "column_1": "name_as_written",
         "column_2": "gender", "column_3": "charge_category", "column_4": "date_as_written"},
    )  # fmt: skip
    page = through_task(client, response).content.decode()
    assert "Refused: nothing was saved" in page
    assert "Esfand 1402 has only 29 days" in page
    assert "Import 1 report" not in page
    client.post(reverse("evidence:import_confirm"))
    with scope(organisation=org_a):
        assert Report.objects.count() == 0


def test_the_column_step_refuses_a_mapping_without_the_required_fields(
    researcher_a, login_as, source_a, write_csv
):
    client = login_as(researcher_a)
    upload(client, source_a, write_csv([row()]))
    response = client.post(reverse("evidence:import_columns"), {"column_0": "source_reference"})
    assert response.status_code == 200
    assert (
        "Choose a column for each of these fields: Name as written, Execution date as written."
        in response.content.decode()
    )


def test_an_upload_that_is_not_a_spreadsheet_is_refused_on_the_form(
    researcher_a, login_as, source_a, tmp_path, settings
):
    path = tmp_path / "notes.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    response = upload(login_as(researcher_a), source_a, path)
    assert ".xls files are not read: save the sheet as .xlsx or as CSV (UTF-8) first." in (
        response.content.decode()
    )
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    response = upload(login_as(researcher_a), source_a, fake)
    assert "This is not a valid .xlsx file (it is not a zip archive)." in response.content.decode()
    assert kept_files(settings) == []


def test_an_oversized_upload_is_refused_on_the_form(
    researcher_a, login_as, source_a, write_csv, monkeypatch
):
    from panah.evidence import importing

    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 50)
    response = upload(login_as(researcher_a), source_a, write_csv([row(notes="x" * 100)]))
    assert "the limit is 0 MB. Split it into smaller files." in (response.content.decode())


def test_the_column_step_without_an_upload_sends_back_to_the_first_step(researcher_a, login_as):
    response = login_as(researcher_a).get(reverse("evidence:import_columns"))
    assert response["Location"] == reverse("evidence:import_upload")


# --- The kept upload: encrypted at rest, deleted once used or stale --------------------------------

SECRET_ROW = row(
    source_reference="HRANA-2024-0717",
    name_as_written="Zahra Kazemi-Tabrizi",
    father_name="Abdolhossein",
    date_as_written="2024-07-17",
)


def columns_step(client):
    return client.post(
        reverse("evidence:import_columns"),
        {"column_0": "source_reference", "column_1": "name_as_written",
         "column_2": "father_name", "column_3": "gender", "column_4": "charge_category",
         "column_5": "date_as_written"},
    )  # fmt: skip


def test_the_upload_waits_encrypted_and_private_between_the_steps(
    researcher_a, login_as, source_a, org_a, settings, write_csv
):
    path = write_csv([SECRET_ROW])
    client = login_as(researcher_a)

    upload(client, source_a, path)
    [kept] = kept_files(settings)
    before_dry_run = kept.read_bytes()
    response = columns_step(client)
    assert response.status_code == 302

    # Through the dry run, only ciphertext is on disk: no cell, no header, not the file's name.
    assert kept_files(settings) == [kept]
    for raw in (before_dry_run, kept.read_bytes()):
        assert path.read_bytes() not in raw
        for value in ("Zahra Kazemi-Tabrizi", "HRANA-2024-0717", "Abdolhossein", "name_as_written"):
            assert value.encode() not in raw
            assert value.encode("utf-16-le") not in raw
    assert "reports" not in kept.name and not kept.name.endswith(".csv")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(settings.EVIDENCE_UPLOAD_DIR).stat().st_mode) == 0o700
    # The dry run read it back, and so does the import.
    with scope(organisation=org_a):
        assert ImportBatch.objects.get().status == "dry_run"
    client.post(reverse("evidence:import_confirm"))
    with scope(organisation=org_a):
        assert Report.objects.get().name_as_written == "Zahra Kazemi-Tabrizi"
    assert kept_files(settings) == []


def test_a_new_upload_replaces_and_deletes_the_waiting_one(
    researcher_a, login_as, source_a, settings, write_csv
):
    client = login_as(researcher_a)
    upload(client, source_a, write_csv([row()], name="first.csv"))
    [first] = kept_files(settings)

    upload(client, source_a, write_csv([row(source_reference="R-2")], name="second.csv"))

    [second] = kept_files(settings)
    assert second != first and not first.exists()


def test_logging_out_deletes_the_waiting_upload(
    researcher_a, login_as, source_a, settings, write_csv
):
    client = login_as(researcher_a)
    upload(client, source_a, write_csv([row()]))
    assert len(kept_files(settings)) == 1

    client.post(reverse("core:logout"))

    assert kept_files(settings) == []


def test_an_upload_left_for_a_day_is_deleted_when_the_import_page_is_next_opened(
    researcher_a, org_a, make_member, login_as, source_a, settings, write_csv
):
    client = login_as(researcher_a)
    upload(client, source_a, write_csv([row()]))
    [kept] = kept_files(settings)
    a_day_ago = time.time() - 24 * 3600 - 1
    os.utime(kept, (a_day_ago, a_day_ago))

    # Anyone importing (here a colleague) sweeps it away.
    login_as(make_member(org_a, [Role.RESEARCHER])).get(reverse("evidence:import_upload"))

    assert kept_files(settings) == []
    response = client.get(reverse("evidence:import_columns"), follow=True)
    assert response.redirect_chain == [(reverse("evidence:import_upload"), 302)]
    assert "Upload a file first." in response.content.decode()


def test_a_plaintext_upload_left_by_an_earlier_version_is_deleted_at_once(
    researcher_a, login_as, settings
):
    folder = Path(settings.EVIDENCE_UPLOAD_DIR)
    folder.mkdir(parents=True)
    left = folder / ("0123456789abcdef" * 2 + ".csv")
    left.write_text("source_reference,name_as_written\nR-1,Zahra Kazemi-Tabrizi\n")

    login_as(researcher_a).get(reverse("evidence:import_upload"))

    assert not left.exists()


def test_an_upload_altered_on_disk_is_refused_and_nothing_is_imported(
    researcher_a, login_as, source_a, org_a, settings, write_csv
):
    client = login_as(researcher_a)
    upload(client, source_a, write_csv([SECRET_ROW]))
    [kept] = kept_files(settings)
    raw = bytearray(kept.read_bytes())
    raw[40] ^= 0xFF
    kept.write_bytes(bytes(raw))

    response = columns_step(client)

    assert response["Location"] == reverse("evidence:import_upload")
    page = client.get(response["Location"]).content.decode()
    assert "The file waiting to be imported cannot be read. Upload it again." in page
    with scope(organisation=org_a):
        assert not ImportBatch.objects.exists()
    assert kept_files(settings) == []
    assert "evidence_import" not in client.session


# --- Published figures ------------------------------------------------------------------------


def test_the_register_lists_the_seeded_figures_with_period_and_as_of(researcher_a, login_as, org_a):
    client = login_as(researcher_a)
    assert "The register is empty." in client.get(reverse("evidence:figures")).content.decode()
    client.post(reverse("evidence:figures_seed"))
    client.post(reverse("evidence:figures_seed"))  # idempotent
    with scope(organisation=org_a):
        assert PublishedFigure.objects.count() == len(FIGURES) == 25
        ihr_2023 = PublishedFigure.objects.get(publisher__startswith="Iran Human Rights",
                                               period_definition="calendar year 2023")  # fmt: skip
    assert (ihr_2023.figure, ihr_2023.at_least, ihr_2023.checked_against_primary) == (
        834,
        True,
        False,
    )
    body = client.get(reverse("evidence:figures")).content.decode()
    assert "at least 834" in body and "calendar year 2023" in body
    assert "Not yet checked against the primary report." in body


def test_seed_figures_command_fills_every_organisation(org_a, org_b):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("evidence", "seed-figures", stdout=out)
    assert "org-a: 25 published figures added." in out.getvalue()
    assert "org-b: 25 published figures added." in out.getvalue()
    with scopes_disabled():
        assert PublishedFigure.objects.count() == 50


# --- Dashboard --------------------------------------------------------------------------------


def test_the_researcher_panel_says_what_to_do_first_then_counts(
    researcher_a, login_as, source_a, write_csv
):
    client = login_as(researcher_a)
    body = client.get(reverse("core:dashboard")).content.decode()
    assert "Nothing imported yet. Import a first file of reports" in body
    make_reports(source_a, write_csv, 3)
    body = client.get(reverse("core:dashboard")).content.decode()
    assert "3 reports" in body and "1 source" in body and "0 distinct victims" in body
    assert "(0 confirmed)" in body
    with scopes_disabled():
        Report.objects.filter(pk=Report.objects.order_by("pk").first().pk).update(
            verification="confirmed"
        )
    body = client.get(reverse("core:dashboard")).content.decode()
    assert "3 reports" in body and "(1 confirmed)" in body


def test_the_column_step_needs_each_unknown_column_mapped_or_ignored(
    researcher_a, login_as, source_a, org_a, write_csv
):
    path = write_csv(
        [{**row(), "charge": "drugs"}], columns=["source_reference", "name_as_written",
                                                 "date_as_written", "charge"],
    )  # fmt: skip
    client = login_as(researcher_a)
    upload(client, source_a, path)
    chosen = {"column_0": "source_reference", "column_1": "name_as_written",
              "column_2": "date_as_written"}  # fmt: skip
    response = client.post(reverse("evidence:import_columns"), chosen)
    assert response.status_code == 200
    assert "Choose a field for each column, or ignore it: charge." in response.content.decode()
    with scope(organisation=org_a):
        assert ImportBatch.objects.count() == 0
    response = client.post(reverse("evidence:import_columns"), {**chosen, "column_3": "ignore"})
    assert response.status_code == 302
    with scope(organisation=org_a):
        assert ImportBatch.objects.get().status == "dry_run"


# --- Preview, corrected file, no command line in the pages --------------------------------------


def test_the_column_step_shows_the_first_rows_as_read_in_both_calendars(
    researcher_a, login_as, source_a, write_csv
):
    path = write_csv(
        [{"ID": "7", "نام": "محمد حسینی", "Date": "1402/10/11", "Prov": "Tehran"}],
        columns=["ID", "نام", "Date", "Prov"],
    )
    client = login_as(researcher_a)
    upload(client, source_a, path)
    page = client.get(reverse("evidence:import_columns")).content.decode()
    # Suggested columns are read at once; the unknown one ("Prov") is not read until chosen.
    assert "The first rows, as they are read" in page
    assert "<bdi>محمد حسینی</bdi>" in page and '<bdi dir="ltr">mhmdhsn</bdi>' in page
    assert '<time datetime="2024-01-01">' in page and "1402/10/11, Solar Hijri" in page
    assert "Tehran" not in page.split("preview-title")[-1]

    form = {"column_0": "source_reference", "column_1": "name_as_written",
            "column_2": "date_as_written", "column_3": "province", "preview": "1"}  # fmt: skip
    response = client.post(reverse("evidence:import_columns"), form)
    shown = response.content.decode().split("preview-title")[-1]
    assert response.status_code == 200  # a preview, not the dry run
    assert 'Province: <bdi>Tehran</bdi> <span class="meta">(<bdi>Prov</bdi>)</span>' in shown
    with scopes_disabled():
        assert not ImportBatch.objects.exists() and not BackgroundTask.objects.exists()
    # In Persian the Solar Hijri date comes first, the Gregorian one beside it.
    client.post(reverse("core:set_language"), {"language": "fa"})
    persian = client.get(reverse("evidence:import_columns")).content.decode()
    assert '<span class="jalali">۱۱ دی ۱۴۰۲</span>' in persian


def test_a_corrected_file_keeps_the_source_and_the_column_choices(
    researcher_a, login_as, source_a, org_a, write_csv
):
    other = services.create_source(
        organisation=org_a, name="Hengaw", kind=SourceKind.NGO, by=researcher_a
    )
    columns = ["Case", "Victim", "Day", "Remark"]
    first = write_csv([{"Case": "1", "Victim": "Ali", "Day": "1402/12/30", "Remark": "x"}],
                      columns=columns, name="first.csv")  # fmt: skip
    client = login_as(researcher_a)
    client.post(reverse("evidence:import_upload"), {"source": other.pk, "file": named(first)})
    chosen = {"column_0": "source_reference", "column_1": "name_as_written",
              "column_2": "date_as_written", "column_3": "ignore"}  # fmt: skip
    dry_run = client.post(reverse("evidence:import_columns"), chosen)
    batch_page = through_task(client, dry_run).content.decode()
    assert "Esfand 1402 has only 29 days" in batch_page and "Upload a corrected file" in batch_page

    page = client.get(reverse("evidence:import_upload"))
    assert page.context["form"]["source"].value() == other.pk
    assert "A corrected file replaces <bdi>first.csv</bdi>" in page.content.decode()
    fixed = write_csv([{"Case": "1", "Victim": "Ali", "Day": "1402/12/29", "Remark": "x"}],
                      columns=columns, name="fixed.csv")  # fmt: skip
    client.post(reverse("evidence:import_upload"), {"source": other.pk, "file": named(fixed)})
    form = client.get(reverse("evidence:import_columns")).context["form"]
    assert [form[f"column_{i}"].initial for i in range(4)] == [
        "source_reference", "name_as_written", "date_as_written", "ignore",
    ]  # fmt: skip
    shown = through_task(client, client.post(reverse("evidence:import_columns"), chosen))
    assert "Import 1 report" in shown.content.decode()


def named(path: Path) -> io.BytesIO:
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return data


def test_no_import_page_gives_a_command_line_hint(
    researcher_a, login_as, source_a, write_csv, org_a
):
    client = login_as(researcher_a)
    pages = [client.get(reverse("evidence:import_upload")).content.decode()]
    upload(client, source_a, write_csv([{"Case": "1"}], columns=["Case"]))
    pages.append(client.get(reverse("evidence:import_columns")).content.decode())
    refused = client.post(reverse("evidence:import_columns"), {"column_0": "source_reference"})
    pages.append(refused.content.decode())
    pages.append(client.get(reverse("evidence:review_queue")).content.decode())
    for page in pages:
        text = page.split("<main", 1)[-1]
        assert "panah evidence" not in text and "--source" not in text and '{"' not in text
    assert "Choose a column for each of these fields: Name as written" in pages[2]
