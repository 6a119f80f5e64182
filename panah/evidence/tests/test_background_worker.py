"""The real worker: `panah worker` with django-tasks' database backend, in its own process.

An import queued from this test is run by a worker process; the worker is killed (SIGKILL, as a
crash or a power cut would) in the middle of the import's transaction: no report and no batch
is left, the task still says "running". A new worker finds it when it starts, sees its process
gone, starts it again and finishes it: every report once, the task finished on its second
attempt, its payload deleted.

On SQLite the worker uses a file copy of the test database; on PostgreSQL the test database
itself (as tests/test_proxy_socket.py does for gunicorn). Bounded: at most a few minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from django.test import override_settings
from django_scopes import scope

from panah.core import background
from tests.test_proxy_socket import database_url, query

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.server]

ROOT = Path(__file__).resolve().parents[3]
DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}
# Enough rows that the import is still running when its first progress (written at most every
# half second) is seen, on a fast machine too: 10,000 rows finished before the kill there.
ROWS = 60_000


def reports_csv(n: int) -> bytes:
    lines = ["source_reference,name_as_written,date_as_written"]
    lines += [f"W-{i},Reza Ahmadi {i},1402/10/{i % 28 + 1}" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def worker_env(tmp_path: Path, url: str, settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANAH_")}
    env.update(
        PANAH_MODE="demo",
        PANAH_DATABASE_URL=url,
        PANAH_VAR_DIR=str(tmp_path / "var"),
        PANAH_MASTER_KEY_FILE=settings.MASTER_KEY_FILE,
        PANAH_FILES_DIR=settings.ENCRYPTED_FILES_DIR,
        PANAH_TASKS_BACKEND="database",
        PANAH_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def test_a_killed_worker_leaves_nothing_and_the_next_worker_starts_the_import_again(
    tmp_path, settings, org_a, researcher_a, source_a
):
    with override_settings(TASKS=DATABASE_BACKEND), scope(organisation=org_a):
        task = background.start(
            organisation=org_a,
            by=researcher_a,
            kind="evidence.import",
            permission="evidence.import_reports",
            parameters={
                "source": source_a.pk,
                "file_name": "w.csv",
                "mapping": {},
                "dry_run": False,
            },
            content=reports_csv(ROWS),
        )
    assert task.status == "queued" and task.task_result_id
    url = database_url(tmp_path)
    env = worker_env(tmp_path, url, settings)
    progress = FileBasedCache(str(tmp_path / "var" / "task-progress"), {})
    connection.close()

    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "panah", "worker", "--interval", "0.2"],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen = progress.get(f"panah-task-progress:{task.pk}") or {}
            if seen.get("done", 0) > 0:  # the first rows are read: kill it mid-import
                break
            assert worker.poll() is None, f"the worker exited with {worker.returncode}"
            time.sleep(0.05)
        else:
            raise AssertionError("the worker did not start the import within 120 s")
        assert seen["total"] == ROWS  # the progress bar knows the total
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

    # Killed mid-transaction: nothing of the import is in the database.
    assert query(url, "SELECT count(*) FROM evidence_report") == [(0,)]
    assert query(url, "SELECT count(*) FROM evidence_importbatch") == [(0,)]
    assert query(url, "SELECT status, attempts FROM core_backgroundtask") == [("running", 1)]

    # The next worker (--batch: run what waits, then stop) finds it and starts it again.
    finished = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "panah", "worker", "--batch"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "was interrupted: now queued" in finished.stdout
    assert query(url, "SELECT status, attempts FROM core_backgroundtask") == [("finished", 2)]
    assert query(url, "SELECT count(*) FROM core_backgroundtask WHERE payload IS NULL") == [(1,)]
    assert query(url, "SELECT count(*), count(DISTINCT source_reference) FROM evidence_report") == [
        (ROWS, ROWS)
    ]
    assert query(url, "SELECT status, created_count FROM evidence_importbatch") == [
        ("imported", ROWS)
    ]
    # django-tasks' own record of the killed run is not left "running".
    assert query(
        url, "SELECT status FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at"
    ) == [
        ("FAILED",),
        ("SUCCESSFUL",),
    ]
