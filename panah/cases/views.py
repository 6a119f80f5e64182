"""Casework pages: my cases, deadlines, a case and its forms, statistics, rules, import.

Thin: each view authorises (one access decorator; the case through get_for_member with an
object rule, so a case the member may not open is a 404), parses a form, calls one service and
renders. Pages are written for a phone first: one column, big targets, forms on their own page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from panah.core import audit, background, charts
from panah.core.access import get_for_member, needs_permission
from panah.core.downloads import private_file
from panah.core.forms import submit
from panah.core.models import User
from panah.core.reauth import recent_authentication_required
from panah.core.rules import member_may
from panah.core.spreadsheets import neutralise_row
from panah.core.views.tasks import task_page
from panah.people.queries import people_for
from panah.people.views import person_for_member, record_view, refuse_undecryptable

from . import labels, queries, services, tasks
from .forms import (
    AppointmentForm,
    AssignForm,
    CorrectStepForm,
    DocumentForm,
    ImportForm,
    NoteForm,
    OpenCaseForm,
    PersonSearchForm,
    ReferralForm,
    ResidenceForm,
    RestrictForm,
    RuleEditForm,
    StepForm,
)
from .ical import appointments_calendar
from .importing import FIELDS
from .models import Case, CaseDocument, CaseStep
from .ruletable import organisation_table, rule_versions
from .statistics import table_rows, waiting_statistics

# A phone screen's worth: a caseworker scrolls a short list, then pages.
PAGE_SIZE = 25


def _case(request: HttpRequest, pk, permission: str = "cases.view_case") -> Case:
    """The case the member may open, or 404 (another organisation's, or not theirs to open)."""
    return get_for_member(
        request, Case, permission, find=lambda org_id: queries.case_of_organisation(org_id, pk)
    )


def _case_document(request: HttpRequest, pk) -> CaseDocument:
    """The document of a case the member may open, or 404 (the case's rule decides)."""
    try:
        document = CaseDocument.objects.select_related("case__person", "case__organisation").get(
            pk=pk
        )
    except (CaseDocument.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    _case(request, document.case_id)
    return document


def _form_page(
    request, case, form, *, title: str, action: str, multipart=False, status=200, warnings=()
):
    # The case page loads a blank form into its section when the member opens it (htmx): the
    # form alone. Drawing all five blank forms on every visit was a quarter of the page's CPU.
    fragment = request.method == "GET" and request.headers.get("HX-Request") == "true"
    return render(
        request,
        "cases/_case_form.html" if fragment else "cases/form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            "action": action,
            "multipart": multipart,
            "warnings": warnings,
            "warning_keys": " ".join(w.key for w in warnings),
        },
        status=status,
    )


def _confirmed(request: HttpRequest) -> frozenset[str]:
    """The warnings the member saw and confirmed (the box ticked), by key."""
    if request.POST.get("confirm") != "1":
        return frozenset()
    return frozenset(request.POST.get("warned", "").split())


def _members(request):

    ids = queries.case_members(request.organisation.pk).values("user_id")
    # A choice shows a name: the rest of each member's row (password hash, settings) is not read.
    return (
        User.objects.filter(pk__in=ids)
        .only("pk", "display_name", "email")
        .order_by("display_name", "email")
    )


# --- lists ------------------------------------------------------------------------------------


def _record_list_read(request: HttpRequest, action: str, *, everyone: bool):
    """The audited read of a list that shows people's names (counts toward read bursts)."""
    page = request.GET.get("page", "1")
    return audit.record_read(
        action,
        organisation=request.organisation,
        request=request,
        object_type="cases.case",
        # Only a page number: the query string is the visitor's text, never audit data.
        data={"everyone": everyone, "page": page[:6] if page.isdigit() else "1"},
    )


@needs_permission("cases.view_cases")
@refuse_undecryptable
def case_list(request: HttpRequest) -> HttpResponse:
    """The member's cases, most urgent first (coordinators may list every case)."""

    everyone = request.GET.get("all") == "1" and queries.sees_all(request.membership)
    if everyone:
        # Every case of the organisation, with its person's name: an audited read. (A
        # member's own list is what their work opens; it is not counted.)
        _record_list_read(request, "case_list.viewed", everyone=True)
    cases = queries.case_list(request.membership, everyone=everyone)
    context = {
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "everyone": everyone,
        "may_see_all": queries.sees_all(request.membership),
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_list.html", context)


@needs_permission("cases.view_cases")
@refuse_undecryptable
def deadlines(request: HttpRequest) -> HttpResponse:
    """Overdue deadlines, those due within 7 days and the next ones, each with its legal source,
    binding ones first, a page at a time (?page=N). A coordinator sees the whole organisation,
    as their dashboard counts it (?mine=1: only the cases they follow)."""

    everyone = queries.sees_all(request.membership) and request.GET.get("mine") != "1"
    # The board names the person of every case on it: an audited read.
    _record_list_read(request, "deadline_list.viewed", everyone=everyone)
    today = timezone.localdate()
    context = {
        "board": queries.deadline_board(
            request.membership, today=today, everyone=everyone, page=request.GET.get("page")
        ),
        "everyone": everyone,
        "may_see_all": queries.sees_all(request.membership),
        "today": today,
        "soon_days": queries.SOON_DAYS,
        "later_days": queries.LATER_DAYS,
    }
    return render(request, "cases/deadlines.html", context)


# --- opening a case ---------------------------------------------------------------------------


@needs_permission("cases.open_case")
@refuse_undecryptable
def open_case(request: HttpRequest) -> HttpResponse:
    """Pick a person (search by name or document number), then open their case."""
    person = None
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id:
        # The person rule, as on the person's own page: one closed to the member is a 404.
        person = person_for_member(request, person_id)
    search = PersonSearchForm(request.GET or None)
    found = []
    if person is None and search.is_valid() and search.cleaned_data["q"].strip():
        found = list(people_for(request.membership, search.cleaned_data["q"])[:20])
        audit.record_list_read(request, "person_list.viewed", "people.person", found, searched=True)
    form = OpenCaseForm(request.POST or None)
    if person is not None:
        opened = submit(request, form, lambda data: services.open_case(
            organisation=request.organisation, person=person, by=request.user, request=request,
            **data,
        ))  # fmt: skip
        if opened.done:
            messages.success(request, _("The case is open."))
            return redirect("cases:detail", pk=opened.result.pk)
    if person is not None:
        record_view(request, person, "open_case")
    return HttpResponse(
        render(
            request,
            "cases/open_case.html",
            {"person": person, "search": search, "found": found, "form": form},
        ).content
    )


# --- one case ---------------------------------------------------------------------------------


@needs_permission("cases.view_cases")
@refuse_undecryptable
def case_detail(request: HttpRequest, pk) -> HttpResponse:
    """A case: its history and stage, open deadlines with their sources, and the daily work."""
    case = _case(request, pk)
    audit.record_read("case.viewed", organisation=request.organisation, obj=case, request=request)
    # The person's contact details, for a member whose compartment opens the person: their
    # read is audited like the person's page.
    person_open = not case.person.is_erased and member_may(
        request.membership, "people.view_person", case.person
    )
    if person_open:
        record_view(request, case.person, page="case")
    table = organisation_table(case.organisation_id)
    page = queries.case_page(case)
    context = {
        "case": case,
        "page": page,
        "person_open": person_open,
        "stage": labels.step_label(case.stage) if case.stage else "",
        "allowed": []
        if case.ended
        else services.allowed_next_steps(case, table, page.current_steps),
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_detail.html", context)


@needs_permission("cases.view_cases")
@refuse_undecryptable
def record_step(request: HttpRequest, pk) -> HttpResponse:
    """Choose the next step among those the procedure allows, then give its dates."""
    case = _case(request, pk, "cases.change_case")
    table = organisation_table(case.organisation_id)
    allowed = services.allowed_next_steps(case, table)
    code = request.POST.get("code") or request.GET.get("code")
    if code not in allowed:
        return render(
            request,
            "cases/choose_step.html",
            {"case": case, "allowed": [(c, labels.step_label(c)) for c in allowed]},
        )
    form = StepForm(request.POST or None, initial={"code": code}, step_rule=table.step(code))
    warnings = []
    try:
        recorded = submit(request, form, lambda data: services.record_step(
            case=case, by=request.user,
            step=services.StepInput(**{k: v for k, v in data.items() if v is not None}),
            request=request, confirmed=_confirmed(request),
        ))  # fmt: skip
    except services.Unconfirmed as exc:  # the member is asked to confirm, the form kept
        warnings = exc.warnings
    else:
        if recorded.done:
            messages.success(request, _("Recorded: %(step)s.") % {"step": labels.step_label(code)})
            return redirect("cases:detail", pk=case.pk)
    return _form_page(
        request,
        case,
        form,
        title=labels.step_label(code),
        action=reverse("cases:record_step", kwargs={"pk": case.pk}),
        warnings=warnings,
    )


@needs_permission("cases.view_cases")
@refuse_undecryptable
def correct_step(request: HttpRequest, pk, step) -> HttpResponse:
    """Replace a wrongly entered step; the history keeps both, with who, when and why."""
    case = _case(request, pk, "cases.change_case")
    try:
        old = CaseStep.objects.get(pk=step, case=case, superseded_at__isnull=True)
    except (CaseStep.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    old.case = case
    table = organisation_table(case.organisation_id)
    initial = {
        "code": old.code,
        "outcome": old.outcome,
        "occurred_on": old.occurred_on,
        "notification_mode": old.notification_mode,
        "sent_on": old.sent_on,
        "received_on": old.received_on,
        "receipt_proven": old.receipt_proven,
        "document_reference": old.document_reference,
    }
    form = CorrectStepForm(request.POST or None, initial=initial, table=table)
    warnings = []
    try:
        corrected = submit(request, form, lambda data: services.correct_step(
            step=old, by=request.user, reason=data.pop("reason"),
            corrected=services.StepInput(**{k: v for k, v in data.items() if v is not None}),
            request=request, confirmed=_confirmed(request),
        ))  # fmt: skip
    except services.Unconfirmed as exc:  # the member is asked to confirm, the form kept
        warnings = exc.warnings
    else:
        if corrected.done:
            messages.success(request, _("The step is corrected; the history keeps the old entry."))
            return redirect("cases:detail", pk=case.pk)
    return _form_page(
        request,
        case,
        form,
        title=_("Correct: %(step)s") % {"step": labels.step_label(old.code)},
        action=reverse("cases:correct_step", kwargs={"pk": case.pk, "step": old.pk}),
        warnings=warnings,
    )


@needs_permission("cases.assign_case")
def assign(request: HttpRequest, pk) -> HttpResponse:
    """Choose who follows the case (coordinators)."""
    case = _case(request, pk, "cases.assign_case")
    users = _members(request)
    form = AssignForm(
        request.POST or None,
        users=users,
        initial={"caseworkers": list(case.assignments.values_list("user_id", flat=True))},
    )
    if submit(request, form, lambda data: services.assign_case(
        case=case, caseworkers=data["caseworkers"], by=request.user, request=request
    )).done:  # fmt: skip
        messages.success(request, _("The assignment is saved."))
        return redirect("cases:detail", pk=case.pk)
    return _form_page(
        request, case, form, title=_("Assign the case"),
        action=reverse("cases:assign", kwargs={"pk": case.pk}),
    )  # fmt: skip


@needs_permission("cases.restrict_case")
def restrict(request: HttpRequest, pk) -> HttpResponse:
    """Narrow who may open the case to named members."""
    case = _case(request, pk, "cases.restrict_case")
    form = RestrictForm(
        request.POST or None,
        users=_members(request),
        initial={"restricted": case.restricted, "members": list(case.restricted_to.all())},
    )
    if submit(request, form, lambda data: services.restrict_case(
        case=case, restricted=data["restricted"], members=data["members"], by=request.user,
        request=request,
    )).done:  # fmt: skip
        messages.success(request, _("Who may open the case is saved."))
        return redirect("cases:detail", pk=case.pk)
    return _form_page(
        request, case, form, title=_("Restrict the case"),
        action=reverse("cases:restrict", kwargs={"pk": case.pk}),
    )  # fmt: skip


def _case_form_view(request, pk, form_class, call, *, title, url_name, multipart=False, **form_kw):
    """A small form about a case posted from the case page; errors come back on its own page."""
    case = _case(request, pk, "cases.change_case")
    if request.method != "POST":
        form = form_class(**form_kw)
        return _form_page(
            request, case, form, title=title, multipart=multipart,
            action=reverse(url_name, kwargs={"pk": case.pk}),
        )  # fmt: skip
    form = form_class(request.POST, request.FILES, **form_kw)
    called = submit(request, form, lambda data: call(case, data))
    if called.done:
        messages.success(request, called.result)
        return redirect("cases:detail", pk=case.pk)
    return _form_page(
        request, case, form, title=title, multipart=multipart, status=400,
        action=reverse(url_name, kwargs={"pk": case.pk}),
    )  # fmt: skip


@needs_permission("cases.view_cases")
@refuse_undecryptable
def add_note(request: HttpRequest, pk) -> HttpResponse:
    def call(case, data):
        services.add_note(case=case, text=data["text"], by=request.user, request=request)
        return _("The note is saved.")

    return _case_form_view(
        request, pk, NoteForm, call, title=_("Add a note"), url_name="cases:add_note"
    )


@needs_permission("cases.view_cases")
@refuse_undecryptable
def add_document(request: HttpRequest, pk) -> HttpResponse:
    def call(case, data):
        services.add_document(
            case=case, upload=data["file"], description=data["description"], by=request.user,
            request=request,
        )  # fmt: skip
        return _("The document is saved, encrypted.")

    return _case_form_view(
        request, pk, DocumentForm, call, title=_("Add a document"),
        url_name="cases:add_document", multipart=True,
    )  # fmt: skip


@needs_permission("cases.view_cases")
@refuse_undecryptable
def document_file(request: HttpRequest, pk) -> HttpResponse:
    """Download a case document (decrypted for this member, audited)."""
    document = _case_document(request, pk)
    opened = services.open_document(document=document, by=request.user, request=request)
    return private_file(opened.data, opened.content_type, f"document-{str(document.pk)[:8]}")


@needs_permission("cases.view_cases")
@refuse_undecryptable
def residence(request: HttpRequest, pk) -> HttpResponse:
    def call(case, data):
        services.record_chosen_residence(case=case, by=request.user, request=request, **data)
        return _("The chosen address is recorded.")

    return _case_form_view(
        request, pk, ResidenceForm, call, title=_("Chosen address for the procedure"),
        url_name="cases:residence",
    )  # fmt: skip


@needs_permission("cases.view_cases")
@refuse_undecryptable
def add_appointment(request: HttpRequest, pk) -> HttpResponse:
    def call(case, data):
        starts_at = timezone.make_aware(dt.datetime.combine(data["day"], data["time"]))
        services.schedule_appointment(
            case=case,
            kind=data["kind"],
            starts_at=starts_at,
            duration_minutes=data["duration_minutes"],
            place=data["place"],
            attendee=data["attendee"],
            by=request.user,
            request=request,
        )
        return _("The appointment is in the calendar.")

    return _case_form_view(
        request, pk, AppointmentForm, call, title=_("Schedule an appointment"),
        url_name="cases:add_appointment", users=_members(request),
    )  # fmt: skip


@needs_permission("cases.view_cases")
@refuse_undecryptable
def add_referral(request: HttpRequest, pk) -> HttpResponse:
    def call(case, data):
        services.make_referral(case=case, by=request.user, request=request, **data)
        return _("The referral is recorded with the person's consent.")

    return _case_form_view(
        request, pk, ReferralForm, call, title=_("Refer to a lawyer or partner"),
        url_name="cases:add_referral",
    )  # fmt: skip


# --- calendar ---------------------------------------------------------------------------------


@needs_permission("cases.view_cases")
def calendar(request: HttpRequest) -> HttpResponse:
    """The member's own coming appointments as an .ics file (no names, no places: see ical.py)."""
    since = timezone.now() - dt.timedelta(days=30)
    appointments = queries.my_appointments(request.membership, since=since)
    body = appointments_calendar(
        appointments, case_url=lambda case_id: reverse("cases:detail", kwargs={"pk": case_id})
    )
    audit.record(
        "cases.calendar_exported",
        organisation=request.organisation,
        request=request,
        data={"appointments": len(appointments)},
    )
    return private_file(body, "text/calendar; charset=utf-8", "panah-appointments.ics")


# --- statistics -------------------------------------------------------------------------------


@needs_permission("cases.view_statistics")
def statistics(request: HttpRequest) -> HttpResponse:
    """Waiting times to a first decision (Kaplan–Meier) and the backlog, drawn as SVG."""
    today = timezone.localdate()
    stats = waiting_statistics(request.organisation.pk, as_of=today)
    x_label = _("days since registration")
    return render(
        request,
        "cases/statistics.html",
        {
            "stats": stats,
            "procedure_chart": charts.survival_chart(
                stats.by_procedure,
                title=_("Still waiting for a first decision, by procedure"),
                desc=_("Kaplan–Meier curves; cases still waiting are counted until today."),
                x_label=x_label,
            ),
            "nationality_chart": charts.survival_chart(
                stats.by_nationality,
                title=_("Still waiting for a first decision, by nationality"),
                desc=_("The largest groups; small groups appear only in the table."),
                x_label=x_label,
            ),
            "month_chart": charts.survival_chart(
                stats.by_month[-6:],
                title=_("Still waiting, by month of registration (last six months)"),
                desc=_("Kaplan–Meier curves of recent months of registration."),
                x_label=x_label,
            ),
            "backlog_chart": charts.backlog_chart(
                stats.backlog,
                title=_("Cases waiting for a first decision at the end of each month"),
                desc=_("The number of registered cases without a first-instance decision."),
                x_label=_("month"),
            ),
        },
    )


def _export_rows(request: HttpRequest):
    stats = waiting_statistics(
        request.organisation.pk, as_of=timezone.localdate(), for_publication=True
    )
    header, rows = table_rows(stats)
    audit.record(
        "cases.statistics_exported",
        organisation=request.organisation,
        request=request,
        data={"rows": len(rows), "threshold": stats.threshold},
    )
    return header, rows


@needs_permission("cases.export_statistics")
@recent_authentication_required
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The waiting-time table as CSV; groups and counts below the threshold are suppressed."""
    header, rows = _export_rows(request)
    out = io.StringIO()
    writer = csv.writer(out)
    # Group labels are free text (a nationality typed or imported): no cell may run as a formula.
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row) for row in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="waiting-times.csv"'
    return response


@needs_permission("cases.export_statistics")
@recent_authentication_required
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """The waiting-time table as XLSX, with the same suppression as the CSV."""
    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl is slow to import; only this path needs it)

    header, rows = _export_rows(request)
    book = Workbook()
    sheet = book.active
    sheet.title = "waiting times"
    sheet.append(neutralise_row(header))
    for row in rows:
        sheet.append(neutralise_row(row))  # openpyxl writes a text starting with = as a formula
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="waiting-times.xlsx"'
    return response


# --- the rule table ---------------------------------------------------------------------------


@needs_permission("cases.view_rules")
def rule_list(request: HttpRequest) -> HttpResponse:
    """The deadline rules in force, each with its legal source and its dated versions."""
    table = organisation_table(request.organisation.pk)
    codes = list(dict.fromkeys(r.code for r in table.deadlines))
    rules = [
        {
            "code": code,
            "label": labels.deadline_label(code),
            "versions": rule_versions(table, code),
            "opened_by": labels.step_label(rule_versions(table, code)[0].opened_by),
        }
        for code in codes
    ]
    return render(request, "cases/rules.html", {"table": table, "rules": rules})


@needs_permission("cases.edit_rules")
def rule_edit(request: HttpRequest) -> HttpResponse:
    """Change a deadline's period or source from a date (administrators); ?code= names the rule.

    The rule table is shared by every organisation, so the code is not an object of this one:
    it travels in the query string, not the path."""
    code = request.POST.get("code") or request.GET.get("code", "call_appeal")
    table = organisation_table(request.organisation.pk)
    versions = rule_versions(table, code)
    if not versions:
        raise Http404
    latest = versions[-1]
    form = RuleEditForm(
        request.POST or None,
        initial={"days": latest.days, "months": latest.months, "source": latest.source},
    )
    if submit(request, form, lambda data: services.edit_deadline_rule(
        organisation=request.organisation, rule_code=code,
        effective_from=data["effective_from"], days=data["days"] or 0,
        months=data["months"] or 0, source=data["source"], reason=data["reason"],
        by=request.user, request=request,
    )).done:  # fmt: skip
        messages.success(request, _("The rule is changed from the date given."))
        return redirect("cases:rules")
    return render(
        request,
        "cases/rule_edit.html",
        {"form": form, "code": code, "label": labels.deadline_label(code), "versions": versions},
    )


# --- import -----------------------------------------------------------------------------------


@needs_permission("cases.import")
def import_page(request: HttpRequest) -> HttpResponse:
    """Import people and cases from a spreadsheet: a dry run first, then all or nothing.

    The rows are read by the background worker (panah.core.background); the task's page shows
    the progress, then the report.
    """
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        task = background.start_for_member(
            request,
            kind=tasks.IMPORT,
            permission="cases.import",
            parameters={
                "filename": upload.name,
                "mapping": form.cleaned_data["mapping"],
                "dry_run": form.cleaned_data["dry_run"],
            },
            content=upload.read(),  # in memory, at most LIMITS.file_bytes (the form checked)
        )
        return redirect("cases:import_task", pk=task.pk)
    return render(request, "cases/import.html", {"form": form, "fields": FIELDS})


@needs_permission("cases.import")
def import_task(request: HttpRequest, pk) -> HttpResponse:
    """An import started by this member: its progress, then its report."""
    return task_page(request, pk, kinds=(tasks.IMPORT,))
