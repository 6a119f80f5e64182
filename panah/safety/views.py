"""Safety pages: incidents, a person's safety file, the officer's key, access and escrow.

Thin: each view authorises (one access decorator; objects through get_for_member with the
compartment rule, so a file outside it is a 404), parses a form, calls one service, renders.
Every page that shows a safety record records the read. Sealed facts are shown only to an
officer whose key is unlocked in this session (panah.safety.unlocked); pages holding them are
never cached (the project's middleware marks signed-in pages no-store).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_scopes import scopes_disabled

from panah.cases.forms import PersonSearchForm
from panah.cases.models import Case
from panah.core import audit
from panah.core.access import get_for_member, needs_permission
from panah.core.downloads import private_file
from panah.core.forms import press, submit
from panah.core.models import User
from panah.core.queries import organisation_admins
from panah.core.rules import member_may
from panah.people.models import Person
from panah.people.queries import people_for
from panah.people.views import person_for_member, refuse_undecryptable

from . import queries, services, unlocked
from .forms import (
    AttachForm,
    EscrowForm,
    EvidenceForm,
    GrantForm,
    IncidentDetailsForm,
    IncidentForm,
    LinkPersonForm,
    NewKeyForm,
    PassphraseForm,
    PlanForm,
    RecoveryForm,
    ReferralForm,
    ReferralStatusForm,
    RiskForm,
    SealedFactsForm,
)
from .models import EscrowKey, Incident, IncidentEvidence, OfficerKey, SafetyReferral


def _form(request, form, *, title, back, status=200, multipart=False, intro=""):
    context = {
        "form": form, "title": title, "back": back, "multipart": multipart, "intro": intro,
    }  # fmt: skip
    return render(request, "safety/form.html", context, status=status)


def _person(request, pk, permission="safety.view_person") -> Person:
    person = get_for_member(request, Person, permission, pk=pk)
    if person.is_erased:
        raise Http404
    return person


def _incident(request, pk, permission="safety.view_incident") -> Incident:
    return get_for_member(
        request, Incident, permission, find=lambda org_id: Incident.objects.select_related(
            "person", "organisation"
        ).filter(organisation_id=org_id, pk=pk).first(),
    )  # fmt: skip


def _read(request, action: str, obj, **data) -> None:
    audit.record_read(
        action, organisation=request.organisation, actor=request.user, obj=obj, request=request,
        data={k: str(v) for k, v in data.items()},
    )  # fmt: skip


# --- Incidents ----------------------------------------------------------------------------------


@needs_permission("safety.view_incidents")
@refuse_undecryptable
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents the member may see, newest first (category, date, person; never facts)."""
    incidents = list(queries.incidents_for(request.membership)[:200])
    _read(request, "incident_list.viewed", None, count=len(incidents))
    officer = services.is_officer(request.organisation, request.user)
    return render(
        request,
        "safety/incident_list.html",
        {
            "incidents": incidents,
            "is_officer": officer,
            "unlocked": bool(unlocked.unlocked(request)),
        },
    )


@needs_permission("safety.record")
@refuse_undecryptable
@sensitive_post_parameters()
@sensitive_variables()
def record_incident(request: HttpRequest, pk) -> HttpResponse:
    """Record a threat against a person; sealed facts need the officer's unlocked key."""
    person = _person(request, pk, "safety.manage")
    back = reverse("safety:person", kwargs={"pk": person.pk})
    form = IncidentForm(request.POST or None)
    recorded = submit(request, form, lambda data: services.record_incident(
        organisation=request.organisation, person=person, by=request.user,
        category=data["category"], occurred_on=data["occurred_on"], country=data["country"],
        confidence=data["confidence"], reported_by=data["reported_by"], place=data["place"],
        indicators=data["indicators"],
        sealed=services.SealedFacts(data["narrative"], data["sources"], data["relatives"]),
        unlocked=unlocked.unlocked(request) is not None, request=request,
    ))  # fmt: skip
    if recorded.done:
        messages.success(request, _("The incident is recorded; its sealed facts are sealed."))
        return redirect("safety:incident", pk=recorded.result.pk)
    intro = (
        ""
        if unlocked.unlocked(request)
        else _("Your safety key is locked: unlock it before writing sealed facts.")
    )
    status = 400 if form.is_bound else 200
    return _form(request, form, title=_("Record an incident"), back=back, status=status,
                 intro=intro)  # fmt: skip


