"""Pages of the linkage: running it, the review queue of uncertain pairs, and its history.

A reviewer sees two reports side by side with each comparison's evidence for and against
(its match weight), and says "same person" or "two people" with a reason; the decision is
applied to the victims at once and taken as given by every later linkage run.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from panah.core import background
from panah.core.access import get_for_member, needs_permission, require
from panah.core.forms import submit
from panah.core.reauth import recent_authentication_required
from panah.core.spreadsheets import SpreadsheetRefused

from . import linkage_runs, review_sheet, tasks
from . import rules as _rules  # noqa: F401  (registers the permissions the decorators name)
from .models import LinkageRun, MergeSplitEvent, Report, ReviewDecision, ReviewPair
from .statistics import latest_run

COMPARISON_LABELS = {
    "given": gettext_lazy("Given name"),
    "surname": gettext_lazy("Surname"),
    "father": gettext_lazy("Father's name"),
    "date": gettext_lazy("Execution date"),
    "age": gettext_lazy("Age"),
    "place": gettext_lazy("Place"),
    "charge": gettext_lazy("Charge"),
    "gender": gettext_lazy("Gender"),
}
# The report fields shown side by side, in order.
SIDE_BY_SIDE = (
    ("source", gettext_lazy("Source")),
    ("source_reference", gettext_lazy("Source reference")),
    ("name_as_written", gettext_lazy("Name as written")),
    ("father_name", gettext_lazy("Father's name")),
    ("age", gettext_lazy("Age")),
    ("gender", gettext_lazy("Gender")),
    ("ethnicity", gettext_lazy("Ethnicity")),
    ("province", gettext_lazy("Province")),
    ("city", gettext_lazy("City")),
    ("prison", gettext_lazy("Prison")),
    ("charge_category", gettext_lazy("Charge")),
    ("date_as_written", gettext_lazy("Date as written")),
    ("dates", gettext_lazy("Dates it can denote")),
    ("announced", gettext_lazy("Announced")),
    ("verification", gettext_lazy("Verification")),
)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (ReviewDecision.Decision.MATCH, gettext_lazy("Same person: merge")),
            (ReviewDecision.Decision.NON_MATCH, gettext_lazy("Two different people: split")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "Kept with the decision and shown in the history: the evidence that decided it."
        ),
    )


def _pending(organisation) -> tuple[LinkageRun | None, object]:
    run = latest_run(organisation)
    pairs = ReviewPair.objects.none()
    if run is not None:
        pairs = (
            ReviewPair.objects.filter(organisation=organisation, run=run)
            .select_related("report_a__source", "report_b__source")
            .order_by("-probability", "pk")
        )
    return run, pairs


@needs_permission("evidence.view_evidence")
def review_queue(request: HttpRequest) -> HttpResponse:
    """The latest linkage run and its uncertain pairs, most probable first."""
    run, pairs = _pending(request.organisation)
    page = Paginator(pairs, 25).get_page(request.GET.get("page"))
    runs = LinkageRun.objects.filter(organisation=request.organisation).order_by(
        "-started_at", "-pk"
    )[:5]
    return render(
        request,
        "evidence/review_queue.html",
        {
            "run": run,
            "page": page,
            "runs": runs,
            "min_train": linkage_runs.MIN_TRAIN_REPORTS,
            "sheet_form": DecisionSheetForm(),
        },
    )


class DecisionSheetForm(forms.Form):
    sheet = forms.FileField(
        label=gettext_lazy("Review sheet with decisions (.csv or .xlsx)"),
        help_text=gettext_lazy(
            "The exported sheet with the decision column filled (same or different) and a "
            "reason on each decided row. All rows are applied or none."
        ),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Only check, apply nothing"), required=False)


@needs_permission("evidence.review_linkage")
@recent_authentication_required
def review_export(request: HttpRequest) -> HttpResponse:
    """The review queue as a spreadsheet (?fmt=csv or xlsx) to decide in a spreadsheet program.
    It holds the reports' names: a recent re-authentication is needed, like every export."""
    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in review_sheet.FORMATS:
        raise Http404
    body = review_sheet.export_queue(request.organisation, fmt, by=request.user, request=request)
    response = HttpResponse(body, content_type=review_sheet.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="review-queue.{fmt}"'
    return response


@needs_permission("evidence.review_linkage")
@require_POST
def review_import(request: HttpRequest) -> HttpResponse:
    """Apply the decisions of a filled review sheet (all or none), or say row by row why not."""
    form = DecisionSheetForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        upload = form.cleaned_data["sheet"]
        try:
            result = review_sheet.import_decisions(
                request.organisation, upload.read(), upload.name, by=request.user,
                dry_run=form.cleaned_data["dry_run"], request=request,
            )  # fmt: skip
        except SpreadsheetRefused as exc:
            form.add_error("sheet", str(exc))
    if result is not None and result.ok:
        if result.dry_run:
            messages.success(
                request,
                _("The sheet is valid: %(n)s decisions would be applied (nothing was changed).")
                % {"n": result.checked},
            )
        else:
            messages.success(
                request,
                _("%(n)s decisions applied to the victims; %(skipped)s rows had no decision.")
                % {"n": result.decided, "skipped": result.skipped},
            )
        return redirect("evidence:review_queue")
    return render(
        request, "evidence/review_import.html", {"form": form, "result": result}, status=400
    )


def field_text(report: Report, key: str) -> str:
    """One of SIDE_BY_SIDE's fields of a report as text (also the victim page's)."""
    if key == "source":
        return report.source.name
    if key == "dates":
        if not report.date_start:
            return ""
        if report.date_end == report.date_start:
            return report.date_start.isoformat()
        return f"{report.date_start.isoformat()} – {report.date_end.isoformat()}"
    if key in ("gender", "charge_category", "announced", "verification"):
        return getattr(report, f"get_{key}_display")()
    raw = getattr(report, key)
    return "" if raw is None else str(raw)


def _side_by_side(a: Report, b: Report) -> list[dict]:
    value = field_text

    rows = []
    for key, label in SIDE_BY_SIDE:
        left, right = value(a, key), value(b, key)
        rows.append({"label": label, "a": left, "b": right, "same": left == right and left != ""})
    return rows


@needs_permission("evidence.view_evidence")
def review_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Two reports side by side, the evidence for and against, and the decision form."""
    pair = get_for_member(request, ReviewPair, pk=pk)
    a = Report.objects.select_related("source").get(pk=pair.report_a_id)
    b = Report.objects.select_related("source").get(pk=pair.report_b_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        require(request, "evidence.review_linkage")
    if submit(request, form, lambda data: linkage_runs.decide_pair(
        organisation=request.organisation, report_a=a, report_b=b, decision=data["decision"],
        reason=data["reason"], by=request.user, pair=pair, request=request,
    )).done:  # fmt: skip
        messages.success(request, _("Decision recorded and applied to the victims."))
        _run, pending = _pending(request.organisation)
        following = pending.first()
        if following is not None:
            return redirect("evidence:review_pair", pk=following.pk)
        return redirect("evidence:review_queue")
    evidence = [
        {
            **item,
            "label": COMPARISON_LABELS.get(item["comparison"], item["comparison"]),
            "direction": "for"
            if item["weight"] + item["tf"] > 0
            else "against"
            if item["weight"] + item["tf"] < 0
            else "neutral",
            "total": round(item["weight"] + item["tf"], 2),
        }
        for item in pair.evidence
    ]
    victims = linkage_runs.current_victim_of([a.pk, b.pk])
    return render(
        request,
        "evidence/review_pair.html",
        {
            "pair": pair,
            "a": a,
            "b": b,
            "rows": _side_by_side(a, b),
            "evidence": evidence,
            "form": form,
            "victim_a": victims.get(a.pk),
            "victim_b": victims.get(b.pk),
            "earlier": ReviewDecision.objects.filter(report_a=a, report_b=b).select_related(
                "decided_by"
            ),
        },
    )


@needs_permission("evidence.review_linkage")
@require_POST
def linkage_run(request: HttpRequest) -> HttpResponse:
    """Start linking the reports in the background; its page shows the progress and the outcome."""
    task = background.start_for_member(
        request,
        kind=tasks.LINK,
        permission="evidence.review_linkage",
        parameters={"retrain": request.POST.get("retrain") == "1"},
    )
    return redirect("evidence:task", pk=task.pk)


@needs_permission("evidence.view_evidence")
def linkage_history(request: HttpRequest) -> HttpResponse:
    """Every run, decision and merge or split: who, when, why."""
    organisation = request.organisation
    return render(
        request,
        "evidence/linkage_history.html",
        {
            "runs": LinkageRun.objects.filter(organisation=organisation)
            .select_related("started_by")
            .order_by("-started_at", "-pk")[:50],
            "decisions": ReviewDecision.objects.filter(organisation=organisation)
            .select_related("decided_by")
            .order_by("-decided_at", "-pk")[:100],
            "events": MergeSplitEvent.objects.filter(organisation=organisation)
            .select_related("by", "run")
            .order_by("-at", "-pk")[:100],
        },
    )
