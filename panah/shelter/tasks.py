"""The shelter import as a background task: the same `import_shelter` as before, run by the
worker under the member's organisation and name (panah.core.background)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from panah.cases.importing import LIMITS
from panah.core import background

from .importing import ImportRefused, ImportReport, RowError, import_shelter

IMPORT = "shelter.import"


def run_import(work: background.Work) -> dict[str, Any]:
    """Check (dry run) or import households or hosts, all or nothing."""
    p = work.parameters
    content = work.start_reading(p["filename"], LIMITS)
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


def register() -> None:
    """Make the shelter import known to the worker (only its member sees its page)."""
    background.register_import(
        IMPORT, _("Importing households or hosts"), run_import,
        template="shelter/_import_task.html", report=ImportReport, row_error=RowError,
        personal=True,
    )  # fmt: skip
