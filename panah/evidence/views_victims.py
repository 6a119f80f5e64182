"""A victim's page: its reports side by side with the canonical record, its merge and split
history, and the researcher's corrections (split a report out, merge with another victim, mark
a report confirmed, unverified or excluded), each applied at once and kept by later runs.

Reading needs `evidence.view_evidence`; correcting `evidence.review_linkage` (researchers).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panah.core.access import needs_permission, require

from . import corrections, queries
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .models import Report, Verification, Victim
from .views_review import SIDE_BY_SIDE, field_text

SPLIT_OUT = "split_out"


class CorrectReportForm(forms.Form):
    """Split one report out of the victim, or mark it confirmed, unverified or excluded."""

    report = forms.TypedChoiceField(label=gettext_lazy("Report"), coerce=int)
    action = forms.ChoiceField(
        label=gettext_lazy("Correction"),
        choices=[
            (SPLIT_OUT, gettext_lazy("Not this person: split it out into a victim of its own")),
            (Verification.CONFIRMED, gettext_lazy("Mark confirmed")),
            (Verification.UNVERIFIED, gettext_lazy("Mark unverified")),
            (Verification.EXCLUDED, gettext_lazy("Exclude (not counted, not linked)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Kept with the decision and shown in the history."),
    )

    def __init__(self, *args, reports: list[Report], **kwargs):
        super().__init__(*args, prefix="correct", **kwargs)
        self.fields["report"].choices = [
            (r.pk, f"{r.source.name} · {r.source_reference}") for r in reports
        ]
        self.fields["report"].widget = forms.RadioSelect(choices=self.fields["report"].choices)


class MergeForm(forms.Form):
    """Say this victim and another are one person."""

    other = forms.IntegerField(
        label=gettext_lazy("Number of the other victim"),
        min_value=1,
        help_text=gettext_lazy(
            "Shown as “Victim N” on its page; victims with the same name key are listed."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Kept with the decision and shown in the history."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="merge", **kwargs)


# The canonical record names its fields as a report does, but for these.
_VICTIM_FIELDS = {"name_as_written": "name", "source": None, "source_reference": None,
                  "date_as_written": None}  # fmt: skip


def _value(record: Report | Victim, key: str) -> str:
    """One field of a report, or of the canonical record, as text."""
    if isinstance(record, Victim):
        key = _VICTIM_FIELDS.get(key, key)
        if key is None:
            return ""
    return field_text(record, key)


def side_by_side(victim: Victim, reports: list[Report]) -> list[dict]:
    """Rows of fields: the canonical record, then each report; `differs` where reports disagree."""
    rows = []
    for key, label in SIDE_BY_SIDE:
        values = [_value(r, key) for r in reports]
        known = {v for v in values if v}
        rows.append(
            {
                "label": label,
                "canonical": _value(victim, key),
                "values": values,
                "differs": len(known) > 1,
            }
        )  # fmt: skip
    return rows


@needs_permission("evidence.view_evidence")
def victim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A victim's reports side by side, its history, and (for researchers) the corrections."""
    organisation = request.organisation
    try:
        page = queries.victim_page(organisation, pk)
    except Victim.DoesNotExist:
        raise Http404 from None
    correct = CorrectReportForm(reports=page.reports)
    merge = MergeForm()
    if request.method == "POST":
        require(request, "evidence.review_linkage")
        if page.victim.retired_at is not None:
            messages.error(request, _("This victim was replaced by a later change."))
            return redirect("evidence:victim", pk=pk)
        if "merge-other" in request.POST:
            merge = MergeForm(request.POST)
            done = merge.is_valid() and _merge(request, page.victim, merge)
        else:
            correct = CorrectReportForm(request.POST, reports=page.reports)
            done = correct.is_valid() and _correct(request, page, correct)
        if done:
            return redirect(done)
    return render(
        request,
        "evidence/victim.html",
        {
            "page": page,
            "victim": page.victim,
            "rows": side_by_side(page.victim, page.reports),
            "correct_form": correct,
            "merge_form": merge,
        },
        # A refused correction comes back with what was typed and its errors.
        status=400 if request.method == "POST" else 200,
    )


def _correct(request: HttpRequest, page: queries.VictimPage, form: CorrectReportForm) -> str:
    """Carry out the chosen correction; the URL to go to next, or "" (errors on the form)."""
    report = next(r for r in page.reports if r.pk == form.cleaned_data["report"])
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        if action == SPLIT_OUT:
            event = corrections.split_report_out(
                organisation=request.organisation, victim=page.victim, report=report,
                reason=reason, by=request.user, request=request,
            )  # fmt: skip
            messages.success(
                request,
                _("Report %(ref)s split out: it is now victim %(new)s.")
                % {"ref": report.source_reference, "new": event.victims_after[1]},
            )
            return _url("evidence:victim", event.victims_after[0])
        corrections.set_verification(
            organisation=request.organisation, report=report, verification=action,
            reason=reason, by=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return ""
    messages.success(
        request,
        _("Report %(ref)s marked %(state)s.")
        % {"ref": report.source_reference, "state": Verification(action).label.lower()},
    )
    following = queries.victim_of_report(request.organisation, report.pk)
    if action == Verification.EXCLUDED or following is None:
        remaining = [r.pk for r in page.reports if r.pk != report.pk]
        following = (
            queries.victim_of_report(request.organisation, remaining[0]) if remaining else None
        )
    if following is None:
        return _url("evidence:report", report.pk)
    return _url("evidence:victim", following)


def _merge(request: HttpRequest, victim: Victim, form: MergeForm) -> str:
    other = Victim.objects.filter(
        organisation=request.organisation, pk=form.cleaned_data["other"]
    ).first()
    if other is None:
        form.add_error("other", _("There is no such victim."))
        return ""
    try:
        decision = corrections.merge_victims(
            organisation=request.organisation, victim=victim, other=other,
            reason=form.cleaned_data["reason"], by=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return ""
    merged = queries.victim_of_report(request.organisation, decision.report_a_id)
    messages.success(request, _("The two victims are now one: victim %(n)s.") % {"n": merged})
    return _url("evidence:victim", merged)


def _url(name: str, pk: int) -> str:

    return reverse(name, kwargs={"pk": pk})
