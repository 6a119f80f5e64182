"""The casework import as a background task: the same `import_cases` as the command line, run
by the worker under the member's organisation and name (panah.core.background)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from panah.core import background

from .importing import LIMITS, ImportReport, RowError, import_cases

IMPORT = "cases.import"


def run_import(work: background.Work) -> dict[str, Any]:
    """Check the file (dry run) or import its people and cases, all or nothing."""
    p = work.parameters
    content = work.start_reading(p["filename"], LIMITS)

    def saving(rows: int) -> None:
        if work.progress.stage != "saving":
            work.progress.start("saving")
        work.progress.rows(rows)

    report = import_cases(
        organisation=work.organisation,
        by=work.by,
        file=content,
        filename=p["filename"],
        mapping=p["mapping"],
        dry_run=p["dry_run"],
        reading=work.progress.rows,
        progress=saving,
    )
    return asdict(report)


def register() -> None:
    """Make the casework import known to the worker (only its member sees its page)."""
    background.register_import(
        IMPORT, _("Importing people and cases"), run_import, template="cases/_import_task.html",
        report=ImportReport, row_error=RowError, personal=True,
    )  # fmt: skip
