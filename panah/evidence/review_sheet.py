"""The review queue as a spreadsheet: export it, decide in a spreadsheet program, import back.

The export writes one row per queued pair (both reports side by side, why the pair is there)
through `neutralise()`, so no cell runs as a formula; the reviewer fills `decision` ("same" or
"different") and `reason`. The import reads the file with the hardened reader and applies
every decision through `linkage_runs.decide_pair` in one transaction: all rows or none, with the
problems of each row listed. Rows left without a decision are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from panah.core import audit
from panah.core.models import Organisation, User
from panah.core.spreadsheets import (
    MB,
    FileInput,
    Limits,
    SpreadsheetRefused,
    open_table,
    table_bytes,
)

from . import linkage_runs
from .models import LinkageRun, Report, ReviewDecision, ReviewPair
from .statistics import latest_run

# A review sheet is a few thousand rows; these bounds refuse anything that is not one.
LIMITS = Limits(file_bytes=20 * MB, rows=200_000, columns=60)
REPORT_FIELDS = (
    ("source", "source"),
    ("reference", "source_reference"),
    ("name", "name_as_written"),
    ("father", "father_name"),
    ("age", "age"),
    ("date", "date_as_written"),
    ("province", "province"),
    ("city", "city"),
)
HEADER = (
    "pair", "report_a", "report_b", "probability", "why", "counted_now",
    *(f"{name}_a" for name, _f in REPORT_FIELDS), *(f"{name}_b" for name, _f in REPORT_FIELDS),
    "decision", "reason",
)  # fmt: skip
REQUIRED = ("report_a", "report_b", "decision", "reason")
SAME, DIFFERENT = "same", "different"
# What a reviewer may type in `decision` (any case): the export's words and the model's.
DECISION_WORDS = {
    SAME: ReviewDecision.Decision.MATCH,
    "same person": ReviewDecision.Decision.MATCH,
    "match": ReviewDecision.Decision.MATCH,
    DIFFERENT: ReviewDecision.Decision.NON_MATCH,
    "different people": ReviewDecision.Decision.NON_MATCH,
    "two people": ReviewDecision.Decision.NON_MATCH,
    "non_match": ReviewDecision.Decision.NON_MATCH,
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Export -----------------------------------------------------------------------------------------


def queue_rows(organisation: Organisation) -> tuple[LinkageRun | None, list[list[Any]]]:
    """The latest run and its queued pairs as rows under HEADER (decision and reason empty)."""
    run = latest_run(organisation)
    if run is None:
        return None, []
    pairs = (
        ReviewPair.objects.filter(organisation=organisation, run=run)
        .select_related("report_a__source", "report_b__source")
        .order_by("-probability", "pk")
    )

    def fields(report: Report) -> list[Any]:
        values = []
        for name, attribute in REPORT_FIELDS:
            value = report.source.name if name == "source" else getattr(report, attribute)
            values.append("" if value is None else value)
        return values

    rows = []
    for pair in pairs:
        rows.append(
            [
                pair.pk,
                pair.report_a_id,
                pair.report_b_id,
                round(pair.probability, 4),
                "; ".join(pair.reason_labels),
                _("one victim") if pair.same_victim else _("two victims"),
                *fields(pair.report_a),
                *fields(pair.report_b),
                "",
                "",
            ]
        )
    return run, rows


def export_queue(
    organisation: Organisation,
    file_format: str,
    *,
    by: User | None = None,
    request: HttpRequest | None = None,
) -> bytes:
    """The review queue as CSV (UTF-8 with a byte-order mark, for spreadsheet programs) or XLSX;
    every cell neutralised. Audited: it holds the names of the reports."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}: csv or xlsx")
    run, rows = queue_rows(organisation)
    body = table_bytes(HEADER, rows, file_format, title="review")
    audit.record(
        "evidence.review_queue_exported",
        organisation=organisation,
        actor=by,
        request=request,
        data={"format": file_format, "pairs": len(rows), "run": run.pk if run else None},
    )
    return body


# --- Import -----------------------------------------------------------------------------------------


@dataclass
class DecisionImport:
    """What an import of review decisions did, or why it did nothing."""

    decided: int = 0  # decisions applied (0 when refused or a dry run)
    checked: int = 0  # rows with a decision
    skipped: int = 0  # rows without a decision
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """Whether every row was accepted."""
        return not self.errors