@needs_permission("safety.view_incident")
@refuse_undecryptable
@sensitive_variables()
def incident_detail(request: HttpRequest, pk) -> HttpResponse:
    """An incident: what everyone in the compartment sees, and the sealed facts for an officer
    whose key is unlocked."""
    incident = _incident(request, pk)
    _read(request, "incident.viewed", incident)
    officer = services.is_officer(request.organisation, request.user)
    opened, evidence, problem = None, [], ""
    key = unlocked.unlocked(request) if officer else None
    if key is not None:
        try:
            opened = services.open_incident(
                incident=incident, officer_key=key[0], private=key[1], by=request.user,
                request=request,
            )  # fmt: skip
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    if officer:
        evidence = list(IncidentEvidence.objects.filter(incident=incident))
    with scopes_disabled():
        attachments = list(incident.attachments.all())
        linked = list(incident.linked.select_related("person"))
    return render(
        request,
        "safety/incident_detail.html",
        {
            "incident": incident, "opened": opened, "is_officer": officer,
            "has_key": officer and services.active_officer_key(request.organisation, request.user),
            "unlocked": key is not None, "evidence": evidence, "problem": problem,
            "attachments": attachments, "linked": linked,
        },
    )  # fmt: skip


@needs_permission("safety.manage")
@refuse_undecryptable
def edit_incident(request: HttpRequest, pk) -> HttpResponse:
    """Correct an incident's classification, date and place, and link or unlink people.

    Sealed facts are corrected on their own page (amend_sealed), with the officer's key.
    """
    incident = _incident(request, pk, "safety.manage")
    action = request.POST.get("action") if request.method == "POST" else None
    initial = {f: getattr(incident, f) for f in services.EDITABLE_FIELDS}
    initial["indicators"] = initial.pop("perpetrator_indicators")
    details = IncidentDetailsForm(request.POST if action == "details" else None, initial=initial)
    link_form = LinkPersonForm(request.POST if action == "link" else None)
    # Each form is bound only when its own action was posted: the other one stays unsubmitted.
    corrected = submit(request, details, lambda data: services.update_incident(
        incident=incident, by=request.user, category=data["category"],
        occurred_on=data["occurred_on"], country=data["country"], confidence=data["confidence"],
        reported_by=data["reported_by"], place=data["place"], indicators=data["indicators"],
        request=request,
    ))  # fmt: skip
    if corrected.done:
        if corrected.result:
            messages.success(request, _("The incident is corrected."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("safety:incident", pk=incident.pk)
    if submit(request, link_form, lambda data: services.link_person(
        # The person rule, as everywhere: someone closed to this member is not found.
        incident=incident, person=person_for_member(request, data["person"]), role=data["role"],
        by=request.user, request=request,
    )).done:  # fmt: skip
        messages.success(request, _("The person is linked to the incident."))
        return redirect("safety:edit_incident", pk=incident.pk)
    if action == "unlink":
        with scopes_disabled():
            link = incident.linked.filter(pk=request.POST.get("link") or 0).first()
        if link is None:
            raise Http404
        services.unlink_person(incident=incident, link=link, by=request.user, request=request)
        messages.success(request, _("The person is no longer linked to the incident."))
        return redirect("safety:edit_incident", pk=incident.pk)
    _read(request, "incident.viewed", incident, page="edit")
    # Finding someone to link goes through the people pages' own rule.
    can_link = member_may(request.membership, "people.view_person")
    search = PersonSearchForm(request.GET or None)
    found = []
    if can_link and search.is_valid() and search.cleaned_data["q"].strip():
        found = [
            p
            for p in people_for(request.membership, search.cleaned_data["q"])[:20]
            if p.pk != incident.person_id
        ]
        audit.record_list_read(request, "person_list.viewed", "people.person", found, searched=True)
    with scopes_disabled():
        linked = list(incident.linked.select_related("person"))
    return render(
        request,
        "safety/incident_edit.html",
        {
            "incident": incident, "details": details, "link_form": link_form, "linked": linked,
            "search": search, "found": found, "can_link": can_link,
        },
        status=400 if details.errors or link_form.errors else 200,
    )  # fmt: skip


@needs_permission("safety.manage")
@refuse_undecryptable
@sensitive_post_parameters()
@sensitive_variables()
def amend_sealed(request: HttpRequest, pk) -> HttpResponse:
    """Correct an incident's sealed facts (the officer's key must be unlocked)."""
    incident = _incident(request, pk, "safety.manage")
    back = reverse("safety:incident", kwargs={"pk": incident.pk})
    key = unlocked.unlocked(request)
    if key is None:
        messages.error(request, _("Unlock your safety key to correct sealed facts."))
        return redirect(f"{reverse('safety:key')}?next={back}")
    opening = press(request, lambda: services.open_incident(
        incident=incident, officer_key=key[0], private=key[1], by=request.user, request=request,
    ), one_message=True)  # fmt: skip
    if not opening.done:
        return redirect(back)
    opened = opening.result
    form = SealedFactsForm(request.POST or None, initial=opened.__dict__)
    if submit(request, form, lambda data: services.amend_sealed_facts(
        incident=incident, officer_key=key[0], private=key[1], by=request.user,
        sealed=services.SealedFacts(**data), request=request,
    )).done:  # fmt: skip
        messages.success(request, _("The sealed facts are corrected and sealed again."))
        return redirect(back)
    return _form(request, form, title=_("Correct the sealed facts"), back=back,
                 status=400 if form.is_bound else 200)  # fmt: skip


@needs_permission("safety.manage")
@refuse_undecryptable
@sensitive_variables()
def add_evidence(request: HttpRequest, pk) -> HttpResponse:
    """Seal an evidence file to the incident (metadata removed)."""
    incident = _incident(request, pk, "safety.manage")
    back = reverse("safety:incident", kwargs={"pk": incident.pk})
    form = EvidenceForm(request.POST or None, request.FILES or None)
    key = unlocked.unlocked(request)

    def seal(data: dict):
        if key is None:
            raise ValidationError(_("Unlock your safety key to add evidence. Nothing was saved."))
        return services.add_evidence(
            incident=incident, upload=data["file"], officer_key=key[0], private=key[1],
            by=request.user, request=request,
        )  # fmt: skip

    added = submit(request, form, seal)
    if added.done:
        if added.result.had_location:
            messages.warning(
                request,
                _("The photo carried a GPS position: it was removed, with the camera "
                  "details, before the file was sealed."),
            )  # fmt: skip
        messages.success(request, _("The evidence is sealed."))
        return redirect(back)
    status = 400 if form.is_bound else 200
    return _form(request, form, title=_("Add evidence"), back=back, status=status,
                 multipart=True)  # fmt: skip


@needs_permission("safety.manage")
@refuse_undecryptable
@sensitive_variables()
def evidence_file(request: HttpRequest, pk) -> HttpResponse:
    """Download an evidence file, decrypted with the officer's unlocked key (audited)."""
    evidence = get_for_member(request, IncidentEvidence, pk=pk)
    incident = _incident(request, evidence.incident_id, "safety.manage")
    key = unlocked.unlocked(request)
    if key is None:
        messages.error(request, _("Unlock your safety key to open evidence."))
        return redirect("safety:key")
    evidence.incident = incident
    opening = press(request, lambda: services.open_evidence(
        evidence=evidence, officer_key=key[0], private=key[1], by=request.user, request=request,
    ), one_message=True)  # fmt: skip
    if not opening.done:
        return redirect("safety:incident", pk=incident.pk)
    opened = opening.result
    return private_file(opened.data, opened.content_type, f"evidence-{str(evidence.pk)[:8]}")


@needs_permission("safety.manage")
@refuse_undecryptable
def attach_to_case(request: HttpRequest, pk) -> HttpResponse:
    """Attach the incident to the person's asylum case as evidence, with their consent."""
    incident = _incident(request, pk, "safety.manage")
    back = reverse("safety:incident", kwargs={"pk": incident.pk})
    cases = list(Case.objects.filter(person=incident.person))
    form = AttachForm(request.POST or None, cases=cases)
    if submit(request, form, lambda data: services.attach_to_case(
        incident=incident, case=next(c for c in cases if str(c.pk) == data["case"]),
        consent_given_on=data["consent_given_on"], consent_method=data["consent_method"],
        by=request.user, request=request,
    )).done:  # fmt: skip
        messages.success(
            request, _("The incident is evidence in the case; its sealed facts stay sealed.")
        )
        return redirect(back)
    intro = "" if cases else _("This person has no asylum case yet.")
    status = 400 if form.is_bound else 200
    return _form(request, form, title=_("Attach to the asylum case as evidence"), back=back,
                 status=status, intro=intro)  # fmt: skip


# --- A person's safety file ---------------------------------------------------------------------


@needs_permission("safety.view_person")
@refuse_undecryptable
def person_file(request: HttpRequest, pk) -> HttpResponse:
    """A person's safety file: flag, risk history, safety plan, referrals, incidents."""
    person = _person(request, pk)
    _read(request, "safety_file.viewed", person)
    with scopes_disabled():
        context = {
            "person": person,
            "flagged": queries.has_safety_flag(person),
            "assessments": list(person.risk_assessments.select_related("reviewer")),
            "plans": list(person.safety_plans.all()),
            "referrals": list(person.safety_referrals.all()),
            "incidents": list(person.safety_incidents.all()),
            "is_officer": services.is_officer(request.organisation, request.user),
        }
    return render(request, "safety/person_file.html", context)


def _person_form_view(request, pk, form_class, call, *, title, form_kwargs=None):
    person = _person(request, pk, "safety.manage")
    back = reverse("safety:person", kwargs={"pk": person.pk})
    form = form_class(request.POST or None, **(form_kwargs(person) if form_kwargs else {}))
    called = submit(request, form, lambda data: call(person, data))
    if called.done:
        messages.success(request, called.result)
        return redirect(back)
    return _form(request, form, title=title, back=back, status=400 if form.is_bound else 200)


@needs_permission("safety.manage")
@refuse_undecryptable
def assess_risk(request: HttpRequest, pk) -> HttpResponse:
    def call(person, data):
        services.assess_risk(person=person, reviewer=request.user, by=request.user,
                             request=request, **data)  # fmt: skip
        return _("The risk assessment is recorded.")

    return _person_form_view(request, pk, RiskForm, call, title=_("Assess the risk"))


@needs_permission("safety.manage")
@refuse_undecryptable
def safety_plan(request: HttpRequest, pk) -> HttpResponse:
    def call(person, data):
        services.agree_safety_plan(person=person, by=request.user, request=request, **data)
        return _("The safety plan is recorded.")

    return _person_form_view(request, pk, PlanForm, call, title=_("Safety plan"))


@needs_permission("safety.manage")
@refuse_undecryptable
def refer(request: HttpRequest, pk) -> HttpResponse:
    def call(person, data):
        incident_id = data.pop("incident")
        incident = person.safety_incidents.filter(pk=incident_id).first() if incident_id else None
        services.refer(person=person, incident=incident, by=request.user, request=request, **data)
        return _("The referral is recorded.")

    return _person_form_view(
        request, pk, ReferralForm, call, title=_("Refer"),
        form_kwargs=lambda p: {"incidents": list(p.safety_incidents.all())},
    )  # fmt: skip


@needs_permission("safety.manage")
@refuse_undecryptable
def update_referral(request: HttpRequest, pk) -> HttpResponse:
    """Move a referral on and set its next follow-up."""
    referral = get_for_member(request, SafetyReferral, pk=pk)
    person = _person(request, referral.person_id, "safety.manage")
    back = reverse("safety:person", kwargs={"pk": person.pk})
    form = ReferralStatusForm(
        request.POST or None,
        initial={"status": referral.status, "follow_up_on": referral.follow_up_on},
    )
    if submit(request, form, lambda data: services.update_referral(
        referral=referral, by=request.user, request=request, **data
    )).done:  # fmt: skip
        messages.success(request, _("The referral is updated."))
        return redirect(back)
    return _form(request, form, title=_("Update the referral"), back=back,
                 status=400 if form.is_bound else 200)  # fmt: skip


# --- The officer's key, access, escrow ----------------------------------------------------------


@needs_permission("safety.hold_key")
@sensitive_post_parameters()
@sensitive_variables()
def key(request: HttpRequest) -> HttpResponse:
    """Set up, unlock or lock the member's safety key."""
    officer_key = services.active_officer_key(request.organisation, request.user)
    is_unlocked = unlocked.unlocked(request) is not None
    action = request.POST.get("action") if request.method == "POST" else None
    form = (NewKeyForm if officer_key is None else PassphraseForm)(
        request.POST if action in ("set_up", "unlock") else None
    )
    if action == "lock":
        response = redirect("safety:key")
        unlocked.forget(request, response)
        messages.success(request, _("Your safety key is locked."))
        return response

    def set_up_and_unlock(data: dict):
        nonlocal officer_key  # a key set up here is the page's key even if unlocking fails
        if officer_key is None:
            officer_key = services.set_up_officer_key(
                organisation=request.organisation, user=request.user,
                passphrase=data["passphrase"], request=request,
            )  # fmt: skip
        return services.unlock(officer_key=officer_key, passphrase=data["passphrase"],
                               request=request)  # fmt: skip

    # The form is bound only for "set_up" and "unlock": any other action leaves it unsubmitted.
    opened = submit(request, form, set_up_and_unlock)
    if opened.done:
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("safety:incidents")
        response = redirect(target)
        unlocked.remember(request, response, officer_key, opened.result)
        messages.success(request, _("Your safety key is unlocked for this session."))
        return response
    return render(
        request,
        "safety/key.html",
        {"officer_key": officer_key, "unlocked": is_unlocked, "form": form},
        status=400 if form.is_bound else 200,
    )


@needs_permission("safety.hold_key")
@sensitive_variables()
def officers(request: HttpRequest) -> HttpResponse:
    """The officers' keys, and how many incidents each can open; give access to a new one."""
    key_pair = unlocked.unlocked(request)
    if request.method == "POST":
        form = GrantForm(request.POST)
        target = None
        if form.is_valid():
            # The escrow key takes incidents recorded before it existed the same way.
            model = EscrowKey if request.POST.get("to") == "escrow" else OfficerKey
            retired = "retired_at" if model is EscrowKey else "revoked_at"
            target = model.objects.filter(
                pk=form.cleaned_data["officer_key"], **{f"{retired}__isnull": True}
            ).first()
        if target is None:
            raise Http404
        if request.POST.get("action") == "revoke" and isinstance(target, OfficerKey):
            removed = services.revoke_officer_key(
                officer_key=target, by=request.user, request=request
            )
            messages.success(
                request, _("The key is revoked: %(n)d sealed copies deleted.") % {"n": removed}
            )
        elif key_pair is None:
            messages.error(request, _("Unlock your safety key first: access is given from it."))
        else:
            granting = press(request, lambda: services.grant_access(
                officer_key=key_pair[0], private=key_pair[1], to=target, by=request.user,
                request=request,
            ), one_message=True)  # fmt: skip
            if granting.done:
                messages.success(request, _("%(n)d incidents re-sealed.") % {"n": granting.result})
        return redirect("safety:officers")
    keys = list(OfficerKey.objects.filter(revoked_at__isnull=True).select_related("user"))
    _read(request, "officer_keys.viewed", None)

    counts = dict(
        OfficerKey.objects.filter(revoked_at__isnull=True)
        .annotate(n=Count("copies"))
        .values_list("pk", "n")
    )
    total = Incident.objects.count()
    current = {
        k.pk for k in services.recipients(request.organisation)[0]
    }  # keys of members who are still officers
    rows = [(k, counts.get(k.pk, 0), k.pk in current) for k in keys]
    escrow_key = EscrowKey.objects.filter(retired_at__isnull=True).first()
    escrowed = escrow_key.copies.count() if escrow_key else 0
    return render(
        request,
        "safety/officers.html",
        {"rows": rows, "total": total, "unlocked": key_pair is not None,
         "own": key_pair[0] if key_pair else None, "escrow_key": escrow_key,
         "escrowed": escrowed},
    )  # fmt: skip


@needs_permission("safety.manage_escrow")
@sensitive_post_parameters()
@sensitive_variables()
def escrow(request: HttpRequest) -> HttpResponse:
    """Create the escrow key (two shares, shown once) or recover access with both shares."""

    admins = organisation_admins(request.organisation)
    current = EscrowKey.objects.filter(retired_at__isnull=True).first()
    keys = list(OfficerKey.objects.filter(revoked_at__isnull=True).select_related("user"))
    action = request.POST.get("action") if request.method == "POST" else None
    create_form = EscrowForm(request.POST if action == "create" else None, admins=admins)
    recover_form = RecoveryForm(request.POST if action == "recover" else None, keys=keys)
    by_id = {str(u.pk): u for u in admins}
    # Each form is bound only when its own action was posted: the other one stays unsubmitted.
    shares = submit(request, create_form, lambda data: services.create_escrow(
        organisation=request.organisation, first_holder=by_id[data["first_holder"]],
        second_holder=by_id[data["second_holder"]], by=request.user, request=request,
    )).result  # fmt: skip
    recovered = submit(request, recover_form, lambda data: services.recover_with_escrow(
        organisation=request.organisation, first_share=data["first_share"],
        second_share=data["second_share"],
        to=next(k for k in keys if str(k.pk) == data["officer_key"]), by=request.user,
        request=request,
    ))  # fmt: skip
    if recovered.done:
        messages.success(request, _("%(n)d incidents re-sealed.") % {"n": recovered.result})
        return redirect("safety:escrow")
    holders = (
        User.objects.filter(pk__in=[current.first_holder_id, current.second_holder_id])
        if current
        else []
    )
    bound = create_form.is_bound or recover_form.is_bound
    status = (
        400 if bound and shares is None and (create_form.errors or recover_form.errors) else 200
    )
    return render(
        request,
        "safety/escrow.html",
        {"current": current, "holders": holders, "create_form": create_form,
         "recover_form": recover_form, "shares": shares},
        status=status,
    )  # fmt: skip
