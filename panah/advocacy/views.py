"""Coordinators' advocacy pages: events, meetings, demands, contacts and briefs.

Thin: one access mark each; objects through get_for_member (another organisation's is a 404);
a form parses, one service writes, a refusal comes back beside the field it names with
everything typed kept. Mobile first: one column, forms on their own page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import audit
from panah.core.access import get_for_member, needs_permission, require
from panah.core.crypto.files import EncryptedFileStore
from panah.core.forms import press, submit
from panah.core.rules import member_may

from . import briefs as brief_service
from . import queries, services
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .forms import (
    BriefForm,
    DemandForm,
    EventForm,
    MeetingForm,
    OfficialForm,
    PartnerForm,
    PhotoForm,
    ReportForm,
    StatementForm,
    StatusForm,
    TaskForm,
)
from .models import LANGUAGES, Brief, Demand, Event, EventPhoto, EventReport, Meeting, Task
from .rendering import brief_context, brief_pdf_bytes


def _form_page(request, form, *, title: str, back: str, multipart=False):
    # A form shown again after a POST was refused: 400, with everything typed kept.
    return render(
        request,
        "advocacy/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
        status=400 if request.method == "POST" else 200,
    )


def _event_fields(data: dict) -> dict:
    """The event form's data as the event services take it."""
    co_organisers, demands = list(data.pop("co_organisers", [])), list(data.pop("demands", []))
    return {"fields": data, "co_organisers": co_organisers, "demands": demands}


# --- overview ---------------------------------------------------------------------------------


@needs_permission("advocacy.view")
def index(request: HttpRequest) -> HttpResponse:
    """Events ahead and behind, recent meetings, demands and the member's own tasks."""
    return render(
        request,
        "advocacy/index.html",
        {"overview": queries.overview(request.organisation, request.user), "today": localdate()},
    )


# --- events -----------------------------------------------------------------------------------


@needs_permission("advocacy.manage")
def event_new(request: HttpRequest) -> HttpResponse:
    """Plan a rally, vigil or conference."""
    form = EventForm(request.POST or None, organisation=request.organisation)
    planned = submit(request, form, lambda data: services.create_event(
        organisation=request.organisation, by=request.user, request=request, **_event_fields(data),
    ))  # fmt: skip
    if planned.done:
        messages.success(request, _("Event planned. Its page is not public yet."))
        return redirect("advocacy:event", pk=planned.result.pk)
    return _form_page(request, form, title=_("Plan an event"), back=reverse("advocacy:index"))  # fmt: skip


@needs_permission("advocacy.view")
def event_detail(request: HttpRequest, pk) -> HttpResponse:
    """An event, its permit, checklist and tasks, demands and report."""
    event = get_for_member(request, Event, pk=pk)
    return render(
        request,
        "advocacy/event_detail.html",
        {
            "event": event,
            **queries.event_page(event),
            "today": localdate(),
            "public_links": [
                (
                    code,
                    reverse("campaign:event", args=[request.organisation.slug, event.pk])
                    + f"?lang={code}",
                )
                for code in LANGUAGES
            ],
        },  # fmt: skip
    )


@needs_permission("advocacy.manage")
def event_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change an event (a published one stays complete in four languages)."""
    event = get_for_member(request, Event, pk=pk)
    form = EventForm(request.POST or None, instance=event, organisation=request.organisation)

    def save(data: dict):
        event.refresh_from_db()  # the form wrote its values on the instance
        return services.update_event(event=event, by=request.user, request=request,
                                     **_event_fields(data))  # fmt: skip

    if submit(request, form, save).done:
        messages.success(request, _("Event saved."))
        return redirect("advocacy:event", pk=event.pk)
    return _form_page(request, form, title=_("Change the event"),
                      back=reverse("advocacy:event", args=[event.pk]))  # fmt: skip


@needs_permission("advocacy.publish")
@require_POST
def event_publish(request: HttpRequest, pk) -> HttpResponse:
    """Publish or withdraw the event's public page."""
    event = get_for_member(request, Event, pk=pk)
    if request.POST.get("publish") == "0":
        if press(request, lambda: services.unpublish_event(
            event=event, by=request.user, request=request
        )).done:  # fmt: skip
            messages.success(request, _("The public page is off line."))
    elif press(request, lambda: services.publish_event(
        event=event, by=request.user, request=request
    )).done:  # fmt: skip
        messages.success(request, _("The event's page is public in four languages."))
    return redirect("advocacy:event", pk=event.pk)


