"""Shelter pages: needs, hosts and offers, vetting, the matcher and its proposals, placements.

Thin: each view authorises (one access decorator; objects through get_for_member with the
permission, so another organisation's record, or one whose person the member may not see, is a
404), parses a form, calls one service and renders. Written for a
phone first: one column, forms on their own page. Sensitive reads are audited.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panah.core import audit, background, spreadsheets
from panah.core.access import get_for_member, needs_permission
from panah.core.forms import press, submit
from panah.core.models import User
from panah.core.rules import member_may
from panah.core.views.tasks import task_page
from panah.people.models import Person
from panah.people.rules import may_see_person
from panah.people.services import create_person
from panah.people.views import refuse_undecryptable

from . import queries, rules, safeguarding, services, tasks
from .forms import (
    PERSON_FIELDS,
    CheckInForm,
    DecisionForm,
    EndPlacementForm,
    HostForm,
    ImportForm,
    NeedForm,
    OfferForm,
    ProposeForm,
    VettingForm,
)
from .importing import HOST_COLUMNS, NEED_COLUMNS
from .models import Host, Need, Offer, Placement, PlacementStatus


def _render(request: HttpRequest, template: str, context: dict, status: int = 200):
    # Rendering is where fields decrypt: done here so refuse_undecryptable catches a failure.
    return HttpResponse(render(request, template, context).content, status=status)


def _form_page(request, form, *, title: str, back: str) -> HttpResponse:
    # A form shown again after a POST was refused: 400, with everything typed kept.
    return _render(
        request,
        "shelter/form.html",
        {"form": form, "title": title, "back": back},
        400 if form.errors else 200,
    )


def _saved_or_form(
    request, form, call, *, saved: str, title: str, back: str, edit: bool = False
) -> HttpResponse:
    """Hand the form to `call` (a service); once it is saved say `saved` (for an `edit`, only
    if the service changed something) and go `back`, else show the form again with what was
    typed and the refusal."""
    called = submit(request, form, call)
    if called.done:
        if called.result or not edit:
            messages.success(request, saved)
        return redirect(back)
    return _form_page(request, form, title=title, back=back)


def _members(request):
    """Who may be named as having visited a host: the organisation's current members."""
    return (
        User.objects.filter(
            memberships__organisation=request.organisation, memberships__removed_at__isnull=True
        )
        .distinct()
        .order_by("display_name", "email")
    )


# --- overview and needs ------------------------------------------------------------------------


@needs_permission("shelter.view_shelter")
def index(request: HttpRequest) -> HttpResponse:
    """Today's figures: people without shelter, nights, free beds, placements ending."""
    data = queries.figures(membership=request.membership, today=timezone.localdate())
    return _render(
        request,
        "shelter/index.html",
        {"figures": data, "points": queries.chart_points(data.over_time)},
    )


