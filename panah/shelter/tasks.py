"""The shelter import as a background task: the same `import_shelter` as before, run by the
worker under the member's organisation and name (panah.core.background)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from panah.cases.importing import LIMITS
from panah.core import background, spreadsheets

from .importing import ImportRefused, ImportReport, RowError, import_shelter

IMPORT = "shelter.import"


def run_import(work: background.Work) -> dict[str, Any]:
    """Check (dry run) or import households or hosts, all or nothing."""
    p = work.parameters
    content = work.content or b""
    work.progress.start("reading", spreadsheets.expected_rows(content, p["filename"], LIMITS))
    try:
        report = import_shelter(
            organisation=work.organisation,
            by=work.by,
            data=content,
            filename=p["filename"],
            kind=p["kind"],
            dry_run=p["dry_run"],
            progress=work.progress.rows,
        )
    except ImportRefused as exc:
        return {"refused": str(exc), "kind": p["kind"]}
    return {**asdict(report), "kind": p["kind"]}


def report_context(result: dict[str, Any]) -> dict[str, Any]:
    """The stored result as the report the import page shows."""
    if "refused" in result:
        return {"refused": result["refused"]}
    errors = [RowError(**e) for e in result.get("errors", [])]
    fields = {k: v for k, v in result.items() if k != "kind"}
    return {"report": ImportReport(**{**fields, "errors": errors})}


def register() -> None:
    """Make the shelter import known to the worker."""
    background.register(
        background.Kind(
            IMPORT,
            _("Importing households or hosts"),
            run_import,
            template="shelter/_import_task.html",
            personal=True,
            context=report_context,
        )
    )
