"""Every write of the evidence app: one function per user intention, in a transaction, audited.

The audit trail gets identifiers and counts only, never a name from a report.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from panah.core import audit, spreadsheets
from panah.core.db import bulk_write_cache, collector_paused, insert_rows
from panah.core.models import Organisation, User
from panah.core.spreadsheets import neutralise

from . import importing, queries
from .importing import ImportRefused, Problem
from .models import (
    ImportBatch,
    ImportStatus,
    PublishedFigure,
    Report,
    Source,
)
from .reference_figures import FIGURES

# Fields compared when a reference is imported again: equal means "unchanged".
COMPARED_FIELDS = (
    "url", "publication_date", "name_as_written", "father_name", "age", "gender", "ethnicity",
    "nationality", "province", "city", "prison", "charge_category", "charge_text",
    "date_as_written", "calendar", "date_precision", "date_start", "date_end", "announced",
    "verification", "identity_confirmed", "notes",
)  # fmt: skip
# The fields of a report that come from its row (importing.clean_row's values).
REPORT_VALUES = ("source_reference", "name_canonical", "name_key", *COMPARED_FIELDS)
CHUNK = 1000
# A clean row's values in the order of REPORT_VALUES (in C: once for each of a million rows).
_report_values = operator.itemgetter(*REPORT_VALUES)


@transaction.atomic
def create_source(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    language: str = "",
    reliability_notes: str = "",
    by: User | None = None,
    request: HttpRequest | None = None,
) -> Source:
    """Register a source whose reports will be imported; its name is unique in the organisation."""
    name = name.strip()
    if Source.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError({"name": _("There is already a source with this name.")})
    try:
        with transaction.atomic():
            source = Source.objects.create(
                organisation=organisation,
                name=name,
                kind=kind,
                language=language.strip(),
                reliability_notes=reliability_notes,
                created_by=by,
            )
    except IntegrityError:  # created at the same moment by someone else
        raise ValidationError({"name": _("There is already a source with this name.")}) from None
    audit.record(
        "evidence.source_created", organisation=organisation, actor=by, obj=source, request=request
    )
    return source


class _Rollback(Exception):
    """Raised inside the rows' savepoint to undo every row (dry run, or any error)."""


@dataclass
class _Tally:
    batch: ImportBatch
    dry_run: bool
    # Reference digest -> (row number, row fingerprint): bounded, no reference text kept.
    seen: dict[int, tuple[int, int]] = field(default_factory=dict)
    pending: list[importing.CleanRow] = field(default_factory=list)
    # A source with no report before this import has none to compare with: no look-ups.
    source_had_reports: bool = True
    created_at: dt.datetime = field(default_factory=timezone.now)

    def add(self, problem: Problem) -> None:
        batch = self.batch
        if problem.level == "error":
            batch.error_count += 1
        if len(batch.problems) < importing.MAX_PROBLEMS_KEPT:
            batch.problems.append(problem.as_dict())

    @property
    def writing(self) -> bool:
        return not self.dry_run and self.batch.error_count == 0


