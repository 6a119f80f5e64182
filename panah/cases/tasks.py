"""The casework import as a background task: the same `import_cases` as the command line, run
by the worker under the member's organisation and name (panah.core.background)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from panah.core import background, spreadsheets

from .importing import LIMITS, ImportReport, RowError, import_cases

IMPORT = "cases.import"


def run_import(work: background.Work) -> dict[str, Any]:
    """Check the file (dry run) or import its people and cases, all or nothing."""
    p = work.parameters
    content = work.content or b""
    work.progress.start("reading", spreadsheets.expected_rows(content, p["filename"], LIMITS))

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


def report_context(result: dict[str, Any]) -> dict[str, Any]:
    """The stored result as the report the import page shows."""
    errors = [RowError(**e) for e in result.get("errors", [])]
    return {"report": ImportReport(**{**result, "errors": errors})}


def register() -> None:
    """Make the casework import known to the worker."""
    background.register(
        background.Kind(
            IMPORT,
            _("Importing people and cases"),
            run_import,
            template="cases/_import_task.html",
            personal=True,
            context=report_context,
        )
    )