@needs_permission("advocacy.manage")
def event_task(request: HttpRequest, pk) -> HttpResponse:
    """Add a checklist item or volunteer task to an event."""
    event = get_for_member(request, Event, pk=pk)
    return _task_page(request, event=event, back=reverse("advocacy:event", args=[event.pk]))


def _task_page(request, *, back: str, event=None, meeting=None) -> HttpResponse:
    form = TaskForm(request.POST or None, organisation=request.organisation)
    if submit(request, form, lambda data: services.add_task(
        by=request.user, event=event, meeting=meeting, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("Task added."))
        return redirect(back)
    title = _("Add a follow-up") if meeting else _("Add a task")
    return _form_page(request, form, title=title, back=back)


@needs_permission("advocacy.complete_task")
@require_POST
def task_done(request: HttpRequest, pk) -> HttpResponse:
    """Mark a task done: its owner, or a coordinator."""
    task = get_for_member(request, Task, pk=pk)
    if task.owner_id != request.user.pk:
        require(request, "advocacy.manage")
    services.complete_task(task=task, by=request.user, request=request)
    messages.success(request, _("Marked as done."))
    if task.event_id:
        return redirect("advocacy:event", pk=task.event_id)
    return redirect("advocacy:meeting", pk=task.meeting_id)


@needs_permission("advocacy.manage")
def event_report(request: HttpRequest, pk) -> HttpResponse:
    """Record the report of an event that took place: attendance, press, statements."""
    event = get_for_member(request, Event, pk=pk)
    report = EventReport.objects.filter(event=event).first()
    initial = (
        {"attendance_estimate": report.attendance_estimate, "press_links": report.press_links}
        if report
        else None
    )
    form = ReportForm(request.POST or None, initial=initial)
    if submit(request, form, lambda data: services.record_report(
        event=event, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("Report saved."))
        return redirect("advocacy:event", pk=event.pk)
    return _form_page(request, form, title=_("Report of the event"),
                      back=reverse("advocacy:event", args=[event.pk]))  # fmt: skip


@needs_permission("advocacy.manage")
def event_statement(request: HttpRequest, pk) -> HttpResponse:
    """Add a speaker's statement to the event's report."""
    event = get_for_member(request, Event, pk=pk)
    back = reverse("advocacy:event", args=[event.pk])
    report = EventReport.objects.filter(event=event).first()
    if report is None:
        messages.error(request, _("Record the report of the event first."))
        return redirect("advocacy:event_report", pk=event.pk)
    form = StatementForm(request.POST or None)
    if submit(request, form, lambda data: services.add_statement(
        report=report, by=request.user, speaker=data.pop("speaker"),
        language=data.pop("language"), texts=data, request=request,
    )).done:  # fmt: skip
        messages.success(request, _("Statement added."))
        return redirect(back)
    return _form_page(request, form, title=_("Add a statement"), back=back)


@needs_permission("advocacy.publish")
@require_POST
def report_publish(request: HttpRequest, pk) -> HttpResponse:
    """Put the event's report on its public page."""
    event = get_for_member(request, Event, pk=pk)
    report = EventReport.objects.filter(event=event).first()
    if report is None:
        messages.error(request, _("Record the report of the event first."))
    elif press(request, lambda: services.publish_report(
        report=report, by=request.user, request=request
    )).done:  # fmt: skip
        messages.success(request, _("The report is on the event's public page."))
    return redirect("advocacy:event", pk=event.pk)


@needs_permission("advocacy.manage")
def event_photo(request: HttpRequest, pk) -> HttpResponse:
    """Add a photo to the event's report (metadata stripped, faces blurred where marked)."""
    event = get_for_member(request, Event, pk=pk)
    back = reverse("advocacy:event", args=[event.pk])
    report = EventReport.objects.filter(event=event).first()
    if report is None:
        messages.error(request, _("Record the report of the event first."))
        return redirect("advocacy:event_report", pk=event.pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    added = submit(request, form, lambda data: services.add_photo(
        report=report, by=request.user, request=request, **data
    ))  # fmt: skip
    if added.done:
        photo = added.result
        if photo.had_location:
            messages.warning(
                request,
                _("The photo carried the position where it was taken; it was removed "
                  "before anything was kept."),
            )  # fmt: skip
        if not (photo.everyone_consented or photo.blurred):
            messages.warning(
                request,
                _("Not everyone in this photo agreed to be shown: it stays private until "
                  "their faces are blurred. Upload it again with the faces marked."),
            )  # fmt: skip
        messages.success(request, _("Photo added."))
        return redirect(back)
    return _form_page(request, form, title=_("Add a photo"), back=back, multipart=True)  # fmt: skip


@needs_permission("advocacy.view")
def photo_file(request: HttpRequest, pk) -> HttpResponse:
    """A photo of the organisation's event, decrypted for a member."""
    photo = get_for_member(request, EventPhoto, pk=pk)
    return _photo_response(photo)


def _photo_response(photo) -> HttpResponse:
    data = EncryptedFileStore().open(
        photo.stored_file, key=photo.data_key(), context=photo.file_context(),
        where=f"advocacy_eventphoto row {photo.pk}",
    )  # fmt: skip
    response = HttpResponse(data, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@needs_permission("advocacy.publish")
@require_POST
def photo_publish(request: HttpRequest, pk) -> HttpResponse:
    """Show a photo on the event's public page (refused without consent or blurring)."""
    photo = get_for_member(request, EventPhoto, pk=pk)
    press(request, lambda: services.publish_photo(photo=photo, by=request.user, request=request))
    return redirect("advocacy:event", pk=photo.report.event_id)


# --- demands ----------------------------------------------------------------------------------


@needs_permission("advocacy.manage")
def demand_new(request: HttpRequest) -> HttpResponse:
    """Write a demand (its four translations can follow)."""
    form = DemandForm(request.POST or None)
    recorded = submit(request, form, lambda data: services.create_demand(
        organisation=request.organisation, by=request.user, request=request,
        addressee=data.pop("addressee"), first_raised_on=data.pop("first_raised_on"), texts=data,
    ))  # fmt: skip
    if recorded.done:
        messages.success(request, _("Demand recorded."))
        return redirect("advocacy:demand", pk=recorded.result.pk)
    return _form_page(request, form, title=_("New demand"), back=reverse("advocacy:index"))  # fmt: skip


@needs_permission("advocacy.view")
def demand_detail(request: HttpRequest, pk) -> HttpResponse:
    """A demand in four languages, its status history, and where it was raised."""
    demand = get_for_member(request, Demand, pk=pk)
    texts = [(code, getattr(demand, f"text_{code}")) for code in LANGUAGES]
    return render(
        request,
        "advocacy/demand_detail.html",
        {"demand": demand, "texts": texts, **queries.demand_page(demand),
         "status_form": StatusForm(initial={"status": demand.status})},
    )  # fmt: skip


@needs_permission("advocacy.manage")
def demand_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a demand's wording, translations or addressee."""
    demand = get_for_member(request, Demand, pk=pk)
    initial = {f: getattr(demand, f) for f in services.DEMAND_TEXTS}
    initial.update(addressee=demand.addressee, first_raised_on=demand.first_raised_on)
    form = DemandForm(request.POST or None, initial=initial)
    back = reverse("advocacy:demand", args=[demand.pk])
    if submit(request, form, lambda data: services.update_demand(
        demand=demand, by=request.user, request=request,
        addressee=data.pop("addressee"), first_raised_on=data.pop("first_raised_on"), texts=data,
    )).done:  # fmt: skip
        messages.success(request, _("Demand saved."))
        return redirect(back)
    demand.refresh_from_db()  # a refused change may have reached the instance
    return _form_page(request, form, title=_("Change the demand"), back=back)


@needs_permission("advocacy.manage")
def demand_status(request: HttpRequest, pk) -> HttpResponse:
    """Record where a demand stands, with evidence."""
    demand = get_for_member(request, Demand, pk=pk)
    form = StatusForm(request.POST or None)
    back = reverse("advocacy:demand", args=[demand.pk])
    if submit(request, form, lambda data: services.change_demand_status(
        demand=demand, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("Status recorded."))
        return redirect(back)
    return _form_page(request, form, title=_("Where the demand stands"), back=back)


@needs_permission("advocacy.publish")
@require_POST
def demand_publish(request: HttpRequest, pk) -> HttpResponse:
    """Show or hide a demand on the public progress page."""
    demand = get_for_member(request, Demand, pk=pk)
    press(request, lambda: services.set_demand_published(
        demand=demand, by=request.user, request=request,
        published=request.POST.get("publish") != "0",
    ))  # fmt: skip
    return redirect("advocacy:demand", pk=demand.pk)


# --- meetings ---------------------------------------------------------------------------------


@needs_permission("advocacy.manage")
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Log a delegation's meeting with officials."""
    form = MeetingForm(request.POST or None, organisation=request.organisation)
    recorded = submit(request, form, lambda data: services.record_meeting(
        organisation=request.organisation, by=request.user, request=request, **data
    ))  # fmt: skip
    if recorded.done:
        messages.success(request, _("Meeting recorded. Add its follow-ups."))
        return redirect("advocacy:meeting", pk=recorded.result.pk)
    return _form_page(request, form, title=_("Log a meeting"), back=reverse("advocacy:index"))  # fmt: skip


@needs_permission("advocacy.view")
def meeting_detail(request: HttpRequest, pk) -> HttpResponse:
    """A meeting: who met, what we asked, what they answered, follow-ups and briefs."""
    meeting = get_for_member(request, Meeting, pk=pk)
    return render(
        request,
        "advocacy/meeting_detail.html",
        {"meeting": meeting, "today": localdate(), **queries.meeting_page(meeting)},
    )


@needs_permission("advocacy.manage")
def meeting_follow_up(request: HttpRequest, pk) -> HttpResponse:
    """Add a follow-up with an owner and a due date to a meeting."""
    meeting = get_for_member(request, Meeting, pk=pk)
    return _task_page(request, meeting=meeting, back=reverse("advocacy:meeting", args=[meeting.pk]))


# --- contacts ---------------------------------------------------------------------------------


@needs_permission("advocacy.view")
def contacts(request: HttpRequest) -> HttpResponse:
    """Partner organisations and coalitions; officials (with their contact for coordinators)."""
    officials = list(queries.officials(request.organisation))

    show_contacts = member_may(request.membership, "advocacy.view_contacts")
    if show_contacts and officials:
        audit.record_read("advocacy.officials.viewed", organisation=request.organisation,
                          request=request, data={"officials": len(officials)})  # fmt: skip
    return render(
        request,
        "advocacy/contacts.html",
        {"partners": queries.partners(request.organisation), "officials": officials,
         "show_contacts": show_contacts},
    )  # fmt: skip


@needs_permission("advocacy.manage")
def partner_new(request: HttpRequest) -> HttpResponse:
    """Add a partner organisation or coalition."""
    form = PartnerForm(request.POST or None)
    if submit(request, form, lambda data: services.add_partner(
        organisation=request.organisation, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("Organisation added."))
        return redirect("advocacy:contacts")
    return _form_page(request, form, title=_("Add an organisation"),
                      back=reverse("advocacy:contacts"))  # fmt: skip


@needs_permission("advocacy.manage")
def official_new(request: HttpRequest) -> HttpResponse:
    """Add an official (their contact is encrypted)."""
    form = OfficialForm(request.POST or None)
    if submit(request, form, lambda data: services.add_official(
        organisation=request.organisation, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("Official added."))
        return redirect("advocacy:contacts")
    return _form_page(request, form, title=_("Add an official"),
                      back=reverse("advocacy:contacts"))  # fmt: skip


# --- briefs -----------------------------------------------------------------------------------


@needs_permission("advocacy.briefs")
def brief_list(request: HttpRequest) -> HttpResponse:
    """Briefs generated so far, and a form for a new one."""
    form = BriefForm(request.POST or None, organisation=request.organisation)
    generated = submit(request, form, lambda data: brief_service.generate_brief(
        organisation=request.organisation, by=request.user, request=request, **data
    ))  # fmt: skip
    if generated.done:
        messages.success(request, _("Brief generated; its figures are frozen."))
        return redirect("advocacy:brief", pk=generated.result.pk)
    return render(
        request,
        "advocacy/briefs.html",
        {"briefs": queries.briefs(request.organisation), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@needs_permission("advocacy.briefs")
def brief_detail(request: HttpRequest, pk) -> HttpResponse:
    """The brief as a web page, in the reader's language, from its frozen figures."""
    brief = get_for_member(request, Brief, pk=pk)
    return render(
        request,
        "advocacy/brief_detail.html",
        {**brief_context(brief), "pdf_languages": LANGUAGES},
    )


@needs_permission("advocacy.briefs")
def brief_pdf(request: HttpRequest, pk, language: str) -> HttpResponse:
    """The brief as a PDF in one of the four languages."""
    brief = get_for_member(request, Brief, pk=pk)
    if language not in LANGUAGES:
        raise Http404
    pdf = brief_pdf_bytes(brief, language)
    audit.record("advocacy.brief.exported", organisation=request.organisation, obj=brief,
                 request=request, data={"language": language})  # fmt: skip
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="brief-{brief.reference}-{language}.pdf"'
    )
    return response
