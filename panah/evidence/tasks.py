"""The evidence app's background work: importing a file (dry run or for good), linking, and the
statistics page's estimate.

Each calls the same service as the command line (services.import_reports, linkage_runs.run_linkage,
Statistics.page_estimate), in the worker, under the member's organisation and name
(panah.core.background).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scope

from panah.core import background
from panah.core.models import BackgroundTask, Organisation, User
from panah.core.views.tasks import task_for_member

from . import importing, linkage_runs, services, uploads
from .models import LinkageRun, Source
from .statistics import ESTIMATE_SECONDS, EstimateSummary, Scope, Statistics

IMPORT = "evidence.import"
LINK = "evidence.link"
ESTIMATE = "evidence.estimate"


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


def run_estimate(work: background.Work) -> dict[str, Any]:
    """Make the statistics page's estimate (15 s for 3,000 reports) as the page would have."""
    p = work.parameters
    work.progress.start("estimating")
    stats = Statistics(work.organisation, Scope(**p["scope"]))
    try:
        summary = stats.page_estimate(p["year"], sources=p["sources"])
    except ValueError as exc:  # fewer than two sources: the page says why
        return {"refused": str(exc), "back": p["back"]}
    return {"summary": summary.as_dict(), "back": p["back"]}


@dataclass
class PageEstimate:
    """A page's estimate: made (`summary`), refused (`error`), being made (`task`), or its
    task failed (`failed`: its page says why)."""

    summary: EstimateSummary | None = None
    error: str = ""
    task: BackgroundTask | None = None
    failed: BackgroundTask | None = None


def _task_key(key: str) -> str:
    return f"panah-estimate-task:{key}"


def _shown(stats: Statistics, key: str, task: BackgroundTask, again: bool) -> PageEstimate | None:
    """What the page shows of the task made for `key`; None when it is to be started again."""
    if task.status in (BackgroundTask.Status.QUEUED, BackgroundTask.Status.RUNNING):
        return PageEstimate(task=task)
    result = background.result_of(task) or {}
    if task.status == BackgroundTask.Status.FINISHED and "summary" in result:
        summary = EstimateSummary.from_dict(result["summary"])
        stats.keep_estimate(key, summary)  # this process shows it from now on without the task
        return PageEstimate(summary=summary)
    if task.status == BackgroundTask.Status.FINISHED and "refused" in result:
        return PageEstimate(error=result["refused"])
    return None if again else PageEstimate(failed=task)


def page_estimate(
    stats: Statistics,
    year: int | None,
    *,
    sources: list[str] | None = None,
    by: User | None,
    back: str = "",
    again: bool = False,
) -> PageEstimate:
    """The estimate of the page if it is made for this state of the records; else the one task
    making it, started now if none is (in the organisation's lock: many members opening the
    page start one task). A failed task is started again only when asked (`again`). `back` is
    the page's query string the task's page links back to."""
    key = stats.estimate_key(year, sources=sources)
    summary = stats.kept_estimate(key)
    if summary is not None:
        return PageEstimate(summary=summary)
    organisation = stats.organisation
    found = _task_for_key(organisation, key)
    shown = None if found is None else _shown(stats, key, found, again)
    if shown is not None:
        return shown
    with transaction.atomic():
        # Two pages asking at once: the second waits here, then finds the first one's task.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        found = _task_for_key(organisation, key)
        shown = None if found is None else _shown(stats, key, found, again)
        if shown is not None:
            return shown
        found = background.start(
            organisation=organisation,
            by=by,
            kind=ESTIMATE,
            permission="evidence.view_evidence",
            parameters={
                "scope": {
                    "verification": stats.scope.verification,
                    "named_only": stats.scope.named_only,
                },
                "year": year,
                "sources": sources,
                "back": back,
            },
        )
        caches["tasks"].set(_task_key(key), str(found.pk), ESTIMATE_SECONDS)
    found.refresh_from_db()  # run already when the tasks run in the request (the tests)
    return _shown(stats, key, found, again=False) or PageEstimate(task=found)


def _task_for_key(organisation: Organisation, key: str) -> BackgroundTask | None:
    task_id = caches["tasks"].get(_task_key(key))
    if not task_id:
        return None
    with scope(organisation=organisation):
        return BackgroundTask.objects.filter(
            pk=task_id, organisation=organisation, kind=ESTIMATE
        ).first()


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
    background.register(
        background.Kind(
            ESTIMATE,
            _("Computing the estimate"),
            run_estimate,
            template="evidence/_task_estimate.html",
            audited=False,  # the page records nothing, and an entry would change the key
        )
    )
