"""The evidence app's background work: importing a file (dry run or for good) and linking.

Each calls the same service as the command line (services.import_reports, linkage_runs.run_linkage),
in the worker, under the member's organisation and name (panah.core.background).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from panah.core import background
from panah.core.models import BackgroundTask
from panah.core.views.tasks import task_for_member

from . import importing, linkage_runs, services, uploads
from .models import LinkageRun, Source

IMPORT = "evidence.import"
LINK = "evidence.link"


def run_import(work: background.Work) -> dict[str, Any]:
    """Check (dry run) or import the file into its source; the batch records the outcome."""
    p = work.parameters
    source = Source.objects.get(pk=p["source"])
    content = work.start_reading(p["file_name"], importing.limits(), importing.FORMATS)
    batch = services.import_reports(
        organisation=work.organisation,
        source=source,
        path=content,
        file_name=p["file_name"],
        mapping=p.get("mapping"),
        dry_run=p["dry_run"],
        by=work.by,
        progress=work.progress.rows,
    )
    return {"batch": batch.pk, "status": batch.status, "created": batch.created_count}


def import_finished(request: HttpRequest, task: BackgroundTask, result: dict) -> HttpResponse:
    """The batch's page is the import's result; a dry run becomes the one awaiting confirmation."""
    pending = request.session.get(uploads.PENDING)
    waiting = pending and pending.get("dry_run_task") == str(task.pk)
    if waiting and pending.get("dry_run_batch") != result["batch"]:
        pending["dry_run_batch"] = result["batch"]
        request.session[uploads.PENDING] = pending
    return redirect("evidence:batch", pk=result["batch"])


def finished_batch(request: HttpRequest, task_id: str) -> int | None:
    """The batch of the member's import task `task_id` once it has finished, else None."""
    try:
        task = task_for_member(request, task_id, (IMPORT,))
    except Http404:
        return None
    if task.status != BackgroundTask.Status.FINISHED:
        return None
    return (background.result_of(task) or {}).get("batch")


def run_link(work: background.Work) -> dict[str, Any]:
    """Link the organisation's reports into victims (the review queue is replaced)."""
    work.progress.start("linking")
    try:
        run = linkage_runs.run_linkage(
            organisation=work.organisation, by=work.by, retrain=work.parameters["retrain"]
        )
    except linkage_runs.LinkageRefused as exc:
        return {"refused": str(exc)}
    return {
        "run": run.pk,
        "victims": run.victim_count,
        "reports": run.report_count,
        "review": run.review_count,
    }


def link_interrupted(task: BackgroundTask) -> None:
    """A linkage run whose worker stopped stays "running" in its record: mark it failed. Its
    victims were not touched (they change in one transaction at the end)."""
    LinkageRun.objects.filter(
        organisation=task.organisation,
        status=LinkageRun.Status.RUNNING,
        started_by=task.started_by,
        started_at__gte=task.started_at,
    ).update(
        status=LinkageRun.Status.FAILED,
        finished_at=timezone.now(),
        notes="Interrupted: the background worker stopped; the victims were left as they were.",
    )


def register() -> None:
    """Make the evidence app's kinds of background work known."""
    background.register_import(
        IMPORT, _("Importing reports"), run_import, template="evidence/_task_import.html",
        finished=import_finished,
    )  # fmt: skip
    background.register(
        background.Kind(
            LINK,
            _("Linking the reports"),
            run_link,
            template="evidence/_task_link.html",
            interrupted=link_interrupted,
        )
    )
