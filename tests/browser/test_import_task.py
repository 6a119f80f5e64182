"""In a real browser: a researcher's evidence import on a phone in Persian, and a task's progress.

The researcher uploads a file in Persian script with Solar Hijri dates, reads its first rows as
the import reads them (the name, the date in both calendars), starts the dry run (a background
task: the tests' immediate backend runs it at once), reads the refusal, and finds the source
and the columns kept for the corrected file. Then the page of a running task shows its progress
bar in French, polls it with htmx, and turns into the result by itself when the task ends.
Screenshots go to $PANAH_SCREENSHOTS when set (for looking at them), else to a temporary folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled

from panah.core import background
from panah.core.models import BackgroundTask, Role
from panah.core.persian import latin_digits
from panah.evidence import services
from panah.evidence.models import ImportBatch, SourceKind

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
CSV = (
    "شناسه,نام,تاریخ اعدام,استان\n"
    "H-1,محمد حسینی,۱۴۰۲/۱۰/۱۱,تهران\n"
    "H-2,Reza Ahmadi,1402/12/30,Fars\n"
)


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("PANAH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _language(page, live_server, code: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def _fits_the_phone(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px phone"


@pytest.fixture
def researcher(org_a, make_member):
    return make_member(org_a, [Role.RESEARCHER], email="researcher-b@example.org")


def test_a_researcher_previews_the_rows_then_corrects_the_file_on_a_phone_in_persian(
    page, live_server, log_in, researcher, org_a, tmp_path
):
    with scope(organisation=org_a):
        source = services.create_source(
            organisation=org_a, name="Hengaw", kind=SourceKind.NGO, by=researcher
        )
    shots = _shots(tmp_path)
    page.set_viewport_size(PHONE)
    _language(page, live_server, "fa")
    log_in(researcher)

    page.goto("/evidence/import/")
    page.select_option("select[name=source]", str(source.pk))
    path = tmp_path / "hengaw.csv"
    path.write_text(CSV, encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/evidence/import/columns/")
    # The unknown column (استان) is read once chosen: choose it, and show the rows again.
    page.select_option("select[name=column_3]", "province")
    with page.expect_navigation():
        page.click("button[name=preview]")
    preview = page.locator("table.import-preview")
    text, html = preview.inner_text(), preview.inner_html()
    assert "محمد حسینی" in text and "تهران" in text
    # The date as written, and the day it was read as: Solar Hijri first, Gregorian beside it.
    assert "۱۴۰۲/۱۰/۱۱" in text and "۱۱ دی ۱۴۰۲" in text and '<time datetime="2024-01-01">' in html
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "import-preview-fa-390.png"), full_page=True)

    with page.expect_navigation():
        page.click("main form button[type=submit]:not([name=preview])")
    page.wait_for_url("**/evidence/import/batches/**")
    # The row problem is in English; on a Persian page its numbers are in Persian digits.
    assert "Esfand 1402 has only 29 days" in latin_digits(page.inner_text("main"))
    page.screenshot(path=str(shots / "import-refused-fa-390.png"), full_page=True)

    page.click("text=بارگذاری فایل اصلاح‌شده")
    page.wait_for_url("**/evidence/import/")
    assert page.input_value("select[name=source]") == str(source.pk)
    path.write_text(CSV.replace("1402/12/30", "1402/12/29"), encoding="utf-8")
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.input_value("select[name=column_3]") == "province"  # the choice was kept


def test_a_running_task_shows_its_progress_and_becomes_its_result_in_french(
    page, live_server, log_in, researcher, org_a, tmp_path
):
    with scope(organisation=org_a):
        source = services.create_source(
            organisation=org_a, name="IHR", kind=SourceKind.NGO, by=researcher
        )
        batch = ImportBatch.objects.create(
            organisation=org_a, source=source, file_name="ihr.csv", file_format="csv",
            sha256="0" * 64, status="dry_run", row_count=20_000, created_count=20_000,
            imported_by=researcher,
        )  # fmt: skip
    task = BackgroundTask(
        organisation=org_a, started_by=researcher, kind="evidence.import",
        permission="evidence.import_reports", status=BackgroundTask.Status.RUNNING,
        key_id=background.active_organisation_key(org_a.pk).key_id,
    )  # fmt: skip
    with scopes_disabled():
        task.save()
    background._beat(task.pk)
    progress = background.Progress(task.pk)
    progress.start("reading", 20_000)
    progress.done = 7_500
    progress._write()

    shots = _shots(tmp_path)
    _language(page, live_server, "fr")
    log_in(researcher)
    page.goto(f"/evidence/tasks/{task.pk}/")
    assert "7500 lignes sur 20000" in page.inner_text("#task-progress")
    assert page.get_attribute("progress", "value") == "7500"
    page.screenshot(path=str(shots / "task-progress-fr.png"), full_page=True)

    # htmx polls the block every second: the next figure appears without a reload.
    progress.done = 15_000
    progress._write()
    for _ in range(40):  # (a function evaluated in the page would need 'unsafe-eval': CSP)
        if "15000" in page.inner_text("#task-progress"):
            break
        page.wait_for_timeout(250)
    assert "15000 lignes sur 20000" in page.inner_text("#task-progress")
    # The task ends: the page turns into its result (the batch's report) by itself.
    task.status = BackgroundTask.Status.FINISHED
    task.result = background._seal(task, "result", json.dumps({"batch": batch.pk}).encode())
    with scopes_disabled():
        task.save()
    page.wait_for_url(f"**/evidence/import/batches/{batch.pk}/", timeout=15_000)
    assert "ihr.csv" in page.inner_text("main")

    _language(page, live_server, "fa")
    page.set_viewport_size(PHONE)
    with scopes_disabled():
        BackgroundTask.objects.filter(pk=task.pk).update(status="running", result=None)
    page.goto(f"/evidence/tasks/{task.pk}/")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "task-progress-fa-390.png"), full_page=True)
