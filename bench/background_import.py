"""An evidence import run as a background task: what it costs against the direct call, and how
often its progress moves.

Writes --rows synthetic reports as one source's CSV, then in a throwaway SQLite database:
1. the dry run called directly (services.import_reports, as `panah evidence import --dry-run`);
2. the same dry run queued as a background task (django-tasks' database backend, the payload
   sealed in the database) and run by a real `panah worker` process, already running and warm
   (a one-row task first), while this process polls the progress cache as the task's page
   does (every 50 ms here, every second there).

Prints both times (the task's from queueing to its result as the database records it), the
progress updates seen, the longest gap between two of them and the last figure against the
total, and whether the payload was deleted.

    .venv/bin/python bench/background_import.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evidence_import import write_reports  # noqa: E402


def queue(org, source, content: bytes):
    from django_scopes import scope

    from panah.core import background

    with scope(organisation=org):
        return background.start(
            organisation=org, by=None, kind="evidence.import",
            permission="evidence.import_reports", content=content,
            parameters={"source": source.pk, "file_name": "r.csv", "mapping": {}, "dry_run": True},
        )  # fmt: skip


def finished(task) -> bool:
    from django_scopes import scopes_disabled

    from panah.core.models import BackgroundTask

    with scopes_disabled():  # the status only, as the task's page reads it (not the file)
        status = BackgroundTask.objects.filter(pk=task.pk).values_list("status", flat=True)[0]
    return status in ("finished", "failed")


def wait_for(task, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not finished(task):
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not run the task")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="panah-bench-task-"))
    env = {
        "PANAH_MODE": "demo",
        "PANAH_VAR_DIR": str(tmp),
        "PANAH_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "PANAH_TASKS_BACKEND": "database",
        "DJANGO_SETTINGS_MODULE": "panah.settings",
    }
    os.environ.update(env)
    try:
        run(tmp, args.rows)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, rows: int) -> None:
    import django

    django.setup()
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from panah.core import background
    from panah.core.models import Organisation
    from panah.evidence import services

    call_command("migrate", verbosity=0, interactive=False)
    org = Organisation.objects.create(name="Bench", slug="bench")
    with scope(organisation=org):
        source = services.create_source(organisation=org, name="Bench", kind="ngo")
    write_reports(tmp / "reports.csv", rows)  # the same file bench/evidence_import.py imports
    content = (tmp / "reports.csv").read_bytes()
    print(f"{rows:,} reports, {len(content) / 1e6:.1f} MB of CSV (figures on a shared machine)")

    started = time.perf_counter()
    with scope(organisation=org):
        batch = services.import_reports(
            organisation=org, source=source, path=content, file_name="r.csv", dry_run=True
        )
    direct = time.perf_counter() - started
    print(f"direct dry run: {direct:.1f} s ({batch.status}, {batch.row_count:,} rows)")

    connection.close()
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "panah", "worker", "--interval", "0.2", "--verbosity", "0"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        # A one-row file first: the worker is started and warm, as a running service is.
        header = content.split(b"\n", 1)[0]
        warm = queue(org, source, header + b"\n" + content.split(b"\n")[1] + b"\n")
        wait_for(warm)
        started = time.perf_counter()
        task = queue(org, source, content)
        cache = caches["tasks"]
        seen: list[tuple[float, int, int | None]] = []
        while not finished(task):
            found = cache.get(f"panah-task-progress:{task.pk}")
            if found and (not seen or found["at"] != seen[-1][0]):
                seen.append((found["at"], found["done"], found["total"]))
            time.sleep(0.05)
        found = cache.get(f"panah-task-progress:{task.pk}")  # the last figure, once finished
        if found and (not seen or found["at"] != seen[-1][0]):
            seen.append((found["at"], found["done"], found["total"]))
    finally:
        worker.terminate()
        worker.wait()
    through_task = time.perf_counter() - started
    with scopes_disabled():
        task.refresh_from_db()
    result = background.result_of(task)
    gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:], strict=False)]
    print(
        f"as a background task: {through_task:.1f} s from queueing to the result "
        f"({task.status}, batch {result.get('batch')}; the worker already running)"
    )
    print(
        f"progress updates seen: {len(seen)}; longest gap {max(gaps, default=0):.2f} s, "
        f"shortest {min(gaps, default=0):.2f} s; last {seen[-1][1]:,} of {seen[-1][2]:,} rows"
        if seen
        else "progress updates seen: 0"
    )
    print(f"payload deleted: {task.payload is None}; attempts: {task.attempts}")
    print(f"overhead of the task: {through_task - direct:+.1f} s")


if __name__ == "__main__":
    main()
