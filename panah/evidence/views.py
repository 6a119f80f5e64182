"""Pages of the evidence app: sources, reports, importing a file, the published figures register.

Importing is four steps: upload (the file is checked and kept aside), map the columns, read the
dry run's report, confirm. The dry run and the import run as background tasks
(panah.core.background): the page shows their progress, then the batch's report. Between steps the member's session names the pending upload, which is
kept encrypted under the organisation's key (panah.evidence.uploads); it is deleted once
imported or replaced, at logout, or after a day.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import background
from panah.core.access import get_for_member, needs_permission
from panah.core.crypto.errors import CryptoError
from panah.core.forms import submit
from panah.core.views.tasks import task_page

from . import importing, queries, services, tasks, uploads
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .forms import FIELD_LABELS, MappingForm, ReportFilterForm, SourceForm, UploadForm
from .models import ImportBatch, ImportStatus, Report, Source

logger = logging.getLogger(__name__)

PENDING = uploads.PENDING


# --- Sources -------------------------------------------------------------------------------------


@needs_permission("evidence.view_evidence")
def sources(request: HttpRequest) -> HttpResponse:
    """The organisation's sources with their number of reports."""
    return render(
        request, "evidence/sources.html", {"sources": queries.sources(request.organisation)}
    )


@needs_permission("evidence.manage_sources")
def source_create(request: HttpRequest) -> HttpResponse:
    """Register a new source."""
    form = SourceForm(request.POST or None)
    created = submit(request, form, lambda data: services.create_source(
        organisation=request.organisation, by=request.user, request=request, **data
    ))  # fmt: skip
    if created.done:
        messages.success(request, _("Source %(name)s added.") % {"name": created.result.name})
        return redirect("evidence:sources")
    return render(request, "evidence/source_form.html", {"form": form})


# --- Reports -------------------------------------------------------------------------------------


@needs_permission("evidence.view_evidence")
def reports(request: HttpRequest) -> HttpResponse:
    """Reports, filtered by source, year, verification and name, fifty to a page."""
    form = ReportFilterForm(request.GET or None, organisation=request.organisation)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = queries.reports(
        request.organisation,
        source=filters.get("source"),
        year=filters.get("year"),
        verification=filters.get("verification") or "",
        name=filters.get("name") or "",
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "evidence/reports.html", {"form": form, "page": page})


@needs_permission("evidence.view_evidence")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report as written, with what was read from it and the victim it belongs to."""
    try:
        report = queries.report_with_victim(request.organisation, pk)
    except Report.DoesNotExist:
        raise Http404 from None
    return render(request, "evidence/report_detail.html", {"report": report})


# --- Import --------------------------------------------------------------------------------------


def _pending(request: HttpRequest) -> dict | None:
    """The member's upload waiting for mapping or confirmation, in this organisation."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("organisation") != request.organisation.pk:
        return None
    if not uploads.is_kept(pending):
        return None
    if pending.get("dry_run_task") and not pending.get("dry_run_batch"):
        # The dry run ran in the background: its batch is known once it has finished.
        batch = tasks.finished_batch(request, pending["dry_run_task"])
        if batch is not None:
            pending["dry_run_batch"] = batch
            request.session[PENDING] = pending
    return pending


def _discard_pending(request: HttpRequest) -> None:
    uploads.discard(request.session.pop(PENDING, None))


def _pending_content(request: HttpRequest, pending: dict) -> bytes | None:
    """The pending upload decrypted, or None (and it is discarded) when it does not open."""
    try:
        return uploads.read(request.organisation, pending)
    except CryptoError as exc:
        # Altered on disk, or its key is gone: fail closed, and let the member upload again.
        logger.error("A pending evidence upload does not decrypt: %s", exc)
        _discard_pending(request)
        messages.error(
            request, _("The file waiting to be imported cannot be read. Upload it again.")
        )
        return None


