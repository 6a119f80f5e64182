"""Long work off the request: imports and linkage started from the web run as background tasks.

A page calls `start()`: the uploaded file and the choices that go with it are encrypted (a key
derived from the organisation's key, as for temporary files) into a `BackgroundTask` row, never
written to disk in clear, and django-tasks queues `run_background_task` (database backend:
`panah worker` runs it; `make demo` starts one, deploy/systemd/panah-worker.service in
production). The worker opens the payload and calls the kind's function, which calls the same
service as the synchronous path and the command line, under the member's organisation, name and
language, so the work is audited the same way; then it keeps the result encrypted and deletes
the payload.

Progress (rows done / total) and the worker's heartbeat go to the "tasks" cache (files under
var/), written at most every PROGRESS_EVERY seconds: an import holds SQLite's write lock for its
whole transaction, so the database cannot carry them.

A worker stopped mid-task (a restart, a crash, kill -9) leaves nothing half-done: an import is one
transaction, which the database rolls back. `recover_interrupted` (run by `panah worker` when it
starts and every RECOVER_EVERY seconds, and by a task's page) finds a running task whose worker
is gone, starts it again (up to MAX_ATTEMPTS in all), or marks it failed, and says so.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django_scopes import scope, scopes_disabled
from django_tasks import task
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from . import audit, spreadsheets
from .crypto.errors import CryptoError
from .crypto.fields import decrypt_bytes, encrypt_bytes
from .crypto.files import purpose_key
from .crypto.keys import active_organisation_key, organisation_key
from .models import BackgroundTask, Organisation, User

logger = logging.getLogger(__name__)

PURPOSE = "background-task"
PROGRESS_EVERY = 0.5  # seconds between two progress writes, at most one write in that time
HEARTBEAT_EVERY = 2.0  # seconds between two heartbeats of a running task's worker
STALE_AFTER = 30.0  # seconds without a heartbeat after which a running task's worker is gone
RECOVER_EVERY = 15.0  # seconds between two searches for interrupted tasks in `panah worker`
MAX_ATTEMPTS = 2  # an interrupted task is started once more, then reported failed

Status = BackgroundTask.Status


# --- Kinds of work -------------------------------------------------------------------------------


@dataclass
class Work:
    """What a kind's function is given: the task, its organisation and member, its choices,
    the file (decrypted, in memory) and the progress to report."""

    task: BackgroundTask
    organisation: Organisation
    by: User | None
    parameters: dict[str, Any]
    content: bytes | None
    progress: Progress

    def start_reading(
        self, file_name: str, limits: spreadsheets.Limits, formats: Iterable[str] = ("csv", "xlsx")
    ) -> bytes:
        """The file handed in, once the "reading" stage has started with about how many rows
        it holds (an import's first step)."""
        content = self.content or b""
        self.progress.start(
            "reading", spreadsheets.expected_rows(content, file_name, limits, formats)
        )
        return content


@dataclass(frozen=True)
class Kind:
    """One kind of background work and how its page shows it."""

    name: str
    title: str | Promise
    run: Callable[[Work], dict[str, Any]]  # returns the result kept (JSON), encrypted
    template: str  # shows the result on the task's page
    # Only the member who started it sees its page (it holds personal data, e.g. casework).
    personal: bool = False
    # Called by the page once finished: a response (e.g. a redirect to the import's own
    # page) replaces the task page; None keeps it.
    finished: Callable | None = None
    # Turns the stored result into the template's context.
    context: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Called (in recovery's transaction) when a run was interrupted: to close what the kind
    # recorded outside its own transaction (a linkage run's record).
    interrupted: Callable[[BackgroundTask], None] | None = None
    # False for work that changes no record and whose page records nothing either (a page's
    # estimate): its start, failure and interruption write no entry to the organisation's
    # chain, whose position the estimate is kept under (an entry would make it stale at once).
    audited: bool = True


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a kind of work known (apps call this from their AppConfig.ready)."""
    KINDS[kind.name] = kind
    return kind


def register_import(
    name: str,
    title: str | Promise,
    run: Callable[[Work], dict[str, Any]],
    *,
    template: str,
    report: type | None = None,
    row_error: type | None = None,
    personal: bool = False,
    finished: Callable | None = None,
) -> Kind:
    """Make an app's spreadsheet import known to the worker.

    With `report` and `row_error` (the import's report and row-error dataclasses), the page gets
    the stored result back as `report` (or `refused`, the whole file's refusal, if it holds one).
    """
    context = None
    if report is not None and row_error is not None:
        names = {f.name for f in fields(report)}

        def context(result: dict[str, Any]) -> dict[str, Any]:
            if "refused" in result:
                return {"refused": result["refused"]}
            kept = {k: v for k, v in result.items() if k in names}
            errors = [row_error(**e) for e in result.get("errors", [])]
            return {"report": report(**{**kept, "errors": errors})}

    return register(
        Kind(name, title, run, template=template, personal=personal, finished=finished,
             context=context)
    )  # fmt: skip


# --- Progress and heartbeat ----------------------------------------------------------------------


def _cache():
    return caches["tasks"]


def _progress_key(task_id) -> str:
    return f"panah-task-progress:{task_id}"


def _alive_key(task_id) -> str:
    return f"panah-task-alive:{task_id}"


class Progress:
    """Rows done out of a total (None when unknown), written at most every PROGRESS_EVERY s."""

    def __init__(self, task_id, *, every: float = PROGRESS_EVERY) -> None:
        self.key = _progress_key(task_id)
        self.every = every
        self.done = 0
        self.total: int | None = None
        self.stage = ""
        self._written = 0.0

    def start(self, stage: str, total: int | None = None) -> None:
        """A new stage ("reading", "saving", "linking"), its total if known; written now."""
        self.stage, self.total, self.done = stage, total, 0
        self._write()

    def rows(self, done: int) -> None:
        """`done` rows so far in this stage (written if the last write is old enough)."""
        self.done = done
        if self.total is not None and done > self.total:
            self.total = done  # the count ahead was an estimate (a CSV with quoted new lines)
        if time.monotonic() - self._written >= self.every:
            self._write()

    def finish(self) -> None:
        """Write the last figure (the throttle may have held it back)."""
        self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        _cache().set(
            self.key,
            {"stage": self.stage, "done": self.done, "total": self.total, "at": time.time()},
        )


def read_progress(task_id) -> dict[str, Any]:
    """The last progress written for a task: stage, done, total (or None), percent (or None)."""
    found = _cache().get(_progress_key(task_id)) or {}
    done, total = found.get("done", 0), found.get("total")
    percent = min(100, round(100 * done / total)) if total else None
    return {"stage": found.get("stage", ""), "done": done, "total": total, "percent": percent}


def _beat(task_id) -> None:
    _cache().set(
        _alive_key(task_id), {"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()}
    )


class _Heartbeat(threading.Thread):
    """Says every HEARTBEAT_EVERY seconds that the task's worker is alive (a thread, so a long
    step without progress, such as training the linkage model, still beats)."""

    def __init__(self, task_id) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{task_id}")
        self.task_id = task_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_EVERY):
            try:
                _beat(self.task_id)
            except OSError:  # a full disk must not stop the work; recovery waits STALE_AFTER
                logger.warning("The heartbeat of task %s could not be written", self.task_id)

    def stop(self) -> None:
        self.stopped.set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_gone(task: BackgroundTask, *, now: float | None = None) -> bool:
    """Whether a running task's worker has stopped: its process is gone (same host), or it has
    not beaten for STALE_AFTER seconds."""
    now = time.time() if now is None else now
    beat = _cache().get(_alive_key(task.pk))
    if beat is None:
        started = task.started_at.timestamp() if task.started_at else 0
        return now - started > STALE_AFTER
    if beat.get("host") == socket.gethostname() and not _pid_alive(int(beat.get("pid", 0))):
        return True
    return now - float(beat.get("at", 0)) > STALE_AFTER


# --- Sealing the payload and the result ----------------------------------------------------------


def _context(task: BackgroundTask, column: str) -> bytes:
    return f"core_backgroundtask|{column}|{task.pk}|org={task.organisation_id}".encode()


def _seal(task: BackgroundTask, column: str, data: bytes) -> bytes:
    key = purpose_key(organisation_key(task.key_id, organisation_id=task.organisation_id), PURPOSE)
    return encrypt_bytes(key, data, _context(task, column))


def _open(task: BackgroundTask, column: str) -> bytes:
    key = purpose_key(organisation_key(task.key_id, organisation_id=task.organisation_id), PURPOSE)
    return decrypt_bytes(
        key, bytes(getattr(task, column)), _context(task, column), where=f"task {task.pk} {column}"
    )


def _pack(parameters: dict[str, Any], content: bytes | None) -> bytes:
    # JSON never holds a raw new line: the first one ends the parameters.
    head = json.dumps({"parameters": parameters, "has_file": content is not None})
    return head.encode() + b"\n" + (content or b"")


def _unpack(blob: bytes) -> tuple[dict[str, Any], bytes | None]:
    head, _, content = blob.partition(b"\n")
    meta = json.loads(head)
    return meta["parameters"], (content if meta["has_file"] else None)


def result_of(task: BackgroundTask) -> dict[str, Any] | None:
    """The task's result, decrypted (None while it runs; an error when it does not open)."""
    if task.result is None:
        return None
    try:
        return json.loads(_open(task, "result"))
    except CryptoError:
        logger.error("The result of task %s does not decrypt", task.pk)
        return {"error_code": "unreadable"}


# --- Services ------------------------------------------------------------------------------------


def start(
    *,
    organisation: Organisation,
    by: User | None,
    kind: str,
    permission: str,
    parameters: dict[str, Any],
    content: bytes | None = None,
    request=None,
) -> BackgroundTask:
    """Queue `kind` for the worker with its file and choices (encrypted); returns the task."""
    if kind not in KINDS:
        raise KeyError(kind)
    org_key = active_organisation_key(organisation.pk)
    item = BackgroundTask(
        organisation=organisation,
        started_by=by,
        kind=kind,
        permission=permission,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        key_id=org_key.key_id,
    )
    item.payload = _seal(item, "payload", _pack(parameters, content))
    with scopes_disabled(), transaction.atomic():
        item.save()
        if KINDS[kind].audited:
            audit.record(
                "core.task_started",
                organisation=organisation,
                actor=by,
                obj=item,
                request=request,
                data={"kind": kind, "bytes": len(content or b"")},
            )
    _enqueue(item)
    return item


def start_for_member(
    request: HttpRequest,
    *,
    kind: str,
    permission: str,
    parameters: dict[str, Any],
    content: bytes | None = None,
) -> BackgroundTask:
    """Queue `kind` from a page: for the request's organisation, under the member's name (the
    view redirects to the task's page)."""
    return start(
        organisation=request.organisation,
        by=request.user,
        kind=kind,
        permission=permission,
        parameters=parameters,
        content=content,
        request=request,
    )


def _enqueue(item: BackgroundTask) -> None:
    queued = run_background_task.enqueue(str(item.pk))
    with scopes_disabled():
        BackgroundTask.objects.filter(pk=item.pk).update(task_result_id=str(queued.id))
    item.task_result_id = str(queued.id)


@task()
def run_background_task(task_id: str) -> str:
    """The one django-tasks task: run the BackgroundTask `task_id` (see `execute`)."""
    return execute(task_id)


def execute(task_id: str) -> str:
    """Run a queued task once: claim it, run its kind, keep the result, delete the payload."""
    with scopes_disabled(), transaction.atomic():
        item = (
            BackgroundTask.objects.select_for_update(of=("self",))
            .select_related("organisation", "started_by")
            .filter(pk=task_id)
            .first()
        )
        if item is None or item.status != Status.QUEUED:
            return "skipped"
        item.status = Status.RUNNING
        item.attempts += 1
        item.started_at = timezone.now()
        item.save(update_fields=["status", "attempts", "started_at"])
    _beat(item.pk)
    heartbeat = _Heartbeat(item.pk)
    heartbeat.start()
    progress = Progress(item.pk)
    status = Status.FINISHED
    try:
        with (
            translation.override(item.language or settings.LANGUAGE_CODE),
            scope(organisation=item.organisation),
        ):
            try:
                parameters, content = _unpack(_open(item, "payload"))
            except CryptoError:
                logger.error("The payload of task %s does not decrypt", item.pk)
                result, status = {"error_code": "unreadable"}, Status.FAILED
            else:
                work = Work(item, item.organisation, item.started_by, parameters, content, progress)
                result = KINDS[item.kind].run(work)
    except Exception:
        logger.exception("Background task %s (%s) stopped with an error", item.pk, item.kind)
        result, status = {"error_code": "unexpected"}, Status.FAILED
    finally:
        heartbeat.stop()
    progress.finish()
    _finish(item, status, result)
    return str(status)


def _finish(item: BackgroundTask, status: str, result: dict[str, Any]) -> None:
    item.status = status
    item.finished_at = timezone.now()
    item.payload = None
    item.result = _seal(item, "result", json.dumps(result).encode())
    with scopes_disabled(), transaction.atomic():
        item.save(update_fields=["status", "finished_at", "payload", "result"])
        if status == Status.FAILED and _audited(item):
            audit.record(
                "core.task_failed",
                organisation=item.organisation,
                actor=item.started_by,
                obj=item,
                data={"kind": item.kind, "reason": result.get("error_code", "")},
            )
    _cache().delete(_alive_key(item.pk))


def _audited(item: BackgroundTask) -> bool:
    kind = KINDS.get(item.kind)
    return kind is None or kind.audited


def recover_interrupted(task_ids: list | None = None) -> list[BackgroundTask]:
    """Tasks left running by a worker that stopped: started again, or failed when they ran out of
    attempts (MAX_ATTEMPTS). Nothing of theirs was saved: their work was one transaction."""
    with scopes_disabled():
        # Without their files (read again below, for the few that were interrupted).
        running = BackgroundTask.objects.filter(status=Status.RUNNING).defer("payload")
        if task_ids is not None:
            running = running.filter(pk__in=task_ids)
        candidates = [t for t in running.select_related("organisation") if worker_gone(t)]
    recovered = []
    for candidate in candidates:
        again = False
        with scopes_disabled(), transaction.atomic():
            item = (
                BackgroundTask.objects.select_for_update(of=("self",))
                .select_related("organisation", "started_by")
                .get(pk=candidate.pk)
            )
            if item.status != Status.RUNNING:
                continue
            _abandon_queued_result(item.task_result_id)
            kind = KINDS.get(item.kind)
            if kind and kind.interrupted:
                kind.interrupted(item)
            item.notes = [
                *item.notes,
                {"code": "interrupted", "attempt": item.attempts, "at": timezone.now().isoformat()},
            ]
            if item.attempts < MAX_ATTEMPTS and item.payload is not None:
                item.status = Status.QUEUED
                item.save(update_fields=["status", "notes"])
                again = True
            else:
                item.status = Status.FAILED
                item.finished_at = timezone.now()
                item.payload = None
                item.result = _seal(
                    item, "result", json.dumps({"error_code": "interrupted"}).encode()
                )
                item.save(update_fields=["status", "notes", "finished_at", "payload", "result"])
            if _audited(item):
                audit.record(
                    "core.task_interrupted",
                    organisation=item.organisation,
                    actor=item.started_by,
                    obj=item,
                    data={"kind": item.kind, "attempt": item.attempts, "started_again": again},
                )
        _cache().delete(_alive_key(item.pk))
        if again:
            _enqueue(item)
        recovered.append(item)
    return recovered


def _abandon_queued_result(task_result_id: str) -> None:
    """Mark django-tasks' own record of an interrupted run failed (it would stay "running")."""
    if not task_result_id or not _uses_database_backend():
        return

    DBTaskResult.objects.filter(id=task_result_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


def _uses_database_backend() -> bool:
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def queued_too_long(item: BackgroundTask, *, seconds: float = 60) -> bool:
    """A task still waiting after `seconds`: the page says the worker may be stopped."""
    return (
        item.status == Status.QUEUED
        and (timezone.now() - item.created_at).total_seconds() > seconds
        and not item.notes
    )
