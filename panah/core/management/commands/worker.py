"""`panah worker`: run the background tasks (imports, linkage) started from the web.

It is django-tasks-db's `db_worker` with Panah's recovery around it: when it starts, and every
RECOVER_EVERY seconds while it runs, tasks left running by a worker that stopped (a restart, a
crash) are started again or reported failed (panah.core.background.recover_interrupted).
`make demo` runs one beside the web server; deploy/systemd/panah-worker.service in production.
"""

from __future__ import annotations

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from panah.core import background


class _Recovery(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True, name="recover-interrupted-tasks")
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(background.RECOVER_EVERY):
            try:
                background.recover_interrupted()
            except OperationalError:  # SQLite busy with an import: try again later
                pass
            finally:
                close_old_connections()


class Command(BaseCommand):
    help = "Run the background tasks started from the web (imports, linkage)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run the waiting tasks, then stop."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between two looks for a task."
        )

    def handle(self, *args, batch: bool, interval: float, **options) -> None:
        for item in background.recover_interrupted():
            self.stdout.write(f"Task {item.pk} ({item.kind}) was interrupted: now {item.status}.")
        recovery = _Recovery()
        if not batch:
            recovery.start()
        try:
            call_command(
                "db_worker",
                batch=batch,
                interval=interval,
                reload=False,
                startup_delay=False,
                verbosity=options["verbosity"],
            )
        finally:
            recovery.stopped.set()