@needs_permission("evidence.import_reports")
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the source and the file; it is checked before anything is read."""
    uploads.remove_stale()
    # "Upload a corrected file": the file it replaces names the source and the column choices.
    previous = _pending(request)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organisation=request.organisation,
        initial={"source": previous["source"]} if previous else None,
    )
    if request.method == "POST" and form.is_valid():
        _discard_pending(request)
        upload = form.cleaned_data["file"]
        file_format = importing.detect_format(upload.name)
        # Checked in memory (the form capped its size): only a file that passes is kept, and
        # then only encrypted.
        content = b"".join(upload.chunks())
        try:
            importing.check_file(content, file_format)
            with importing.open_table(content, file_format) as table:
                columns = table.columns
        except importing.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            request.session[PENDING] = {
                "organisation": request.organisation.pk,
                **uploads.keep(request.organisation, content),
                "format": file_format,
                "file_name": Path(upload.name).name[:255],
                "source": form.cleaned_data["source"].pk,
                "columns": columns,
            }
            if previous and previous.get("mapping"):
                request.session[PENDING]["mapping"] = {
                    c: t for c, t in previous["mapping"].items() if c in columns
                }
            return redirect("evidence:import_columns")
    return render(
        request,
        "evidence/import_upload.html",
        {
            "form": form,
            "batches": queries.batches(request.organisation)[:10],
            "previous": previous,
        },
    )


@needs_permission("evidence.import_reports")
def import_columns(request: HttpRequest) -> HttpResponse:
    """Step 2: say which of our fields each column feeds; then a dry run checks every row."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Upload a file first."))
        return redirect("evidence:import_upload")
    columns = pending["columns"]
    # A corrected file keeps the choices made for the file it replaces (see import_upload).
    initial = {**importing.suggest_mapping(columns), **(pending.get("mapping") or {})}
    form = MappingForm(request.POST or None, columns=columns, initial_mapping=initial)
    valid = request.method == "POST" and form.is_valid()
    if valid and "preview" not in request.POST:
        source = get_for_member(request, Source, pk=pending["source"])
        content = _pending_content(request, pending)
        if content is None:
            return redirect("evidence:import_upload")
        # The dry run reads every row: in the worker, not under the request's timeout.
        task = background.start_for_member(
            request,
            kind=tasks.IMPORT,
            permission="evidence.import_reports",
            parameters={
                "source": source.pk,
                "file_name": pending["file_name"],
                "mapping": form.mapping,
                "dry_run": True,
            },
            content=content,
        )
        pending.update(mapping=form.mapping, dry_run_task=str(task.pk), dry_run_batch=None)
        request.session[PENDING] = pending
        return redirect("evidence:task", pk=task.pk)
    if valid:  # "Preview": keep the choices for the next visit, read the first rows again
        pending["mapping"] = form.mapping
        request.session[PENDING] = pending
    return render(
        request,
        "evidence/import_columns.html",
        {
            "form": form,
            "pending": pending,
            "labels": FIELD_LABELS,
            "preview": _preview(request, pending, form.preview_mapping()),
        },
    )


def _preview(request: HttpRequest, pending: dict, mapping: dict[str, str]) -> dict | None:
    """The first rows of the pending file as read with `mapping`, for the column step."""
    content = _pending_content(request, pending)
    if content is None:
        return None
    try:
        with importing.open_table(content, pending["format"]) as table:
            rows = importing.preview_rows(table, mapping)
    except importing.ImportRefused as exc:
        return {"error": str(exc), "rows": []}
    fields = [f for f in importing.FIELD_NAMES if f in mapping.values()]
    column_of = {target: column for column, target in mapping.items()}
    shown = [
        {
            "row": row,
            "others": [
                (column_of[f], FIELD_LABELS[f], row.values.get(f))
                for f in fields
                if f not in ("name_as_written", "date_as_written", "source_reference")
            ],
        }
        for row in rows
    ]
    return {"rows": shown, "mapping": mapping}


@needs_permission("evidence.import_reports")
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 4: import the file whose dry run the member has just read."""
    pending = _pending(request)
    if pending is None or not pending.get("dry_run_batch"):
        messages.error(request, _("There is no checked file waiting to be imported."))
        return redirect("evidence:import_upload")
    dry_run = get_for_member(request, ImportBatch, pk=pending["dry_run_batch"])
    if dry_run.status != ImportStatus.DRY_RUN:
        messages.error(request, _("Correct the file first: its dry run found errors."))
        return redirect("evidence:batch", pk=dry_run.pk)
    content = _pending_content(request, pending)
    if content is None:
        return redirect("evidence:import_upload")
    task = background.start_for_member(
        request,
        kind=tasks.IMPORT,
        permission="evidence.import_reports",
        parameters={
            "source": dry_run.source_id,
            "file_name": pending["file_name"],
            "mapping": pending["mapping"],
            "dry_run": False,
        },
        content=content,
    )
    # The task holds the file now (encrypted, in the database): the pending copy goes.
    _discard_pending(request)
    return redirect("evidence:task", pk=task.pk)


@needs_permission("evidence.view_evidence")
def task(request: HttpRequest, pk) -> HttpResponse:
    """An import or a linkage run started from these pages: its progress, then its result."""
    return task_page(request, pk, kinds=(tasks.IMPORT, tasks.LINK))


@needs_permission("evidence.view_evidence")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3, and the record of any import: counts, the row-level report and the mapping."""
    batch = get_for_member(request, ImportBatch, pk=pk)
    pending = _pending(request)
    awaiting = bool(pending and pending.get("dry_run_batch") == batch.pk)
    return render(
        request,
        "evidence/batch.html",
        {
            "batch": batch,
            "awaiting_confirmation": awaiting and batch.status == ImportStatus.DRY_RUN,
            "can_remap": awaiting,
            "labels": FIELD_LABELS,
        },
    )


# --- Published figures ---------------------------------------------------------------------------


@needs_permission("evidence.view_evidence")
def figures(request: HttpRequest) -> HttpResponse:
    """Other organisations' published counts, as they published them."""
    return render(
        request,
        "evidence/figures.html",
        {"figures": queries.published_figures(request.organisation)},
    )


@needs_permission("evidence.manage_sources")
@require_POST
def figures_seed(request: HttpRequest) -> HttpResponse:
    """Add the reference figures the register lacks."""
    created = services.seed_published_figures(
        organisation=request.organisation, by=request.user, request=request
    )
    messages.success(request, _("%(n)s published figures added.") % {"n": created})
    return redirect("evidence:figures")
