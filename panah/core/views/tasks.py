"""A background task's page: its progress while it runs, its result once done.

Each app routes its own tasks' page under its own permission (evidence:task, cases:import_task,
shelter:import_task) and calls `task_page`. A task is found only in the member's organisation,
only by members holding the permission of the page that started it, and, for a task holding
personal data, only by the member who started it; anyone else gets 404.

The page polls its progress with htmx every second (the same URL with ?part=progress); without
JavaScript a link refreshes it. Polling reads only the progress cache, never writes to the
database: an import holds SQLite's write lock until it ends.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .. import audit, background
from ..access import get_for_member
from ..models import BackgroundTask
from ..rules import member_may

Status = BackgroundTask.Status


def task_for_member(request: HttpRequest, pk, kinds: tuple[str, ...]) -> BackgroundTask:
    """The task `pk` of the member's organisation among `kinds`, if they may see it; else 404."""
    # Without the file it carries (up to 50 MB, encrypted): the page polls every second.
    item = get_for_member(
        request,
        BackgroundTask,
        find=lambda org: (
            BackgroundTask.objects.defer("payload").filter(organisation_id=org, pk=pk).first()
        ),
    )
    if item.kind not in kinds or item.kind not in background.KINDS:
        raise Http404
    if not member_may(request.membership, item.permission):
        raise Http404
    if background.KINDS[item.kind].personal and item.started_by_id != request.user.pk:
        raise Http404
    return item


def task_page(request: HttpRequest, pk, *, kinds: tuple[str, ...]) -> HttpResponse:
    """The task's page (or, with ?part=progress, the progress block htmx swaps in)."""
    item = task_for_member(request, pk, kinds)
    kind = background.KINDS[item.kind]
    if item.status == Status.RUNNING and background.worker_gone(item):
        background.recover_interrupted([item.pk])
        item.refresh_from_db()
    done = item.status in (Status.FINISHED, Status.FAILED)
    if request.GET.get("part") == "progress":
        if done:
            # The whole page now shows the result: htmx reloads it.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "core/_task_progress.html", _progress_context(item))
    result = background.result_of(item) if done else None
    if done and item.status == Status.FINISHED and kind.finished:
        response = kind.finished(request, item, result)
        if response is not None:
            return response
    if done and kind.personal:
        audit.record_read(
            "core.task_result.viewed",
            organisation=request.organisation,
            actor=request.user,
            obj=item,
            request=request,
        )
    context = {**_progress_context(item), "kind": kind, "result": result or {}, "done": done}
    if done and result and kind.context and "error_code" not in result:
        context.update(kind.context(result))
    return render(request, "core/task.html", context)


def _progress_context(item: BackgroundTask) -> dict:
    return {
        "task": item,
        "progress": background.read_progress(item.pk),
        "waiting_long": background.queued_too_long(item),
        "interruptions": [n for n in item.notes if n.get("code") == "interrupted"],
    }