@needs_permission("shelter.view_shelter")
def figures_csv(request: HttpRequest) -> HttpResponse:
    """Today's figures and people without shelter per day, as CSV that may leave the
    organisation: every count below the disclosure threshold is hidden."""

    data = queries.figures(membership=request.membership, today=timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="shelter-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["figure", "value"])
    for name, cell in queries.disclosed_figures(data).items():
        writer.writerow([name, str(cell)])
    writer.writerow([])
    writer.writerow(["date", "people_without_shelter"])
    for day, cell in queries.disclosed_history(data):
        writer.writerow([day.isoformat(), str(cell)])
    audit.record(
        "shelter.figures_exported",
        organisation=request.organisation,
        request=request,
        object_type="shelter.need",
        data={"days": len(data.over_time)},
    )
    return response


@needs_permission("shelter.view_shelter")
@refuse_undecryptable
def needs(request: HttpRequest) -> HttpResponse:
    """Open needs, longest without a roof first."""
    rows = list(queries.open_needs(request.membership))
    audit.record_list_read(request, "shelter_needs.viewed", "shelter.need", rows)
    return _render(
        request, "shelter/needs.html", {"needs": rows, "alerts": services.needs_under_alert(rows)}
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def need_new(request: HttpRequest) -> HttpResponse:
    """Register a household without a roof (and its lead person, unless one is given)."""
    person = None
    if request.GET.get("person"):
        person = get_for_member(request, Person, pk=request.GET["person"])
        # A person a restricted case closes to this member is not theirs to register either.
        if not may_see_person(request.membership, person):
            raise Http404
    form = NeedForm(request.POST or None, with_person=person is None)

    @transaction.atomic
    def register(data: dict):
        names = {k: data.pop(k, "") for k in PERSON_FIELDS}
        lead = person or create_person(
            organisation=request.organisation,
            by=request.user,
            request=request,
            languages=data["languages"],
            **{k: v for k, v in names.items() if v},
        )
        return services.register_need(
            organisation=request.organisation, person=lead, by=request.user, request=request,
            **data,
        )  # fmt: skip

    registered = submit(request, form, register)
    if registered.done:
        messages.success(request, _("The household is registered."))
        return redirect("shelter:need", pk=registered.result.pk)
    return _form_page(
        request, form, title=_("A household without a roof"), back=reverse("shelter:needs")
    )


@needs_permission("shelter.view_shelter")
@refuse_undecryptable
def need_detail(request: HttpRequest, pk) -> HttpResponse:
    """One need: the household, its vulnerabilities, its placements and why it waits."""
    need = get_for_member(request, Need, "shelter.view_shelter", pk=pk)
    audit.record_read("need.viewed", organisation=request.organisation, obj=need, request=request)
    run = queries.latest_run()
    reasons = [
        safeguarding.rule_name(c) for c in (run.unhoused.get(str(need.pk), []) if run else [])
    ]
    nights = services.nights_without_shelter([need.person_id], on=timezone.localdate())
    return _render(
        request,
        "shelter/need_detail.html",
        {
            "need": need,
            "placements": rules.placements_open_to(
                request.membership, need.placements.exclude(status=PlacementStatus.DISCARDED)
            ),
            "reasons": reasons,
            "nights": nights.get(need.person_id, 0),
            "under_alert": need.pk in services.needs_under_alert([need]),
            "alert_rule": safeguarding.rule_name("safety_alert_cleared_host"),
        },
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def need_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change what is known of a household; what was typed stays on the page after an error."""
    need = get_for_member(request, Need, "shelter.manage_shelter", pk=pk)
    initial = {name: getattr(need, name) for name in services.NEED_FORM_FIELDS}
    audit.record_read("need.viewed", organisation=request.organisation, obj=need, request=request)
    form = NeedForm(request.POST or None, initial=initial, editing=True)
    return _saved_or_form(
        request,
        form,
        lambda data: services.update_need(need=need, by=request.user, request=request, **data),
        saved=_("The household's record is updated."),
        title=_("Edit the household"),
        back=reverse("shelter:need", args=[need.pk]),
        edit=True,
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def propose(request: HttpRequest, pk) -> HttpResponse:
    """A coordinator proposes a place they chose for a household; refused by rule name."""
    need = get_for_member(request, Need, "shelter.manage_shelter", pk=pk)
    offers = (
        Offer.objects.filter(
            withdrawn_on__isnull=True,
            host__in=rules.hosts_open_to(request.membership, Host.objects.all()),
        )
        .exclude(available_until__lt=timezone.localdate())
        .select_related("host")
    )
    form = ProposeForm(
        request.POST or None, offers=offers, initial={"starts_on": timezone.localdate()}
    )
    proposed = submit(
        request,
        form,
        lambda data: services.propose_placement(
            need=need,
            by=request.user,
            request=request,
            **data,
        ),
    )
    if proposed.done:
        messages.success(request, _("The place is proposed; confirm it to offer it to the guest."))
        return redirect("shelter:placement", pk=proposed.result.pk)
    audit.record_read("need.viewed", organisation=request.organisation, obj=need, request=request)
    return _form_page(
        request, form, back=reverse("shelter:need", args=[need.pk]),
        title=_("Propose a place for %(name)s")
        % {"name": need.person.name_fa or need.person.name_latin},
    )  # fmt: skip


# --- hosts and offers --------------------------------------------------------------------------


@needs_permission("shelter.view_shelter")
@refuse_undecryptable
def hosts(request: HttpRequest) -> HttpResponse:
    """Hosts and collective shelters, with their vetting and offers."""
    rows = list(queries.hosts_for_list(request.membership))
    audit.record_list_read(request, "shelter_hosts.viewed", "shelter.host", rows)
    return _render(request, "shelter/hosts.html", {"hosts": rows, "today": timezone.localdate()})


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def host_new(request: HttpRequest) -> HttpResponse:
    """Register a host or a collective shelter."""
    form = HostForm(request.POST or None)
    registered = submit(
        request,
        form,
        lambda data: services.register_host(
            organisation=request.organisation, by=request.user, request=request, **data
        ),
    )
    if registered.done:
        messages.success(request, _("The host is registered. Vet them before any placement."))
        return redirect("shelter:host", pk=registered.result.pk)
    return _form_page(request, form, title=_("A new host"), back=reverse("shelter:hosts"))


@needs_permission("shelter.view_shelter")
@refuse_undecryptable
def host_detail(request: HttpRequest, pk) -> HttpResponse:
    """A host: vetting, offers; the address only for shelter coordinators (audited)."""
    host = get_for_member(request, Host, "shelter.view_shelter", pk=pk)
    show_address = member_may(request.membership, "shelter.view_host_address")
    audit.record_read(
        "host.viewed",
        organisation=request.organisation,
        obj=host,
        request=request,
        data={"address_shown": show_address},
    )
    return _render(
        request,
        "shelter/host_detail.html",
        {
            "host": host,
            "show_address": show_address,
            "vetted": host.vetted_on(timezone.localdate()),
            "offers": host.offers.all(),
        },
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def host_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a host's details; the address only for those who may read it (audited)."""
    host = get_for_member(request, Host, "shelter.manage_shelter", pk=pk)
    with_address = member_may(request.membership, "shelter.view_host_address")
    audit.record_read(
        "host.viewed",
        organisation=request.organisation,
        obj=host,
        request=request,
        data={"address_shown": with_address},
    )
    names = [n for n in services.HOST_FORM_FIELDS if with_address or n != "address"]
    form = HostForm(
        request.POST or None,
        initial={name: getattr(host, name) for name in names},
        with_address=with_address,
    )
    return _saved_or_form(
        request,
        form,
        lambda data: services.update_host(host=host, by=request.user, request=request, **data),
        saved=_("The host's record is updated."),
        title=_("Edit the host"),
        back=reverse("shelter:host", args=[host.pk]),
        edit=True,
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def vet_host(request: HttpRequest, pk) -> HttpResponse:
    """Record a host's home visit, references, charter and renewal date."""
    host = get_for_member(request, Host, "shelter.manage_shelter", pk=pk)
    initial = {
        "home_visit_on": host.home_visit_on,
        "home_visit_by": host.home_visit_by_id,
        "references_checked": host.references_checked,
        "charter_signed_on": host.charter_signed_on,
        "vetting_renewal_on": host.vetting_renewal_on,
        "cleared_for_safety_alerts": host.cleared_for_safety_alerts,
    }
    form = VettingForm(request.POST or None, initial=initial, members=_members(request))
    return _saved_or_form(
        request,
        form,
        lambda data: services.record_vetting(host=host, by=request.user, request=request, **data),
        saved=_("The vetting is recorded."),
        title=_("Vetting"),
        back=reverse("shelter:host", args=[host.pk]),
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def offer_new(request: HttpRequest, pk) -> HttpResponse:
    """Offer beds of a host for a window of dates."""
    host = get_for_member(request, Host, "shelter.manage_shelter", pk=pk)
    form = OfferForm(request.POST or None, initial={"available_from": timezone.localdate()})
    return _saved_or_form(
        request,
        form,
        lambda data: services.add_offer(host=host, by=request.user, request=request, **data),
        saved=_("The offer is recorded."),
        title=_("Offer beds"),
        back=reverse("shelter:host", args=[host.pk]),
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def offer_edit(request: HttpRequest, pk, offer) -> HttpResponse:
    """Change an offer's beds, window or conditions; the households it holds are re-checked."""
    host = get_for_member(request, Host, "shelter.manage_shelter", pk=pk)
    offer = host.offers.filter(pk=offer).first()
    if offer is None:
        raise Http404
    form = OfferForm(
        request.POST or None,
        initial={name: getattr(offer, name) for name in services.OFFER_FIELDS},
    )
    return _saved_or_form(
        request,
        form,
        lambda data: services.update_offer(offer=offer, by=request.user, request=request, **data),
        saved=_("The offer is updated."),
        title=_("Edit the offer"),
        back=reverse("shelter:host", args=[host.pk]),
        edit=True,
    )


# --- matching ----------------------------------------------------------------------------------


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def match(request: HttpRequest) -> HttpResponse:
    """The latest matcher run: proposals with their reasons, and who stays unhoused and why."""
    if request.method == "POST":
        services.run_matcher(organisation=request.organisation, by=request.user, request=request)
        return redirect("shelter:match")
    run = queries.latest_run()
    shown = None
    if run is not None:
        shown = queries.run_for(request.membership, run)
        audit.record_read(
            "match_run.viewed",
            organisation=request.organisation,
            obj=run,
            request=request,
            data={
                "shown": [str(p.need_id) for p in shown.proposals]
                + [str(n.pk) for n, _ in shown.unhoused],
                "hidden": shown.hidden,
            },
        )
    rule_names = [rule.name for rule in safeguarding.RULES]
    return _render(
        request,
        "shelter/match.html",
        {
            "run": run,
            "proposals": shown.proposals if shown else [],
            "unhoused": shown.unhoused if shown else [],
            "hidden": shown.hidden if shown else 0,
            "rule_names": rule_names,
        },
    )


def _placement(request: HttpRequest, pk, permission: str = "shelter.view_placement") -> Placement:
    return get_for_member(request, Placement, permission, pk=pk)


@require_POST
@needs_permission("shelter.manage_shelter")
def confirm(request: HttpRequest, pk) -> HttpResponse:
    """A coordinator confirms a proposal (the rules are checked again)."""
    placement = get_for_member(request, Placement, "shelter.manage_shelter", pk=pk)
    if press(request, lambda: services.confirm_placement(
        placement=placement, by=request.user, request=request
    )).done:  # fmt: skip
        messages.success(request, _("The placement is confirmed; the guest may accept or refuse."))
    return redirect("shelter:placement", pk=placement.pk)


@require_POST
@needs_permission("shelter.manage_shelter")
def decision(request: HttpRequest, pk) -> HttpResponse:
    """Record the guest's free choice: accept or refuse (a refusal keeps their priority)."""
    placement = get_for_member(request, Placement, "shelter.manage_shelter", pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        press(
            request,
            lambda: services.record_guest_decision(
                placement=placement,
                accepted=form.cleaned_data["accepted"],
                by=request.user,
                request=request,
            ),
        )
    return redirect("shelter:placement", pk=placement.pk)


# --- placements --------------------------------------------------------------------------------


@needs_permission("shelter.view_shelter")
@refuse_undecryptable
def placements(request: HttpRequest) -> HttpResponse:
    """Placements, newest first."""
    rows = list(queries.placements_for_list(request.membership)[:200])
    audit.record_list_read(request, "shelter_placements.viewed", "shelter.placement", rows)
    return _render(request, "shelter/placements.html", {"placements": rows})


@needs_permission("shelter.view_placement")
@refuse_undecryptable
def placement_detail(request: HttpRequest, pk) -> HttpResponse:
    """A placement: guest, host, dates, check-in schedule; the address once it is confirmed."""
    placement = _placement(request, pk)
    coordinator = member_may(request.membership, "shelter.view_host_address")
    show_address = coordinator or placement.address_released
    audit.record_read(
        "placement.viewed",
        organisation=request.organisation,
        obj=placement,
        request=request,
        data={"address_shown": show_address},
    )
    explanation = placement.explanation or {}
    return _render(
        request,
        "shelter/placement_detail.html",
        {
            "placement": placement,
            "host": placement.offer.host,
            "show_address": show_address,
            "schedule": services.check_in_schedule(placement),
            "check_ins": placement.check_ins.all(),
            "notices": placement.notices.all(),
            "rules": [safeguarding.rule_name(c) for c in explanation.get("rules", [])],
            "parts": explanation.get("parts", {}),
            "may_manage": member_may(request.membership, "shelter.manage_shelter"),
            "decision_form": DecisionForm(),
        },
    )


@needs_permission("shelter.record_check_in")
@refuse_undecryptable
def check_in(request: HttpRequest, pk) -> HttpResponse:
    """Record a check-in or an incident on a placement."""
    placement = _placement(request, pk, "shelter.record_check_in")
    form = CheckInForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    return _saved_or_form(
        request,
        form,
        lambda data: services.record_check_in(
            placement=placement, by=request.user, request=request, **data
        ),
        saved=_("The check-in is recorded."),
        title=_("Check-in"),
        back=reverse("shelter:placement", args=[placement.pk]),
    )


@needs_permission("shelter.manage_shelter")
@refuse_undecryptable
def end(request: HttpRequest, pk) -> HttpResponse:
    """End a placement, with its reason and where the guest goes next."""
    placement = get_for_member(request, Placement, "shelter.manage_shelter", pk=pk)
    form = EndPlacementForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    return _saved_or_form(
        request,
        form,
        lambda data: services.end_placement(
            placement=placement, by=request.user, request=request, **data
        ),
        saved=_("The placement has ended."),
        title=_("End the placement"),
        back=reverse("shelter:placement", args=[placement.pk]),
    )


@needs_permission("shelter.manage_shelter")
def import_page(request: HttpRequest) -> HttpResponse:
    """Import needs or hosts from a spreadsheet: all or nothing, with a dry run first.

    The rows are read by the background worker (panah.core.background); the task's page shows
    the progress, then the report.
    """
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:  # a file no reader opens is refused at once, beside the field
            spreadsheets.detect_format(upload.name, ("csv", "xlsx"))
        except spreadsheets.SpreadsheetRefused as exc:
            form.add_error("file", str(exc))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        task = background.start_for_member(
            request,
            kind=tasks.IMPORT,
            permission="shelter.manage_shelter",
            parameters={
                "filename": upload.name,
                "kind": form.cleaned_data["kind"],
                "dry_run": form.cleaned_data["dry_run"],
            },
            content=upload.read(),
        )
        return redirect("shelter:import_task", pk=task.pk)
    return render(
        request,
        "shelter/import.html",
        {"form": form, "need_columns": NEED_COLUMNS, "host_columns": HOST_COLUMNS},
        status=400 if form.errors else 200,
    )


@needs_permission("shelter.manage_shelter")
def import_task(request: HttpRequest, pk) -> HttpResponse:
    """An import started by this member: its progress, then its report."""
    return task_page(request, pk, kinds=(tasks.IMPORT,))