def import_reports(
    *,
    organisation: Organisation,
    source: Source,
    path: importing.FileInput,
    file_name: str,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    by: User | None = None,
    via: str = "web",
    request: HttpRequest | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Import a file's reports all or nothing, or only check them (dry run); returns the batch.

    The batch records every attempt with its row-level report; reports are saved only when no
    row has an error. A reference already imported for this source is left as it is. `path` is
    the file on disk, or its content in memory (a web upload, decrypted); `file_name` names it.
    """
    batch = ImportBatch(
        organisation=organisation,
        source=source,
        imported_by=by,
        via=via,
        file_name=os.path.basename(file_name)[:255],
        dry_run=dry_run,
        status=ImportStatus.FAILED,
        mapping=mapping or {},
    )
    with transaction.atomic():
        try:
            batch.file_format = importing.detect_format(file_name)
            batch.file_size = spreadsheets.file_size(path)
            batch.sha256 = importing.check_file(path, batch.file_format)
        except ImportRefused as exc:
            batch.file_error = str(exc)
        batch.save()
        if not batch.file_error:
            try:
                with transaction.atomic(), bulk_write_cache(), collector_paused():
                    _import_rows(batch, path, mapping, dry_run, progress)
                    if dry_run or batch.error_count:
                        raise _Rollback
            except _Rollback:
                pass
            except ImportRefused as exc:
                batch.file_error = str(exc)
            if batch.file_error or batch.error_count:
                batch.status = ImportStatus.FAILED
            else:
                batch.status = ImportStatus.DRY_RUN if dry_run else ImportStatus.IMPORTED
        batch.finished_at = timezone.now()
        batch.save()
        audit.record(
            "evidence.import_" + batch.status,
            organisation=organisation,
            actor=by,
            obj=batch,
            request=request,
            data={
                "source": source.pk,
                "rows": batch.row_count,
                "created": batch.created_count if batch.status == ImportStatus.IMPORTED else 0,
                "errors": batch.error_count,
                "sha256": batch.sha256,
            },
        )
    return batch


class _UndoAll(Exception):
    """Raised to undo a dry run into a new source: the source and its batch included."""


def dry_run_into_new_source(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    path: importing.FileInput,
    file_name: str,
    mapping: dict[str, str] | None = None,
    by: User | None = None,
    via: str = "cli",
    request: HttpRequest | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Check a file as if imported into a source that does not exist yet, creating nothing.

    The source, the batch and every row are rolled back (a dry run changes nothing); the
    attempt is kept in the audit trail instead. Returns the unsaved batch with its counts.
    """
    held: dict[str, ImportBatch] = {}
    try:
        with transaction.atomic():
            source = create_source(organisation=organisation, name=name, kind=kind, by=by)
            held["batch"] = import_reports(
                organisation=organisation, source=source, path=path, file_name=file_name,
                mapping=mapping, dry_run=True, by=by, via=via, request=request,
                progress=progress,
            )  # fmt: skip
            raise _UndoAll
    except _UndoAll:
        pass
    batch = held["batch"]
    batch.pk = None  # its row was rolled back with the source
    with transaction.atomic():
        audit.record(
            "evidence.import_checked_for_new_source",
            organisation=organisation,
            actor=by,
            object_type="evidence.importbatch",
            request=request,
            data={
                "status": batch.status,
                "rows": batch.row_count,
                "errors": batch.error_count,
                "sha256": batch.sha256,
            },
        )
    return batch


def _import_rows(
    batch: ImportBatch,
    path: importing.FileInput,
    mapping: dict[str, str] | None,
    dry_run: bool,
    progress: Callable[[int], None] | None,
) -> None:
    tally = _Tally(batch, dry_run)
    tally.source_had_reports = Report.objects.filter(source=batch.source).exists()
    with importing.open_table(path, batch.file_format) as table:
        resolved = importing.resolve_mapping(table.columns, mapping)
        batch.mapping = resolved
        for row in importing.iter_clean_rows(table, resolved, progress):
            batch.row_count += 1
            for problem in row.problems:
                tally.add(problem)
            if not row.ok:
                continue
            reference = row.values["source_reference"]
            key = int.from_bytes(hashlib.blake2b(reference.encode(), digest_size=8).digest())
            fingerprint = importing.row_fingerprint(row.values)
            if key in tally.seen:
                first, first_fingerprint = tally.seen[key]
                if first_fingerprint == fingerprint:
                    batch.duplicate_count += 1
                    tally.add(
                        Problem(row.number, "", "source_reference",
                                f"repeats row {first} exactly; imported once", "warning")
                    )  # fmt: skip
                else:
                    tally.add(
                        Problem(row.number, "", "source_reference",
                                f"has the same source reference as row {first} but other values")
                    )  # fmt: skip
                continue
            tally.seen[key] = (row.number, fingerprint)
            tally.pending.append(row)
            if len(tally.pending) >= CHUNK:
                _flush(tally)
        _flush(tally)


def _flush(tally: _Tally) -> None:
    """Save a chunk of clean rows, skipping references this source already has."""
    rows, tally.pending = tally.pending, []
    if not rows:
        return
    batch = tally.batch
    existing = {}
    if tally.source_had_reports:
        # By the source alone (it is the organisation's): with the organisation's filter too,
        # SQLite reads the organisation's every report for each chunk instead of using the
        # (source, reference) index.
        with scopes_disabled():
            existing = {
                r.source_reference: r
                for r in Report.objects.filter(
                    source=batch.source,
                    source_reference__in=[r.values["source_reference"] for r in rows],
                ).only("source_reference", *COMPARED_FIELDS)
            }
    new: list[tuple] = []
    for row in rows:
        stored = existing.get(row.values["source_reference"])
        if stored is None:
            batch.created_count += 1
            if tally.writing:
                new.append(
                    (batch.organisation_id, batch.source_id, batch.pk, tally.created_at,
                     *_report_values(row.values))
                )  # fmt: skip
            continue
        differing = [f for f in COMPARED_FIELDS if getattr(stored, f) != row.values[f]]
        if not differing:
            batch.unchanged_count += 1
        else:
            batch.conflict_count += 1
            tally.add(
                Problem(
                    row.number,
                    "",
                    "source_reference",
                    "already imported with other values in "
                    + ", ".join(differing)
                    + "; the stored report is kept unchanged",
                    "warning",
                )
            )
    # Rows the import has cleaned and checked, written without an instance each (see insert_rows).
    insert_rows(
        Report, ("organisation_id", "source_id", "batch_id", "created_at", *REPORT_VALUES), new
    )


@transaction.atomic
def seed_published_figures(
    *, organisation: Organisation, by: User | None = None, request: HttpRequest | None = None
) -> int:
    """Add the reference figures of other organisations the register lacks; returns how many."""
    created = 0
    for figure in FIGURES:
        _obj, was_created = PublishedFigure.objects.get_or_create(
            organisation=organisation,
            publisher=figure["publisher"],
            period_definition=figure["period_definition"],
            figure=figure["figure"],
            defaults={k: v for k, v in figure.items() if k not in ("publisher", "figure")},
        )
        created += was_created
    audit.record(
        "evidence.figures_seeded",
        organisation=organisation,
        actor=by,
        request=request,
        data={"created": created},
    )
    return created


EXPORT_COLUMNS = (
    "victim_id", "name", "father_name", "age", "gender", "ethnicity", "nationality", "province",
    "city", "prison", "charge_category", "date_start", "date_end", "date_precision", "announced",
    "verification", "identity_confirmed", "report_count", "source_references",
)  # fmt: skip


def export_victims(
    *,
    organisation: Organisation,
    stream: IO[str],
    file_format: str = "csv",
    by: User | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Write every current victim with the source references of its reports; returns the count.

    CSV cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
    `source_references` is a JSON list of [source name, reference] pairs.
    """
    count = 0
    if file_format == "csv":
        writer = csv.writer(stream)
        writer.writerow(EXPORT_COLUMNS)
        for row in _victim_rows(organisation):
            writer.writerow([_csv_safe(row[c]) for c in EXPORT_COLUMNS])
            count += 1
    elif file_format == "json":
        stream.write("[")
        for row in _victim_rows(organisation):
            stream.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
            count += 1
        stream.write("\n]\n")
    else:
        raise ValueError(f"unknown format {file_format!r}")
    with transaction.atomic():
        audit.record(
            "evidence.victims_exported",
            organisation=organisation,
            actor=by,
            request=request,
            data={"victims": count, "format": file_format},
        )
    return count


def _victim_rows(organisation: Organisation):
    for victim in queries.victims_for_export(organisation):
        references = [
            [m.report.source.name, m.report.source_reference] for m in victim.memberships.all()
        ]
        row: dict[str, Any] = {c: getattr(victim, c, None) for c in EXPORT_COLUMNS}
        row["victim_id"] = victim.pk
        row["report_count"] = len(references)
        row["source_references"] = references
        for key in ("date_start", "date_end"):
            if isinstance(row[key], dt.date):
                row[key] = row[key].isoformat()
        yield row


def _csv_safe(value: Any) -> Any:
    if isinstance(value, list):
        value = json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise(value)
