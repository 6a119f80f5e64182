"""Pages of the evidence app: sources, reports, importing a file, the published figures register.

Importing is four steps: upload (the file is checked and kept aside), map the columns, read the
dry run's report, confirm. Between steps the pending upload lives in the member's session and a
private file under var/; it is deleted once imported or replaced.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core.access import get_for_member, permission_required

from . import importing, queries, services
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .forms import FIELD_LABELS, MappingForm, ReportFilterForm, SourceForm, UploadForm
from .models import ImportBatch, ImportStatus, Report, Source

PENDING = "evidence_import"
STALE_SECONDS = 24 * 3600


# --- Sources -------------------------------------------------------------------------------------


@permission_required("evidence.view_evidence")
def sources(request: HttpRequest) -> HttpResponse:
    """The organisation's sources with their number of reports."""
    return render(
        request, "evidence/sources.html", {"sources": queries.sources(request.organisation)}
    )


@permission_required("evidence.manage_sources")
def source_create(request: HttpRequest) -> HttpResponse:
    """Register a new source."""
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.create_source(
                organisation=request.organisation, by=request.user, request=request,
                **form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, _("Source %(name)s added.") % {"name": source.name})
            return redirect("evidence:sources")
    return render(request, "evidence/source_form.html", {"form": form})


# --- Reports -------------------------------------------------------------------------------------


@permission_required("evidence.view_evidence")
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


@permission_required("evidence.view_evidence")
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report as written, with what was read from it and the victim it belongs to."""
    try:
        report = queries.report_with_victim(request.organisation, pk)
    except Report.DoesNotExist:
        raise Http404 from None
    return render(request, "evidence/report_detail.html", {"report": report})


# --- Import --------------------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(getattr(settings, "EVIDENCE_UPLOAD_DIR", settings.VAR_DIR / "evidence-uploads"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _pending(request: HttpRequest) -> dict | None:
    """The member's upload waiting for mapping or confirmation, in this organisation."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("organisation") != request.organisation.pk:
        return None
    if not _pending_path(pending).is_file():
        return None
    return pending


def _pending_path(pending: dict) -> Path:
    # The token is ours (hex), never the uploaded name, so no path can be smuggled in.
    return _upload_dir() / f"{pending['token']}.{pending['format']}"


def _discard_pending(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING, None)
    if pending and all(k in pending for k in ("token", "format")):
        _pending_path(pending).unlink(missing_ok=True)


def _remove_stale_uploads() -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in _upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@permission_required("evidence.import_reports")
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the source and the file; it is checked before anything is read."""
    form = UploadForm(
        request.POST or None, request.FILES or None, organisation=request.organisation
    )
    if request.method == "POST" and form.is_valid():
        _discard_pending(request)
        _remove_stale_uploads()
        upload = form.cleaned_data["file"]
        file_format = importing.detect_format(upload.name)
        pending = {
            "organisation": request.organisation.pk,
            "token": secrets.token_hex(16),
            "format": file_format,
            "file_name": Path(upload.name).name[:255],
            "source": form.cleaned_data["source"].pk,
        }
        path = _pending_path(pending)
        with open(path, "wb") as out:
            path.chmod(0o600)
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            importing.check_file(path, file_format)
            with importing.Table(path, file_format) as table:
                columns = table.columns
        except importing.ImportRefused as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", str(exc))
        else:
            pending["columns"] = columns
            request.session[PENDING] = pending
            return redirect("evidence:import_columns")
    return render(
        request,
        "evidence/import_upload.html",
        {"form": form, "batches": queries.batches(request.organisation)[:10]},
    )


@permission_required("evidence.import_reports")
def import_columns(request: HttpRequest) -> HttpResponse:
    """Step 2: say which of our fields each column feeds; then a dry run checks every row."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Upload a file first."))
        return redirect("evidence:import_upload")
    columns = pending["columns"]
    initial = pending.get("mapping") or importing.suggest_mapping(columns)
    form = MappingForm(request.POST or None, columns=columns, initial_mapping=initial)
    if request.method == "POST" and form.is_valid():
        source = get_for_member(request, Source, pk=pending["source"])
        batch = services.import_reports(
            organisation=request.organisation,
            source=source,
            path=_pending_path(pending),
            file_name=pending["file_name"],
            mapping=form.mapping,
            dry_run=True,
            by=request.user,
            request=request,
        )
        pending.update(mapping=form.mapping, dry_run_batch=batch.pk)
        request.session[PENDING] = pending
        return redirect("evidence:batch", pk=batch.pk)
    return render(
        request,
        "evidence/import_columns.html",
        {"form": form, "pending": pending, "labels": FIELD_LABELS},
    )


@permission_required("evidence.import_reports")
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
    batch = services.import_reports(
        organisation=request.organisation,
        source=dry_run.source,
        path=_pending_path(pending),
        file_name=pending["file_name"],
        mapping=pending["mapping"],
        by=request.user,
        request=request,
    )
    _discard_pending(request)
    if batch.status == ImportStatus.IMPORTED:
        messages.success(request, _("%(n)s new reports imported.") % {"n": batch.created_count})
    else:
        messages.error(request, _("The file was refused; nothing was saved."))
    return redirect("evidence:batch", pk=batch.pk)


@permission_required("evidence.view_evidence")
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


@permission_required("evidence.view_evidence")
def figures(request: HttpRequest) -> HttpResponse:
    """Other organisations' published counts, as they published them."""
    return render(
        request,
        "evidence/figures.html",
        {"figures": queries.published_figures(request.organisation)},
    )


@permission_required("evidence.manage_sources")
@require_POST
def figures_seed(request: HttpRequest) -> HttpResponse:
    """Add the reference figures the register lacks."""
    created = services.seed_published_figures(
        organisation=request.organisation, by=request.user, request=request
    )
    messages.success(request, _("%(n)s published figures added.") % {"n": created})
    return redirect("evidence:figures")