class _Refused(Exception):
    """Raised inside the transaction to undo every decision applied before a bad row."""


def _parse_rows(
    organisation: Organisation, file: FileInput, file_name: str
) -> tuple[list[tuple[int, int, int, str, str]], int, list[tuple[int, str]]]:
    """(row number, report a, report b, decision, reason) of each decided row, the number of
    rows left undecided, and the problems found."""
    decided: list[tuple[int, int, int, str, str]] = []
    errors: list[tuple[int, str]] = []
    skipped = 0
    with open_table(file, file_name, limits=LIMITS) as table:
        columns = {c.strip().lower(): c for c in table.columns if c}
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise SpreadsheetRefused(
                _("Columns missing: %(names)s. Start from the exported review sheet.")
                % {"names": ", ".join(missing)}
            )
        for number, cells in table.rows():
            if isinstance(cells, str):
                errors.append((number, cells))
                continue

            def cell(name: str, cells=cells) -> str:
                return (cells.get(columns[name]) or "").strip()

            word = cell("decision").lower()
            if not word:
                skipped += 1
                continue
            problems = []
            decision = DECISION_WORDS.get(word)
            if decision is None:
                problems.append(
                    _("decision %(value)r: write %(same)s or %(different)s")
                    % {"value": cell("decision"), "same": SAME, "different": DIFFERENT}
                )
            ids = []
            for name in ("report_a", "report_b"):
                try:
                    ids.append(int(cell(name)))
                except ValueError:
                    problems.append(_("%(column)s is not a report number") % {"column": name})
            if not cell("reason"):
                problems.append(_("say why in the reason column"))
            if problems:
                errors.append((number, "; ".join(problems)))
            else:
                decided.append((number, ids[0], ids[1], decision, cell("reason")))
    return decided, skipped, errors


def import_decisions(
    organisation: Organisation,
    file: FileInput,
    file_name: str,
    *,
    by: User,
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> DecisionImport:
    """Apply the decisions of a filled review sheet, all or none.

    Each decided row goes through `linkage_runs.decide_pair` (same checks as a decision on the
    page: both reports of this organisation, no contradiction with confirmed decisions); the
    first problem in any row undoes them all, and every row's problems are returned.
    SpreadsheetRefused when the file itself is refused (size, format, columns)."""
    rows, skipped, errors = _parse_rows(organisation, file, file_name)
    result = DecisionImport(checked=len(rows), skipped=skipped, errors=errors, dry_run=dry_run)
    seen: dict[tuple[int, int], tuple[int, str]] = {}
    for number, a, b, decision, _reason in rows:
        key = (min(a, b), max(a, b))
        if key in seen and seen[key][1] != decision:
            errors.append(
                (number, _("row %(row)s decides the same pair otherwise") % {"row": seen[key][0]})
            )
        seen.setdefault(key, (number, decision))
    reports = Report.objects.filter(
        organisation=organisation, pk__in={i for r in rows for i in r[1:3]}
    ).in_bulk()
    try:
        with transaction.atomic():
            for number, a, b, decision, reason in rows:
                if a not in reports or b not in reports:
                    unknown = [str(i) for i in (a, b) if i not in reports]
                    errors.append(
                        (number, _("no report %(ids)s here") % {"ids": ", ".join(unknown)})
                    )
                    continue
                if errors:
                    continue  # nothing will be kept; only look for more problems
                low, high = sorted((a, b))
                pair = ReviewPair.objects.filter(
                    organisation=organisation, report_a_id=low, report_b_id=high
                ).first()
                try:
                    linkage_runs.decide_pair(
                        organisation=organisation, report_a=reports[a], report_b=reports[b],
                        decision=decision, reason=reason, by=by, pair=pair, request=request,
                    )  # fmt: skip
                except ValidationError as exc:
                    errors.append((number, " ".join(exc.messages)))
            if errors or dry_run:
                raise _Refused
            result.decided = len(rows)
            audit.record(
                "evidence.review_decisions_imported",
                organisation=organisation,
                actor=by,
                request=request,
                data={"decided": len(rows), "skipped": skipped},
            )
    except _Refused:
        result.decided = 0
    result.errors = sorted(errors)
    if dry_run and not errors:
        with transaction.atomic():
            audit.record(
                "evidence.review_decisions_checked",
                organisation=organisation,
                actor=by,
                request=request,
                data={"rows": len(rows), "skipped": skipped},
            )
    return result
