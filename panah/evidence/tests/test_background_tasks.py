"""Background tasks (panah.core.background): sealed payloads, the same audited services, progress
written at most every half second, interrupted tasks started again or reported failed, and pages
shown only to the organisation and the role (or the member) that started them.

They go through the evidence import, the kind with the most steps (the casework import's page
is checked too). The tests run tasks with django-tasks' immediate backend (panah.testing), or with its dummy
backend where a task must wait in the queue; test_background_worker.py runs the real worker.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from conftest import verified_client
from panah.core import background
from panah.core.models import AuditEntry, BackgroundTask, Role
from panah.evidence.models import ImportBatch, Report
from panah.evidence.tests.conftest import row

Status = BackgroundTask.Status
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
SECRET_NAME = "Zahra Kazemi-Tabrizi"


@pytest.fixture
def csv_bytes(write_csv):
    path = write_csv([row(name_as_written=SECRET_NAME), row(source_reference="R-2")])
    return path.read_bytes()


def start_import(org, by, source, content, *, dry_run=False):
    with scope(organisation=org):
        return background.start(
            organisation=org,
            by=by,
            kind="evidence.import",
            permission="evidence.import_reports",
            parameters={
                "source": source.pk,
                "file_name": "r.csv",
                "mapping": {},
                "dry_run": dry_run,
            },
            content=content,
        )


@override_settings(TASKS=DUMMY)
def test_the_payload_waits_encrypted_in_the_database_and_is_deleted_when_the_task_ends(
    org_a, researcher_a, source_a, csv_bytes
):
    task = start_import(org_a, researcher_a, source_a, csv_bytes)
    with scopes_disabled():
        stored = bytes(BackgroundTask.objects.get(pk=task.pk).payload)
    assert task.status == Status.QUEUED
    for clear in (SECRET_NAME.encode(), b"R-2", b"r.csv", b"source_reference"):
        assert clear not in stored
    # Moved to another task's row, the payload does not open (bound to its row).
    with scopes_disabled():
        other = start_import(org_a, researcher_a, source_a, b"x")
        BackgroundTask.objects.filter(pk=other.pk).update(payload=stored)

    assert background.execute(str(task.pk)) == Status.FINISHED
    assert background.execute(str(other.pk)) == Status.FAILED
    with scopes_disabled():
        task.refresh_from_db()
        other.refresh_from_db()
    assert task.payload is None and other.payload is None
    assert background.result_of(other) == {"error_code": "unreadable"}
    result = background.result_of(task)
    with scope(organisation=org_a):
        batch = ImportBatch.objects.get(pk=result["batch"])
        assert sorted(Report.objects.values_list("source_reference", flat=True)) == ["R-1", "R-2"]
    assert SECRET_NAME.encode() not in bytes(task.result)
    assert (batch.status, batch.imported_by, result["created"]) == ("imported", researcher_a, 2)
    # A task is run once: a second delivery of the same task does nothing.
    assert background.execute(str(task.pk)) == "skipped"


def test_a_task_is_audited_like_the_synchronous_path(org_a, researcher_a, source_a, csv_bytes):
    task = start_import(org_a, researcher_a, source_a, csv_bytes)
    with scopes_disabled():
        actions = dict(
            AuditEntry.objects.filter(organisation=org_a).values_list("action", "actor_id")
        )
        task.refresh_from_db()
    assert task.status == Status.FINISHED and task.attempts == 1
    assert actions["core.task_started"] == researcher_a.pk
    assert actions["evidence.import_imported"] == researcher_a.pk


def test_the_page_follows_the_dry_run_to_its_batch_then_the_import(
    org_a, researcher_a, source_a, login_as, write_csv
):
    client = login_as(researcher_a)
    path = write_csv([row(), row(source_reference="R-2")])
    with path.open("rb") as fh:
        client.post(reverse("evidence:import_upload"), {"source": source_a.pk, "file": fh})
    fields = ["source_reference", "name_as_written", "gender", "charge_category", "date_as_written"]
    response = client.post(
        reverse("evidence:import_columns"), {f"column_{i}": f for i, f in enumerate(fields)}
    )
    task_url = response["Location"]
    assert task_url.startswith("/evidence/tasks/")
    page = client.get(task_url, follow=True)
    assert "Import 2 reports" in page.content.decode()
    # Polled by htmx once done, the progress block asks for the whole page again.
    poll = client.get(task_url + "?part=progress", HTTP_HX_REQUEST="true")
    assert (poll.status_code, poll["HX-Refresh"]) == (204, "true")


def test_progress_is_written_at_most_every_half_second(monkeypatch, settings):
    clock = {"now": 1000.0}
    monkeypatch.setattr(background.time, "monotonic", lambda: clock["now"])
    writes = []
    progress = background.Progress("t-1")

    def write():
        writes.append(progress.done)
        progress._written = clock["now"]

    monkeypatch.setattr(progress, "_write", write)
    progress.start("reading", 10_000)
    progress._written = clock["now"]
    for done in range(1, 10_001):
        clock["now"] += 0.001  # a row per millisecond: ten seconds in all
        progress.rows(done)
    # One write per half second (the first after 0.5 s), never one per row.
    gaps = [b - a for a, b in zip(writes, writes[1:], strict=False)]
    assert len(writes) == 20 and writes[0] == 0  # the stage's start, then one per half second
    assert all(499 <= gap <= 501 for gap in gaps[1:]), gaps


def test_the_progress_block_shows_rows_done_of_the_total_while_running(
    org_a, researcher_a, login_as
):
    with scopes_disabled():
        task = BackgroundTask.objects.create(
            organisation=org_a, started_by=researcher_a, kind="evidence.import",
            permission="evidence.import_reports", status=Status.RUNNING, key_id="k",
        )  # fmt: skip
    background._beat(task.pk)  # this process: alive
    progress = background.Progress(task.pk)
    progress.start("reading", 20_000)
    progress.done = 5_000
    progress._write()
    client = login_as(researcher_a)
    block = client.get(f"/evidence/tasks/{task.pk}/?part=progress", HTTP_HX_REQUEST="true")
    html = block.content.decode()
    assert "5000 of 20000 rows" in html
    assert 'max="20000" value="5000"' in html and 'hx-trigger="every 1s"' in html
    # Without JavaScript: the whole page, with a link that refreshes it.
    page = client.get(f"/evidence/tasks/{task.pk}/").content.decode()
    assert f'href="/evidence/tasks/{task.pk}/">Refresh</a>' in page


@override_settings(TASKS=DUMMY)
def test_an_interrupted_task_is_started_again_then_reported_failed(
    org_a, researcher_a, source_a, csv_bytes, login_as, monkeypatch
):
    task = start_import(org_a, researcher_a, source_a, csv_bytes)
    with scopes_disabled():
        # As a worker leaves it when killed mid-import: running, its process gone.
        BackgroundTask.objects.filter(pk=task.pk).update(status=Status.RUNNING, attempts=1)
    background._cache().set(
        background._alive_key(task.pk),
        {"host": background.socket.gethostname(), "pid": 2**22 + 7, "at": 0},
    )
    [again] = background.recover_interrupted()
    assert (again.status, again.attempts, again.notes[0]["code"]) == (
        Status.QUEUED,
        1,
        "interrupted",
    )
    assert again.payload is not None  # kept for the second attempt

    with scopes_disabled():
        BackgroundTask.objects.filter(pk=task.pk).update(status=Status.RUNNING, attempts=2)
    [failed] = background.recover_interrupted()
    assert failed.status == Status.FAILED and failed.payload is None
    assert background.result_of(failed) == {"error_code": "interrupted"}
    with scope(organisation=org_a):
        assert not Report.objects.exists() and not ImportBatch.objects.exists()
    page = login_as(researcher_a).get(f"/evidence/tasks/{task.pk}/").content.decode()
    assert "has run out of attempts. Nothing was saved" in page
    assert "Attempt 1 was interrupted" in page and "Attempt 2 was interrupted" in page


def test_a_running_task_whose_worker_beats_is_left_alone(org_a, researcher_a):
    with scopes_disabled():
        task = BackgroundTask.objects.create(
            organisation=org_a, started_by=researcher_a, kind="evidence.import",
            permission="evidence.import_reports", status=Status.RUNNING, key_id="k",
        )  # fmt: skip
    background._beat(task.pk)
    assert background.recover_interrupted() == []


def test_an_unexpected_error_fails_the_task_and_deletes_the_payload(
    org_a, researcher_a, source_a, csv_bytes, monkeypatch
):
    def broken(work):
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        background.KINDS,
        "evidence.import",
        background.KINDS["evidence.import"].__class__(
            **{**background.KINDS["evidence.import"].__dict__, "run": broken}
        ),
    )
    task = start_import(org_a, researcher_a, source_a, csv_bytes)
    with scopes_disabled():
        task.refresh_from_db()
        failed = AuditEntry.objects.filter(action="core.task_failed").get()
    assert (task.status, task.payload) == (Status.FAILED, None)
    assert background.result_of(task) == {"error_code": "unexpected"}
    assert failed.data == {"kind": "evidence.import", "reason": "unexpected"}


def test_a_casework_import_is_shown_only_to_the_member_who_started_it(org_a, org_b, make_member):
    csv = "external_reference,given_name_latin,registered_on\nX-1,Reza,2024-03-05\n"
    admin = make_member(org_a, [Role.ADMIN])
    colleague = make_member(org_a, [Role.ADMIN])
    outsider = make_member(org_b, Role.values)
    response = verified_client(admin).post(
        "/cases/import/", {"file": SimpleUploadedFile("p.csv", csv.encode()), "dry_run": "on"}
    )
    url = response["Location"]
    assert url.startswith("/cases/import/tasks/")
    page = verified_client(admin).get(url)
    assert "1 rows checked, no problem" in page.content.decode()
    assert verified_client(colleague).get(url).status_code == 404
    assert verified_client(outsider).get(url).status_code in (302, 404)
    # The evidence page of the same organisation does not show it either.
    researcher = make_member(org_a, [Role.RESEARCHER, Role.ADMIN])
    task_id = url.rstrip("/").rsplit("/", 1)[1]
    assert verified_client(researcher).get(f"/evidence/tasks/{task_id}/").status_code == 404


def test_an_interrupted_linkage_closes_its_run_and_leaves_the_victims(org_a, researcher_a):
    from django.utils import timezone

    from panah.evidence.models import LinkageRun

    started = timezone.now()
    with scopes_disabled():
        task = BackgroundTask.objects.create(
            organisation=org_a, started_by=researcher_a, kind="evidence.link",
            permission="evidence.review_linkage", status=Status.RUNNING, attempts=2,
            started_at=started, key_id=background.active_organisation_key(org_a.pk).key_id,
        )  # fmt: skip
        earlier = LinkageRun.objects.create(
            organisation=org_a, started_by=researcher_a, status="finished"
        )
        run = LinkageRun.objects.create(organisation=org_a, started_by=researcher_a)
    background._cache().set(
        background._alive_key(task.pk),
        {"host": background.socket.gethostname(), "pid": 2**22 + 7, "at": 0},
    )
    [failed] = background.recover_interrupted()
    with scopes_disabled():
        run.refresh_from_db()
        earlier.refresh_from_db()
    assert failed.status == Status.FAILED
    assert (run.status, earlier.status) == ("failed", "finished")
    assert run.notes.startswith("Interrupted")
